import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { parseServeArgs, startHttpMcp, type HttpMcpHandle } from '../../../src/mcp/serve.js';
import { isKamfError, type KamfError } from '../../../src/core/errors.js';

describe('parseServeArgs', () => {
  it('defaults to stdio', () => expect(parseServeArgs([])).toEqual({ mode: 'stdio' }));
  it('takes --http with and without a port', () => {
    expect(parseServeArgs(['--http', '3101'])).toEqual({ mode: 'http', host: '127.0.0.1', port: 3101, path: '/mcp' });
    expect(parseServeArgs(['--http'], 3200)).toMatchObject({ mode: 'http', port: 3200 });
    expect(parseServeArgs(['--http=0', '--host', '0.0.0.0', '--path', '/x'])).toEqual({
      mode: 'http',
      host: '0.0.0.0',
      port: 0,
      path: '/x',
    });
  });
  it('recognizes --help and rejects junk', () => {
    expect(parseServeArgs(['--http', '1', '--help'])).toEqual({ mode: 'help' });
    expect(() => parseServeArgs(['--nope'])).toThrow(/unknown argument "--nope"/);
    expect(() => parseServeArgs(['--http=99999'])).toThrow(/invalid port/);
    expect(() => parseServeArgs(['--path', 'mcp'])).toThrow(/--path/);
  });
  it('reports argument mistakes as KamfError CLI_USAGE with a hint', () => {
    for (const argv of [['--nope'], ['--http=99999'], ['--host'], ['--path', 'mcp']]) {
      let err: unknown;
      try {
        parseServeArgs(argv);
      } catch (e) {
        err = e;
      }
      expect(isKamfError(err, 'CLI_USAGE'), argv.join(' ')).toBe(true);
      expect((err as KamfError).hint).toMatch(/--help/);
      expect((err as KamfError).details).toEqual({ arg: argv[0] });
    }
  });
});

function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('startHttpMcp', () => {
  let handle: HttpMcpHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  const factory = () => {
    const server = new McpServer({ name: 'mini', version: '0' });
    server.registerTool('add', { inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
    }));
    return server;
  };

  it('serves independent sessions, one server per session', async () => {
    handle = await startHttpMcp(factory, { port: 0 });
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/mcp`);
    const clients = await Promise.all(
      [1, 2].map(async () => {
        const c = new Client({ name: 'c', version: '0' });
        await c.connect(new StreamableHTTPClientTransport(new URL(handle!.url)));
        return c;
      }),
    );
    expect(handle.sessionCount()).toBe(2);
    const results = await Promise.all(clients.map((c, i) => c.callTool({ name: 'add', arguments: { a: i, b: 40 } })));
    expect(results.map((r) => (r.content as { text: string }[])[0]!.text)).toEqual(['40', '41']);
    const transport = clients[0]!.transport as StreamableHTTPClientTransport;
    await transport.terminateSession(); // DELETE ends the session on the server
    expect(handle.sessionCount()).toBe(1);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('rejects requests outside the protocol with clear statuses', async () => {
    handle = await startHttpMcp(factory, { port: 0 });
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((await raw(handle.url, 'POST', json, call)).status).toBe(400); // no session, not initialize
    const unknown = await raw(handle.url, 'POST', { ...json, 'mcp-session-id': 'nope' }, call);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Session not found');
    expect((await raw(handle.url, 'POST', json, '{not json')).status).toBe(400);
    expect((await raw(handle.url, 'GET', {})).status).toBe(400);
    expect((await raw(handle.url.replace('/mcp', '/other'), 'GET', {})).status).toBe(404);
    expect((await raw(handle.url.replace('/mcp', '/healthz'), 'GET', {})).body).toBe('ok');
    expect((await raw(handle.url, 'POST', { ...json, host: 'evil.example:80' }, call)).status).toBe(403);
  });
});
