/**
 * Serve an `McpServer` over stdio (default) or Streamable HTTP, chosen from the command line:
 *
 *   node --import tsx mcp-servers/game-stats/main.ts              # stdio: the client spawns us
 *   node --import tsx mcp-servers/game-stats/main.ts --http 3101  # http://127.0.0.1:3101/mcp
 *   ... --http 3101 --host 0.0.0.0                                 # listen beyond loopback
 *
 * HTTP mode keeps one `StreamableHTTPServerTransport` (and one `McpServer` from the factory) per session:
 * an `initialize` POST without a session id opens a session; later requests carry `mcp-session-id`; DELETE
 * ends it. On loopback the Host header must name a loopback host (DNS-rebinding protection). SIGINT and
 * SIGTERM close every session and the listener, then exit 0. Logs go to stderr (stdout belongs to the
 * stdio protocol); in HTTP mode one line `... listening on <url>` announces readiness.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { KamfError } from '../core/errors.js';
import { jsonLogLine } from '../core/telemetry.js';

/** Builds a fresh server; HTTP mode calls it once per session (an McpServer serves one transport). */
export type McpServerFactory = () => McpServer | Promise<McpServer>;

export type ServeMode = { mode: 'stdio' } | { mode: 'http'; host: string; port: number; path: string } | { mode: 'help' };

export const DEFAULT_MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A command-line mistake: a KamfError with code CLI_USAGE; the hint points at --help. */
function usageError(message: string, arg: string): KamfError {
  return new KamfError('CLI_USAGE', message, { details: { arg }, hint: 'Run with --help for the accepted arguments.' });
}

/** Parses `[--stdio] [--http [port]] [--host h] [--path /mcp] [--help]`; throws a KamfError (CLI_USAGE) on a mistake. */
export function parseServeArgs(argv: readonly string[], defaultHttpPort = 3100): ServeMode {
  let mode: 'stdio' | 'http' = 'stdio';
  let port = defaultHttpPort;
  let host = '127.0.0.1';
  let path = DEFAULT_MCP_PATH;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === '--help' || arg === '-h') return { mode: 'help' };
    else if (arg === '--stdio') mode = 'stdio';
    else if (arg === '--http' || arg.startsWith('--http=')) {
      mode = 'http';
      const value = arg.includes('=') ? arg.slice('--http='.length) : next !== undefined && /^\d+$/.test(next) ? next : undefined;
      if (value !== undefined) {
        if (!arg.includes('=')) i++;
        port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usageError(`--http: invalid port "${value}" (0 to 65535; 0 picks a free port)`, arg);
      }
    } else if (arg === '--host') {
      if (!next) throw usageError('--host needs a value', arg);
      host = next;
      i++;
    } else if (arg === '--path') {
      if (!next?.startsWith('/')) throw usageError('--path needs a value starting with "/"', arg);
      path = next;
      i++;
    } else throw usageError(`unknown argument "${arg}" (try --help)`, arg);
  }
  return mode === 'http' ? { mode, host, port, path } : { mode };
}

export function usage(name: string, description: string, defaultHttpPort: number): string {
  return [
    `${name}: ${description}`,
    '',
    'Usage:',
    `  node --import tsx <main.ts>                  serve MCP over stdio (default)`,
    `  node --import tsx <main.ts> --http [port]    serve MCP over Streamable HTTP (default port ${defaultHttpPort}; 0 = any free port)`,
    '',
    'Options:',
    '  --host <host>   HTTP listen address (default 127.0.0.1)',
    `  --path <path>   HTTP endpoint path (default ${DEFAULT_MCP_PATH})`,
    '  --help          show this help',
  ].join('\n');
}

export interface RunningMcp {
  /** The endpoint URL in HTTP mode. */
  url?: string;
  close(): Promise<void>;
}

export interface HttpMcpOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  path?: string;
  log?: (line: string) => void;
}

export interface HttpMcpHandle extends RunningMcp {
  url: string;
  port: number;
  /** Open sessions right now. */
  sessionCount(): number;
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readJsonBody(req: IncomingMessage): Promise<{ ok: true; body: unknown } | { ok: false; status: number; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, message: `request body over ${MAX_BODY_BYTES} bytes` };
    chunks.push(buf);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: body is not JSON' };
  }
}

