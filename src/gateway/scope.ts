/**
 * What a relayed call needs from the HTTP request or gRPC call it came in on: the signal that fires when the caller
 * goes away, and who the caller is (for per-caller limits). The SDK's handlers hand the relay only a
 * ServerCallContext, so the edge puts the scope where the relay finds it: an AsyncLocalStorage for gRPC calls, and
 * a WeakMap keyed by the request's headers object (the same object the SDK passes to the context builder) for HTTP.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerCallContext } from '@a2a-js/sdk/server';

export interface CallScope {
  /** Aborts when the caller disconnects (or the call ends). */
  signal: AbortSignal;
  /** Key for per-caller limits: a digest of the credentials, else the peer address. */
  caller: string;
}

export const callScope = new AsyncLocalStorage<CallScope>();
export const scopesByHeaders = new WeakMap<object, CallScope>();

/** ServerCallContext.state key under which the gateway keeps the call's scope. */
export const STATE_SCOPE_KEY = 'kamf.gateway.scope';

export function scopeOf(context: ServerCallContext): CallScope | undefined {
  return (context.state.get(STATE_SCOPE_KEY) as CallScope | undefined) ?? callScope.getStore();
}
