/** The A2A HTTP gateway: JSON-RPC, HTTP+JSON and gRPC in front of agents that live on Kafka. */
export { startGateway, type Gateway, type StartGatewayOptions } from './gateway.js';
export { gatewayOptionsSchema, parseGatewayOptions, type GatewayOptionsInput, type GatewaySettings, type GatewayLimits } from './options.js';
export { AgentTable, type ServedAgent } from './agents.js';
export { gatewayCard, splitGrpcTenant, BINDINGS, type PublicEndpoints } from './card.js';
export { KafkaRelay, type RelayDeps } from './relay.js';
export { edgeError, gatewayError, REST_STATUS, GRPC_STATUS, type EdgeStyle, type GatewayFailure } from './errors.js';
export { serviceParameters } from './service-params.js';
export { StreamSlots } from './slots.js';
export type { GatewayStats } from './stats.js';
export { HttpAgentRelay, bridgeHttpAgent, meshNameOf, type BridgeHttpAgentOptions } from './http-agent.js';
