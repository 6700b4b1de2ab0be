/** Spec error mapping (A2A §5.4 / JSON-RPC codes) for the Kafka binding: SDK errors travel as {code, message, data}. */
import { toJsonRpcError } from '@a2a-js/sdk/errors';
import type { A2AError } from '../../codec/mapping/envelopes.js';
import { KamfError, isKamfError } from '../../core/errors.js';

/** JSON-RPC codes the binding itself produces (the SDK covers the A2A-specific ones, -32001..-32009). */
export const BINDING_ERROR = {
  /** The record could not be decoded as an A2ARequest. */
  parseError: -32700,
  /** The envelope decoded but is not a valid request (e.g. above the size limit). */
  invalidRequest: -32600,
  internal: -32603,
  /** Credentials missing or not accepted (the binding's counterpart of HTTP 401). */
  unauthenticated: -32040,
} as const;

/** Where the server writes what callers must not see (internal exception text), one line per call. */
export type ErrorLog = (line: string) => void;

/**
 * Thrown by an `authenticate` hook to refuse a request: a KamfError with code A2A_UNAUTHENTICATED, which the caller
 * receives as JSON-RPC code -32040 (`BINDING_ERROR.unauthenticated`). Any KamfError with that code does the same.
 */
export class UnauthenticatedError extends KamfError {
  constructor(message = 'Unauthenticated: missing or invalid credentials') {
    super('A2A_UNAUTHENTICATED', message);
  }
}

/**
 * The error record a caller receives. A2A errors (the SDK's typed errors) keep their code, message and data. Any
 * other failure becomes -32603 with a fixed message and the KAMF code (`INTERNAL` when it has none) in `data` as a
 * `google.rpc.ErrorInfo` (domain `kamf.dev`): its own text, which may hold connection strings or stack details,
 * goes to `log` only.
 */
export function errorOf(err: unknown, log?: ErrorLog): A2AError {
  if (isKamfError(err, 'A2A_UNAUTHENTICATED')) return { code: BINDING_ERROR.unauthenticated, message: err.message };
  const e = toJsonRpcError(err);
  if (e.code !== BINDING_ERROR.internal) return { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) };
  const code = isKamfError(err) ? err.code : 'INTERNAL';
  log?.(`internal error (${code}) answered as -32603: ${(err as Error)?.message ?? String(err)}`);
  return {
    code: BINDING_ERROR.internal,
    message: `Internal error while serving the request (${code})`,
    data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'kamf.dev' }],
  };
}
