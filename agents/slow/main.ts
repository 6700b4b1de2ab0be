/** Runnable slow agent: "work <ms>" works for that long in cancellable steps. */
import { runAgentFromEnv } from '../run-env.js';
import { SlowExecutor } from './executor.js';

await runAgentFromEnv(
  {
    name: 'slow',
    description: 'Works for a given time in cancellable steps (for cancel, scale-out and backpressure tests).',
    skills: [{ id: 'work', name: 'Work', description: 'Works for N milliseconds', examples: ['work 2000'] }],
  },
  new SlowExecutor(),
);
