/** Runnable coordinator: `node --import tsx agents/balance/main.ts`. */
import { loadConfig } from '../../src/core/index.js';
import { stopOnSignals } from '../../src/binding/index.js';
import { startBalanceAgent } from './agent.js';
import { announce } from '../run-env.js';

const agent = await startBalanceAgent({ config: loadConfig(), ...(process.env.KAMF_AGENT_NAME ? { name: process.env.KAMF_AGENT_NAME } : {}) });
stopOnSignals(() => agent.stop());
announce(agent);
