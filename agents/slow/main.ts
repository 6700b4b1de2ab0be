/** Runnable slow agent: "work <ms>" works for that long in cancellable steps. */
import { appendFileSync } from 'node:fs';
import { runAgentFromEnv } from '../run-env.js';
import { SlowExecutor } from './executor.js';

// KAMF_EXECUTION_LOG: a file the executor appends one line to per execution start and completion (for tests)
const logFile = process.env.KAMF_EXECUTION_LOG;

await runAgentFromEnv(
  {
    name: 'slow',
    description: 'Works for a given time in cancellable steps (for cancel, scale-out and backpressure tests).',
    skills: [{ id: 'work', name: 'Work', description: 'Works for N milliseconds', examples: ['work 2000'] }],
  },
  new SlowExecutor(logFile ? (line) => appendFileSync(logFile, line + '\n') : undefined),
);
