/** Runnable TCK agent on Kafka: `node --import tsx agents/tck/main.ts` (KAFKA_BROKERS / SCHEMA_REGISTRY_URL or the local stack). */
import { runAgentFromEnv } from '../run-env.js';
import { TckExecutor } from './executor.js';

await runAgentFromEnv(
  {
    name: 'tck',
    description: 'Implements the scenarios of the official A2A TCK (selected by messageId prefix)',
    skills: [{ id: 'tck', name: 'TCK Conformance', description: 'Handles TCK conformance test messages', tags: ['tck'] }],
  },
  new TckExecutor(),
);