function hostAllowed(req: IncomingMessage): boolean {
  const header = req.headers.host;
  if (!header) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(`http://${header}`).hostname);
  } catch {
    return false;
  }
}

/** Serves MCP over Streamable HTTP at `http://host:port/path`, one transport and server per session. */
export async function startHttpMcp(factory: McpServerFactory, options: HttpMcpOptions = {}): Promise<HttpMcpHandle> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? DEFAULT_MCP_PATH;
  const log = options.log ?? (() => {});
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; the MCP endpoint is ${path}`);
      return;
    }
    if (loopbackOnly && !hostAllowed(req)) {
      jsonRpcError(res, 403, -32000, 'Forbidden: Host header is not a loopback host');
      return;
    }
    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;

    if (req.method === 'POST') {
      const parsed = await readJsonBody(req);
      if (!parsed.ok) {
        jsonRpcError(res, parsed.status, -32700, parsed.message);
        return;
      }
      if (sessionId) {
        const session = sessions.get(sessionId);
        if (!session) {
          jsonRpcError(res, 404, -32001, `Session not found: ${sessionId}; initialize a new session`);
          return;
        }
        await session.transport.handleRequest(req, res, parsed.body);
        return;
      }
      if (!isInitializeRequest(parsed.body)) {
        jsonRpcError(res, 400, -32000, 'Bad Request: no mcp-session-id header and not an initialize request');
        return;
      }
      const server = await factory();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
          log(`session ${id} opened (${sessions.size} open)`);
        },
      });
      transport.onclose = () => {
        const id = transport.sessionId;
        if (id && sessions.delete(id)) log(`session ${id} closed (${sessions.size} open)`);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.body);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = sessionId ? sessions.get(sessionId) : undefined;
      if (!session) {
        jsonRpcError(
          res,
          sessionId ? 404 : 400,
          -32000,
          sessionId ? `Session not found: ${sessionId}` : 'Bad Request: missing mcp-session-id header',
        );
        return;
      }
      await session.transport.handleRequest(req, res);
      return;
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
  };

  const http = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      jsonRpcError(res, 500, -32603, 'Internal server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const endpoint = `http://${urlHost}:${port}${path}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map(({ server }) => server.close()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    })());

  return { url: endpoint, port, close, sessionCount: () => sessions.size };
}

/** Serves one server over this process's stdin/stdout; resolves `closed` when stdin ends. */
export async function startStdioMcp(factory: McpServerFactory): Promise<RunningMcp & { closed: Promise<void> }> {
  const server = await factory();
  const transport = new StdioServerTransport();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= server.close());
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', () => void close().then(resolve, resolve));
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  return { close, closed };
}

export interface RunMcpOptions {
  /** Shown in logs and --help. */
  name: string;
  description: string;
  defaultHttpPort?: number;
  argv?: readonly string[];
}

/**
 * The whole `main` of an MCP server process: parse argv, serve over stdio or HTTP, shut down cleanly on
 * SIGINT/SIGTERM (and when a stdio client closes stdin). Exits 2 on bad arguments.
 */
export async function runMcpServer(factory: McpServerFactory, options: RunMcpOptions): Promise<void> {
  const defaultPort = options.defaultHttpPort ?? 3100;
  const log = (line: string) => process.stderr.write(jsonLogLine(options.name, line) ?? `[${options.name}] ${line}\n`);
  let mode: ServeMode;
  try {
    mode = parseServeArgs(options.argv ?? process.argv.slice(2), defaultPort);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage(options.name, options.description, defaultPort)}\n`);
    process.exit(2);
  }
  if (mode.mode === 'help') {
    process.stdout.write(`${usage(options.name, options.description, defaultPort)}\n`);
    return;
  }

  let running: RunningMcp;
  if (mode.mode === 'http') {
    const http = await startHttpMcp(factory, { host: mode.host, port: mode.port, path: mode.path, log });
    running = http;
    log(`MCP server ${options.name} listening on ${http.url}`);
  } else {
    const stdio = await startStdioMcp(factory);
    running = stdio;
    log(`MCP server ${options.name} serving on stdio`);
    void stdio.closed.then(() => process.exit(0));
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
