/**
 * An MCP tool call continues the caller's trace: the context goes in the request's `_meta` (as ToolHub sends it) and
 * a KAMF tool server (registerDocumentedTool) runs the tool in an `execute_tool` SERVER span under it. In process,
 * over the MCP SDK's in-memory transport.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { traceHeaders } from '../../../src/core/telemetry.js';
import { registerDocumentedTool, toolResult } from '../../../src/mcp/tools.js';
import { idOf, parentOf, startTestTracing, traceOf } from '../../support/otel.js';

const tracing = startTestTracing();
afterAll(() => tracing.shutdown());

describe('MCP tool calls in the trace', () => {
  it('the server span is a child of the caller span named in _meta', async () => {
    const server = new McpServer({ name: 'probe', version: '1.0.0' });
    let activeInTool: string | undefined;
    registerDocumentedTool(
      server,
      'probe',
      { title: 'Probe', description: 'answers', examples: ['probe?'], inputSchema: { q: z.string() }, outputSchema: { a: z.string() } },
      ({ q }) => {
        activeInTool = trace.getActiveSpan()?.spanContext().spanId;
        return toolResult(q, { a: q });
      },
    );
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(b);

    const caller = trace.getTracer('test').startSpan('caller');
    const res = await client.callTool({ name: 'probe', arguments: { q: 'x' }, _meta: traceHeaders(caller) });
    caller.end();
    expect(res.isError).not.toBe(true);
    // without _meta the call starts its own trace
    await client.callTool({ name: 'probe', arguments: { q: 'y' } });
    await client.close();

    const tools = tracing.spans().filter((s) => s.name === 'execute_tool probe');
    expect(tools).toHaveLength(2);
    const [withMeta, without] = tools;
    expect(withMeta!.kind).toBe(SpanKind.SERVER);
    expect(parentOf(withMeta!)).toBe(caller.spanContext().spanId);
    expect(traceOf(withMeta!)).toBe(caller.spanContext().traceId);
    expect(withMeta!.attributes['gen_ai.tool.name']).toBe('probe');
    expect(traceOf(without!)).not.toBe(caller.spanContext().traceId);
    expect(parentOf(without!)).toBeUndefined();
    // the tool body ran with its span active
    expect([idOf(withMeta!), idOf(without!)]).toContain(activeInTool);
  });
});
