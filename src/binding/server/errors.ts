/** Spec error mapping (A2A §5.4 / JSON-RPC codes) for the Kafka binding: SDK errors travel as {code, message, data}. */
import { toJsonRpcError } from '@a2a-js/sdk/errors';
import type { A2AError } from '../../codec/mapping/envelopes.js';

/** JSON-RPC codes the binding itself produces (the SDK covers the A2A-specific ones, -32001..-32009). */
export const BINDING_ERROR = {
  /** The record could not be decoded as an A2ARequest. */
  parseError: -32700,
  /** The envelope decoded but is not a valid request (e.g. params missing for the method). */
  invalidRequest: -32600,
  internal: -32603,
} as const;

export function errorOf(err: unknown): A2AError {
  const e = toJsonRpcError(err);
  return { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) };
}
