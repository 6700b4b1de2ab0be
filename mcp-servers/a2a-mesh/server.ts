/**
 * MCP gateway to the mesh: an MCP server whose tools are the skills of the agents in agent.registry. Calling a
 * tool sends an A2A task over Kafka and returns the agent's answer; the tool list follows agents joining and
 * leaving (tools/list_changed). Any MCP host (an IDE, a desktop assistant) can then use the mesh.
 *
 * Tool names are `<agent>__<skill>` (MCP names allow letters, digits, `_` and `-`). Where an agent publishes its
 * skills' input schemas (KAMF's skill-schemas card extension), the tool takes those arguments and the call names
 * the skill outright; otherwise the tool takes a `question` in plain language.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDirectory } from '../../src/binding/index.js';
import { meshSkills, type MeshCaller } from '../../src/agent-kit/index.js';

export const GATEWAY_NAME = 'kamf-a2a-mesh';
const SEP = '__';

const QUESTION_SCHEMA: Tool['inputSchema'] = {
  type: 'object',
  properties: { question: { type: 'string', description: 'What to ask the agent, in plain language (Korean or English)' } },
  required: ['question'],
};

export function meshTools(directory: AgentDirectory): Array<Tool & { agent: string; skill: string; structured: boolean }> {
  return meshSkills(directory.list()).map(({ agent, agentDescription, skill: s, schema }) => ({
    name: `${agent}${SEP}${s.id}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128),
    title: `${s.name} (${agent})`,
    description: `${s.description}${s.examples.length ? ` Examples: ${s.examples.map((e) => `"${e}"`).join(', ')}.` : ''} [agent ${agent}: ${agentDescription}]`,
    inputSchema: (schema as Tool['inputSchema'] | undefined) ?? QUESTION_SCHEMA,
    agent,
    skill: s.id,
    structured: schema !== undefined,
  }));
}

export function createGatewayServer(directory: AgentDirectory, caller: MeshCaller): McpServer {
  const mcp = new McpServer({ name: GATEWAY_NAME, version: '0.1.0', title: 'KAMF agent mesh' });
  mcp.server.registerCapabilities({ tools: { listChanged: true } });
  mcp.server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: meshTools(directory).map(({ agent: _a, skill: _s, structured: _st, ...tool }) => tool),
  }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const tool = meshTools(directory).find((t) => t.name === req.params.name);
    if (!tool) return { isError: true, content: [{ type: 'text', text: `No agent offers ${req.params.name} right now (it may have left the mesh).` }] };
    const args = (req.params.arguments ?? {}) as Record<string, unknown>;
    try {
      const r = tool.structured
        ? await caller.call(`${tool.agent}/${tool.skill}`, args, { signal: extra.signal })
        : await caller.call(`${tool.agent}/${tool.skill}`, {}, { text: String(args.question ?? ''), signal: extra.signal, plain: true });
      const ok = r.state === 3 || r.state === 6;
      const text = r.state === 6 ? `${r.agent} needs more input: ${r.question}` : r.text;
      return { isError: !ok, content: [{ type: 'text', text: text || `(${r.agent} finished in state ${r.state})` }] };
    } catch (err) {
      return { isError: true, content: [{ type: 'text', text: `Calling ${tool.agent} failed: ${(err as Error).message}` }] };
    }
  });
  // tell the host whenever agents join, change their skills or leave
  const changed = () => void mcp.server.sendToolListChanged().catch(() => {});
  directory.on('joined', changed);
  directory.on('updated', changed);
  directory.on('left', changed);
  mcp.server.onclose = () => {
    directory.off('joined', changed);
    directory.off('updated', changed);
    directory.off('left', changed);
  };
  return mcp;
}
