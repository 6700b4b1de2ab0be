/** Runnable coordinator: `node --import tsx agents/balance/main.ts`. */
import { loadConfig } from '../../src/core/index.js';
import { stopOnSignals } from '../../src/binding/index.js';
import { startBalanceAgent } from './agent.js';

const agent = await startBalanceAgent({ config: loadConfig(), ...(process.env.KAMF_AGENT_NAME ? { name: process.env.KAMF_AGENT_NAME } : {}) });
stopOnSignals(() => agent.stop());
process.stderr.write(`agent ${agent.name} (instance ${agent.server.instanceId}) serving ${agent.server.requestTopics.join(', ')}\n`);
