/** Runnable data agent: its skills are the tools of the MCP servers in config.json (watched for changes). */
import { pkgPath } from '../../src/core/index.js';
import { runToolAgentFromEnv } from '../run-env.js';

await runToolAgentFromEnv(pkgPath('agents', 'data', 'config.json'));
