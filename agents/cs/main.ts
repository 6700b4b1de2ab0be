/** Runnable cs agent: its skills are the tools of the MCP servers in config.json (watched for changes). */
import { runToolAgentFromEnv } from '../run-env.js';

await runToolAgentFromEnv(new URL('./config.json', import.meta.url));
