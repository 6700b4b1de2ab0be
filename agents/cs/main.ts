/** Runnable cs agent: its skills are the tools of the MCP servers in config.json (watched for changes). */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/core/config.js';
import { stopOnSignals } from '../../src/binding/serve.js';
import { runToolAgent } from '../../src/agent-kit/run-tool-agent.js';

const agent = await runToolAgent({
  config: loadConfig(),
  agent: process.env.KAMF_AGENT_CONFIG ?? fileURLToPath(new URL('./config.json', import.meta.url)),
  ...(process.env.KAMF_AGENT_NAME ? { name: process.env.KAMF_AGENT_NAME } : {}),
});
stopOnSignals(() => agent.stop());
process.stderr.write(`agent ${agent.name} (instance ${agent.server.instanceId}) serving ${agent.server.requestTopics.join(', ')}; skills: ${agent.card.skills.map((s) => s.id).join(', ')}\n`);
