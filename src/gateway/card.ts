/**
 * The card the gateway serves for an agent: the agent's own card with the gateway's JSON-RPC, HTTP+JSON and gRPC
 * interfaces listed first (protocol version 1.0), the Kafka interface kept after them.
 *
 * gRPC has no URL path, so one gRPC endpoint serves every agent and the interface's `tenant` names the agent: the
 * SDK's clients send an interface's tenant in every request, and the gateway routes on it (`<agent>` or
 * `<agent>/<tenant>`) and strips it before relaying. The default agent's gRPC interface has no tenant.
 */
import type { AgentCard, AgentInterface } from '@a2a-js/sdk';
import { A2A_PROTOCOL_VERSION } from '../binding/index.js';

export const BINDINGS = { jsonrpc: 'JSONRPC', rest: 'HTTP+JSON', grpc: 'GRPC' } as const;

/** Where the gateway is reachable, as callers see it. */
export interface PublicEndpoints {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8090. */
  http: string;
  /** host:port of the gRPC endpoint, or undefined when gRPC is off. */
  grpc: string | undefined;
}

/** Path of an agent's endpoints under the gateway: `/agents/<name>`, or '' for the default agent at the root. */
export const agentBasePath = (name: string, atRoot: boolean) => (atRoot ? '' : `/agents/${encodeURIComponent(name)}`);

export function gatewayCard(card: AgentCard, name: string, endpoints: PublicEndpoints, atRoot: boolean): AgentCard {
  const base = `${endpoints.http}${agentBasePath(name, atRoot)}`;
  const ours: AgentInterface[] = [
    { url: `${base}/jsonrpc`, protocolBinding: BINDINGS.jsonrpc, protocolVersion: A2A_PROTOCOL_VERSION, tenant: '' },
    { url: `${base}/rest`, protocolBinding: BINDINGS.rest, protocolVersion: A2A_PROTOCOL_VERSION, tenant: '' },
  ];
  if (endpoints.grpc) ours.push({ url: endpoints.grpc, protocolBinding: BINDINGS.grpc, protocolVersion: A2A_PROTOCOL_VERSION, tenant: atRoot ? '' : name });
  const gatewayBindings = new Set<string>(Object.values(BINDINGS));
  const kept = card.supportedInterfaces.filter((i) => !gatewayBindings.has(i.protocolBinding.toUpperCase()));
  return { ...card, supportedInterfaces: [...ours, ...kept] };
}

/** Splits a gRPC tenant into the agent it names and the caller's own tenant. */
export function splitGrpcTenant(tenant: string): { agent: string; tenant: string } {
  const slash = tenant.indexOf('/');
  return slash < 0 ? { agent: tenant, tenant: '' } : { agent: tenant.slice(0, slash), tenant: tenant.slice(slash + 1) };
}
