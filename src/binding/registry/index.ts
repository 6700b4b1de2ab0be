/**
 * Agent discovery on the compacted `agent.registry` topic: agents publish their card and liveness
 * (`AgentPublisher`), callers read every live agent (`AgentDirectory`) and let the SDK's `ClientFactory` resolve
 * cards from it (`KafkaAgentCardResolver`). Record key `<agentName>/<instanceId>`: see common.ts.
 */
export {
  DEFAULT_REGISTRY_TOPIC,
  AGENT_NAME_PATTERN,
  registryKey,
  parseRegistryKey,
  consoleLogger,
  type RegistryCodec,
  type RegistryConnection,
  type RegistryLogger,
} from './common.js';
export { AgentPublisher, type AgentPublisherOptions, type PublisherState, type PublisherStats } from './publisher.js';
export { RoutesProjector, DEFAULT_ROUTES_TOPIC, routeRows, routeValue, routeWrites, type RouteRow, type RoutesProjectorOptions, type RoutesProjectorStats } from './routes-projector.js';
export {
  AgentDirectory,
  type AgentDirectoryOptions,
  type DirectoryEventMap,
  type DirectoryState,
  type DirectoryStats,
  type PoisonRecord,
  type WaitForOptions,
  type WatchOptions,
} from './directory.js';
export {
  KafkaAgentCardResolver,
  agentNameFromUrl,
  agentUrl,
  AGENT_URL_SCHEME,
  type CardDirectory,
  type KafkaAgentCardResolverOptions,
} from './card-resolver.js';
export {
  RegistryView,
  cardHasSkill,
  type DirectoryEvent,
  type JoinedEvent,
  type LeftEvent,
  type LeftReason,
  type LiveAgent,
  type LiveInstance,
  type UpdatedEvent,
} from './view.js';
