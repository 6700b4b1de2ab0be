/** The MCP gateway process: `node --import tsx mcp-servers/a2a-mesh/main.ts [--http PORT]`. */
import { jsonLogLine, loadConfig } from '../../src/core/index.js';
import { connectMesh, KafkaClientRuntime, AgentDirectory } from '../../src/binding/index.js';
import { MeshCaller } from '../../src/agent-kit/index.js';
import { runMcpServer } from '../../src/mcp/index.js';
import { createGatewayServer } from './server.js';

const mesh = connectMesh(loadConfig(), undefined, 'kamf-mcp-gateway');
const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, logger: { warn: (m) => process.stderr.write(jsonLogLine('a2a-mesh', m, process.env, { level: 'WARN' }) ?? `[a2a-mesh] ${m}\n`) } });
await directory.start();
const runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
const caller = new MeshCaller(runtime, directory);
await runMcpServer(() => createGatewayServer(directory, caller), {
  name: 'a2a-mesh',
  description: 'MCP gateway to the KAMF agent mesh: one tool per agent skill in agent.registry.',
  defaultHttpPort: 3110,
});
