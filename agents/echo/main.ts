/** Runnable echo agent: `node --import tsx agents/echo/main.ts` (uses KAFKA_BROKERS / SCHEMA_REGISTRY_URL or the local stack). */
import { runAgentFromEnv } from '../run-env.js';
import { EchoExecutor } from './executor.js';

await runAgentFromEnv(
  {
    name: 'echo',
    description: 'Echoes what it is sent; greets by name (asks for one if missing); streams chunks on request.',
    skills: [
      { id: 'echo', name: 'Echo', description: 'Repeats the message text back', examples: ['hello'] },
      { id: 'greet', name: 'Greet', description: 'Greets someone by name, asking for the name if missing', examples: ['greet Ada'] },
    ],
  },
  new EchoExecutor(),
);
