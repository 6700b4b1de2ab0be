/**
 * Service parameters (spec §3.2.6) from an HTTP request's headers or a gRPC call's metadata, as the Kafka binding
 * carries them (docs/kafka-binding.md §4): every header travels, lower-cased, except what only describes the HTTP or
 * gRPC connection itself and the `kamf-` headers, which belong to the binding. `authorization` travels unchanged:
 * it is how the caller's identity reaches the agent's `authenticate` hook, so per-user task scoping holds.
 */
import type { ServerCallContext } from '@a2a-js/sdk/server';

const CONNECTION_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'user-agent',
  'cookie',
  'origin',
  'referer',
  'cache-control',
  'pragma',
  'if-none-match',
  'if-modified-since',
  'priority',
]);

function forwardable(name: string): boolean {
  return !CONNECTION_HEADERS.has(name) && !name.startsWith(':') && !name.startsWith('grpc-') && !name.startsWith('sec-') && !name.startsWith('kamf-') && !name.endsWith('-bin');
}

/** The service parameters of one call: the forwardable headers, plus the version and extensions the edge validated. */
export function serviceParameters(context: ServerCallContext): Record<string, string> {
  const raw = (context.state.get('headers') ?? {}) as Record<string, string | string[] | undefined>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const name = k.toLowerCase();
    if (v === undefined || !forwardable(name)) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  out['a2a-version'] = context.requestedVersion;
  const ext = context.requestedExtensions;
  if (ext && ext.length) out['a2a-extensions'] = [...ext].join(',');
  else delete out['a2a-extensions'];
  return out;
}
