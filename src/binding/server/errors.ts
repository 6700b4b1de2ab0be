/** Spec error mapping (A2A §5.4 / JSON-RPC codes) for the Kafka binding: SDK errors travel as {code, message, data}. */
import { toJsonRpcError } from '@a2a-js/sdk/errors';
import type { A2AError } from '../../codec/mapping/envelopes.js';
import { KamfError, isKamfError } from '../../core/errors.js';

/** JSON-RPC codes the binding itself produces (the SDK covers the A2A-specific ones, -32001..-32009). */
export const BINDING_ERROR = {
  /** The record could not be decoded as an A2ARequest. */
  parseError: -32700,
  /** The envelope decoded but is not a valid request (e.g. params missing for the method). */
  invalidRequest: -32600,
  internal: -32603,
  /** Credentials missing or not accepted (the binding's counterpart of HTTP 401). */
  unauthenticated: -32040,
} as const;

/**
 * Thrown by an `authenticate` hook to refuse a request: a KamfError with code A2A_UNAUTHENTICATED, which the caller
 * receives as JSON-RPC code -32040 (`BINDING_ERROR.unauthenticated`). Any KamfError with that code does the same.
 */
export class UnauthenticatedError extends KamfError {
  constructor(message = 'Unauthenticated: missing or invalid credentials') {
    super('A2A_UNAUTHENTICATED', message);
  }
}

export function errorOf(err: unknown): A2AError {
  if (isKamfError(err, 'A2A_UNAUTHENTICATED')) return { code: BINDING_ERROR.unauthenticated, message: err.message };
  const e = toJsonRpcError(err);
  return { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) };
}
