/**
 * The MCP side of an agent: one MCP client per configured server (stdio or Streamable HTTP), the merged tool
 * list, tool calls, and a change signal when a server's tool list changes or servers are added / removed.
 */
import { EventEmitter } from 'node:events';
import { isAbsolute } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { PlannableTool } from './planner/types.js';
import { KamfError } from '../core/errors.js';
import { nodeArgsFor, packageRoot, packageScript } from '../core/paths.js';
import type { McpServerConfig } from './agent-config.js';
import { ATTR, SpanKind, endSpan, startSpan, traceHeaders, tracingOn } from '../core/telemetry.js';

export interface ToolSpec {
  /** Server-qualified id, `<server>.<tool>`: unique across the agent's servers. */
  id: string;
  server: string;
  name: string;
  title?: string;
  description: string;
  inputSchema: PlannableTool['inputSchema'];
  examples: string[];
}

export interface ToolResult {
  text: string;
  data?: unknown;
  isError: boolean;
}

interface Connection {
  client: Client;
  tools: ToolSpec[];
}

function examplesOf(tool: Tool): string[] {
  const meta = (tool._meta ?? {}) as { examples?: unknown };
  return Array.isArray(meta.examples) ? meta.examples.filter((e): e is string => typeof e === 'string') : [];
}

function resolveArgs(args: string[]): string[] {
  // script paths in the config name the package's own scripts, not files wherever the agent was started
  return args.flatMap((arg) => (!isAbsolute(arg) && /\.(ts|js|mjs)$/.test(arg) ? nodeArgsFor(packageScript(arg)) : [arg]));
}

export class ToolHub extends EventEmitter<{ changed: [] }> {
  private readonly connections = new Map<string, Connection>();

  async add(name: string, config: McpServerConfig): Promise<void> {
    if (this.connections.has(name)) await this.remove(name);
    const client = new Client(
      { name: 'kamf-agent', version: '0.1.0' },
      {
        listChanged: {
          tools: {
            onChanged: (err, tools) => {
              const conn = this.connections.get(name);
              if (err || !tools || !conn) return;
              conn.tools = tools.map((t) => this.spec(name, t));
              this.emit('changed');
            },
          },
        },
      },
    );
    const transport =
      'url' in config
        ? new StreamableHTTPClientTransport(new URL(config.url), config.headers ? { requestInit: { headers: config.headers } } : undefined)
        : new StdioClientTransport({
            command: config.command === 'node' ? process.execPath : config.command,
            args: resolveArgs(config.args),
            cwd: config.cwd ?? packageRoot,
            env: { ...(process.env as Record<string, string>), ...config.env },
            stderr: 'pipe',
          });
    try {
      await client.connect(transport);
    } catch (cause) {
      throw new KamfError('CONFIG_INVALID', `Cannot connect to MCP server "${name}": ${(cause as Error).message}`, { cause });
    }
    const { tools } = await client.listTools();
    this.connections.set(name, { client, tools: tools.map((t) => this.spec(name, t)) });
    this.emit('changed');
  }

  async remove(name: string): Promise<void> {
    const conn = this.connections.get(name);
    if (!conn) return;
    this.connections.delete(name);
    await conn.client.close().catch(() => {});
    this.emit('changed');
  }

  servers(): string[] {
    return [...this.connections.keys()];
  }

  tools(): ToolSpec[] {
    return [...this.connections.values()].flatMap((c) => c.tools);
  }

  find(idOrName: string): ToolSpec | undefined {
    const all = this.tools();
    return all.find((t) => t.id === idOrName) ?? all.find((t) => t.name === idOrName);
  }

  async call(toolId: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult> {
    const tool = this.find(toolId);
    if (!tool) throw new KamfError('CONFIG_INVALID', `No tool "${toolId}" (have: ${this.tools().map((t) => t.id).join(', ')})`);
    const conn = this.connections.get(tool.server)!;
    // the tool call's span; its context travels in the request's _meta, where the MCP server continues it
    const span = tracingOn() ? startSpan(`execute_tool ${tool.name}`, SpanKind.CLIENT, { [ATTR.genAiOperation]: 'execute_tool', [ATTR.genAiToolName]: tool.name, [ATTR.rpcSystem]: 'mcp', [ATTR.rpcMethod]: 'tools/call', 'mcp.server.name': tool.server }) : undefined;
    const meta = span ? traceHeaders(span) : undefined;
    let res: Awaited<ReturnType<typeof conn.client.callTool>>;
    try {
      res = await conn.client.callTool({ name: tool.name, arguments: args, ...(meta ? { _meta: meta } : {}) }, undefined, { ...(signal ? { signal } : {}), timeout: 30_000 });
      endSpan(span, res.isError === true ? Object.assign(new Error('tool error'), { name: 'tool_error' }) : undefined);
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
    const content = (res.content ?? []) as Array<{ type: string; text?: string }>;
    const text = content
      .filter((c) => c.type === 'text')
      .map((c) => c.text ?? '')
      .join('\n');
    return { text, isError: res.isError === true, ...(res.structuredContent !== undefined ? { data: res.structuredContent } : {}) };
  }

  async close(): Promise<void> {
    for (const name of [...this.connections.keys()]) await this.remove(name);
  }

  private spec(server: string, t: Tool): ToolSpec {
    return {
      id: `${server}.${t.name}`,
      server,
      name: t.name,
      ...(t.title ? { title: t.title } : {}),
      description: t.description ?? '',
      inputSchema: t.inputSchema as PlannableTool['inputSchema'],
      examples: examplesOf(t),
    };
  }
}
