/**
 * The gateway's server span: one per A2A call that comes in over JSON-RPC, HTTP+JSON or gRPC, continuing the
 * caller's `traceparent` (HTTP header or gRPC metadata) and parent of the binding's client send span, which the
 * relay gets by handing the span's context on in the service parameters (the binding's transport continues from
 * them). While tracing is off nothing is made and the caller's `traceparent` travels on unchanged.
 */
import { ATTR, SpanKind, TRACESTATE, contextFrom, startSpan, traceHeaders, tracingOn, type Span } from '../core/telemetry.js';
import type { EdgeStyle } from './errors.js';

/** rpc.service of A2A v1.0 (the gRPC service name; the same operations over JSON-RPC and HTTP+JSON). */
export const A2A_RPC_SERVICE = 'lf.a2a.v1.A2AService';

const BINDING: Record<EdgeStyle, string> = { jsonrpc: 'JSONRPC', rest: 'HTTP+JSON', grpc: 'GRPC' };

export interface EdgeCall {
  /** The A2A operation, as the gRPC method names it (SendMessage, GetTask, ...). */
  method: string;
  agentName: string;
  /** The agent's request topic the call is relayed to. */
  topic: string;
  style: EdgeStyle;
}

/**
 * Starts the server span of a call (undefined while tracing is off) and points the service parameters' trace
 * context at it, so what the relay sends is its child.
 */
export function startEdgeSpan(call: EdgeCall, serviceParameters: Record<string, string>): Span | undefined {
  if (!tracingOn()) return undefined;
  const span = startSpan(
    `${A2A_RPC_SERVICE}/${call.method}`,
    SpanKind.SERVER,
    {
      [ATTR.rpcSystem]: call.style === 'grpc' ? 'grpc' : call.style === 'jsonrpc' ? 'jsonrpc' : 'a2a',
      [ATTR.rpcService]: A2A_RPC_SERVICE,
      [ATTR.rpcMethod]: call.method,
      [ATTR.networkProtocol]: call.style === 'grpc' ? 'grpc' : 'http',
      [ATTR.a2aBinding]: BINDING[call.style],
      [ATTR.genAiAgentName]: call.agentName,
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.destination]: call.topic,
    },
    contextFrom(serviceParameters),
  );
  if (span) {
    delete serviceParameters[TRACESTATE];
    Object.assign(serviceParameters, traceHeaders(span));
  }
  return span;
}
