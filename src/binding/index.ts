/** The A2A Kafka binding: server, client transport, discovery, and the one-call agent runner. */
export * from './protocol.js';
export { kafkaAgentCard, type CardInput } from './card.js';
export { connectMesh, type MeshConnection } from './mesh.js';
export { KafkaAgentServer, type KafkaAgentServerOptions } from './server/server.js';
export { UnauthenticatedError, BINDING_ERROR, errorOf } from './server/errors.js';
export { KafkaTaskStore, type KafkaTaskStoreOptions, type TaskUpdate } from './server/task-store.js';
export { KafkaClientRuntime, type KafkaClientOptions } from './client/runtime.js';
export { KafkaTransport } from './client/transport.js';
export { CircuitBreaker, countsAgainstAgent, type CircuitState } from './client/circuit-breaker.js';
export { idempotencyKey } from './idempotency.js';
export { serveAgent, stopOnSignals, type ServeAgentOptions, type RunningAgent, type PushSupport, type PushContext } from './serve.js';
export * from './registry/index.js';
