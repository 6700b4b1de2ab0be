/**
 * Express middleware at the gateway's HTTP edge: the call scope (disconnect signal, caller), the body parser with
 * the size limit, per-caller stream slots, and the fixes to the SDK's HTTP+JSON handler the spec asks for (415 for
 * an unsupported content type, `application/json` on responses and errors).
 */
import { createHash } from 'node:crypto';
import { ContentTypeNotSupportedError, RequestMalformedError, toRestErrorBody } from '@a2a-js/sdk/errors';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { GATEWAY_FAILURE, type EdgeStyle, type GatewayFailure } from './errors.js';
import type { GatewayLimits } from './options.js';
import { callScope, scopesByHeaders, type CallScope } from './scope.js';
import type { StreamSlots } from './slots.js';
import type { GatewayStats } from './stats.js';

const JSON_TYPES = ['application/json', 'application/a2a+json'];

/** Who the caller is, for per-caller limits: a digest of its credentials, else its address. */
export function callerKey(authorization: string | undefined, address: string | undefined): string {
  if (authorization) return `auth:${createHash('sha256').update(authorization).digest('hex').slice(0, 16)}`;
  return `addr:${address ?? 'unknown'}`;
}

/** Sends a gateway failure in the caller's binding: a JSON-RPC error envelope, or an AIP-193 error object. */
export function sendFailure(res: Response, style: EdgeStyle, kind: GatewayFailure, message: string, id: unknown = null): void {
  const f = GATEWAY_FAILURE[kind];
  if (res.headersSent) return void res.end();
  res.setHeader('Content-Type', 'application/json');
  if (style === 'jsonrpc') res.status(f.http).send(JSON.stringify({ jsonrpc: '2.0', id, error: { code: f.jsonrpc, message } }));
  else res.status(f.http).send(JSON.stringify({ error: { code: f.http, status: f.httpStatus, message, details: [] } }));
}

/** Opens the call scope: a signal that aborts when the connection closes before the response is complete. */
export const openScope: RequestHandler = (req, res, next) => {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the caller disconnected'));
  });
  const scope: CallScope = { signal: controller.signal, caller: callerKey(req.header('authorization'), req.socket.remoteAddress) };
  scopesByHeaders.set(req.headers, scope);
  callScope.run(scope, next);
};

/** JSON bodies up to the limit; what the parser refuses is answered in the caller's binding. */
export function bodyParser(style: EdgeStyle, limits: GatewayLimits, stats: GatewayStats): Array<RequestHandler | ErrorRequestHandler> {
  const parse = express.json({ limit: limits.maxRequestBytes, type: JSON_TYPES, strict: false });
  const refuse: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, next) => {
    if (err.type === 'entity.too.large') {
      stats.refused.tooLarge++;
      return sendFailure(res, style, 'tooLarge', `request body larger than ${limits.maxRequestBytes} bytes`);
    }
    if (err.type === 'entity.parse.failed') {
      if (style === 'jsonrpc') return void res.status(200).json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${err.message ?? 'invalid JSON'}` } });
      return void res.status(400).json(toRestErrorBody(new RequestMalformedError('Invalid JSON payload.'), 400));
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      if (style === 'jsonrpc') return void res.status(200).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: err.message ?? 'invalid request' } });
      return void res.status(err.status).json(toRestErrorBody(new RequestMalformedError(err.message ?? 'invalid request'), err.status));
    }
    next(err);
  };
  // the scope opens after parsing: body-parser's stream callbacks would lose an AsyncLocalStorage context
  return [parse, refuse, openScope];
}

/** HTTP+JSON: an unsupported request content type is 415 (the SDK answers 400). */
export const restContentType: RequestHandler = (req, res, next) => {
  const raw = req.header('content-type');
  if (!raw || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
  const media = raw.split(';', 1)[0]!.trim().toLowerCase();
  if (JSON_TYPES.includes(media)) return next();
  const err = new ContentTypeNotSupportedError(`Unsupported Content-Type "${raw}"; expected application/json.`);
  res.status(415).json(toRestErrorBody(err, 415));
};

const GATEWAY_STATUS_NAMES = new Set<string>(Object.values(GATEWAY_FAILURE).map((f) => f.httpStatus));

/**
 * HTTP+JSON: responses and errors as `application/json` (the SDK sends `application/a2a+json`), and the gateway's
 * own failures with their status name (the SDK's error body knows only the A2A errors and says UNKNOWN).
 */
export const restJsonResponses: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  res.json = ((body: { error?: { status?: string; details?: Array<{ reason?: string }> } }) => {
    const reason = body?.error?.details?.[0]?.reason;
    if (body?.error?.status === 'UNKNOWN' && reason && GATEWAY_STATUS_NAMES.has(reason)) body.error.status = reason;
    return json(body);
  }) as Response['json'];
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) => {
    if (name.toLowerCase() === 'content-type' && typeof value === 'string' && value.toLowerCase().startsWith('application/a2a+json')) {
      return setHeader(name, 'application/json' + value.slice('application/a2a+json'.length));
    }
    return setHeader(name, value);
  }) as Response['setHeader'];
  next();
};

const JSONRPC_STREAMS = new Set(['SendStreamingMessage', 'SubscribeToTask']);
const isRestStream = (req: Request) => req.method !== 'DELETE' && /(:stream|:subscribe)$/.test(req.path);

/** A stream holds one of its caller's slots until the response closes; over the limit it is refused at once. */
export function streamSlotGuard(style: EdgeStyle, slots: StreamSlots, stats: GatewayStats): RequestHandler {
  return (req, res, next) => {
    const body = req.body as { method?: unknown; id?: unknown } | undefined;
    const streaming = style === 'jsonrpc' ? JSONRPC_STREAMS.has(String(body?.method)) : isRestStream(req);
    if (!streaming) return next();
    const caller = callerKey(req.header('authorization'), req.socket.remoteAddress);
    const release = slots.acquire(caller);
    if (!release) {
      stats.refused.tooManyStreams++;
      return sendFailure(res, style, 'tooManyStreams', `too many open streams for this caller (limit ${slots.limit})`, body?.id ?? null);
    }
    res.on('close', release);
    next();
  };
}
