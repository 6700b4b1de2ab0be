/**
 * Runs one agent instance on the mesh: its request topic, the Kafka server around the SDK handler, and its
 * registry entry (card + liveness). `stop()` is the graceful shutdown: announce DRAINING, stop fetching, let
 * running requests finish, then tombstone the registry entry.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor, PushNotificationStore } from '@a2a-js/sdk/server';
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import { ensureTopics } from '../core/admin.js';
import type { KamfConfig } from '../core/config.js';
import { TOPICS, agentRequestTopic } from '../core/topics.js';
import { kafkaAgentCard, type CardInput } from './card.js';
import { connectMesh, type MeshConnection } from './mesh.js';
import { AgentPublisher } from './registry/index.js';
import { KafkaAgentServer, type KafkaAgentServerOptions } from './server/server.js';
import { laneTopics } from './server/lanes.js';
import type { CardSigningKey } from '../security/card-signing.js';
import type { CallerVerifier } from '../security/verifiers.js';

/** Push notifications for a served agent: a config store the handler uses, and whatever delivers (src/push). */
export interface PushSupport {
  store: PushNotificationStore;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a push layer needs to know of the agent it serves. */
export interface PushContext {
  kafka: Kafka;
  codec: A2ACodec;
  agentName: string;
  instanceId: string;
  tasksTopic: string;
}

export interface ServeAgentOptions {
  config: KamfConfig;
  /** Routing name: the agent listens on agent.<name>.requests. */
  name: string;
  description: string;
  skills: CardInput['skills'];
  /** The agent. Give this or `requestHandler` (a relay to an agent that lives elsewhere; see KafkaAgentServerOptions). */
  executor?: AgentExecutor;
  requestHandler?: KafkaAgentServerOptions['requestHandler'];
  /** Extra card fields (version, capabilities...) merged over the generated card. */
  card?: Partial<AgentCard>;
  concurrency?: number;
  /** How long finished tasks are kept after their last snapshot. Default: the config's `agents.taskRetentionMs` (24 h). */
  taskRetentionMs?: number;
  /** Partitions of the request topic when KAMF creates it (more partitions: more instances can share the work). */
  partitions?: number;
  topics?: { tasks?: string; dlq?: string; registry?: string };
  instanceId?: string;
  heartbeatMs?: number;
  mesh?: MeshConnection;
  /** See KafkaAgentServerOptions.authenticate. */
  authenticate?: KafkaAgentServerOptions['authenticate'];
  /** See KafkaAgentServerOptions.replyTopicPrefix (default `a2a.replies.`). */
  replyTopicPrefix?: string;
  /**
   * Verifies callers (bearer JWT, API key: src/security/verifiers.ts): it becomes the `authenticate` hook, and the
   * card declares its security schemes. Takes the place of `authenticate`.
   */
  verifier?: CallerVerifier;
  /** Signs the Agent Card on publish, for directories that require signatures (src/security/card-signing.ts). */
  signingKey?: CardSigningKey;
  /**
   * Priority lanes, highest first: lane names, '' for the plain request topic. ['high', ''] serves
   * agent.<name>.requests.high before agent.<name>.requests (see server/lanes.ts). Default [''].
   */
  lanes?: string[];
  /** Base request topic (default agent.<name>.requests); lanes append `.<lane>`. */
  requestTopic?: string;
  /** Consumer group of the request consumers (default agent.<name>). */
  groupId?: string;
  /**
   * Push notifications (e.g. `kafkaPush()` from the push layer): the card declares `pushNotifications: true`, the
   * handler keeps configs in the given store, and the support starts before and stops after the server.
   */
  push?: (ctx: PushContext) => PushSupport;
}

export interface RunningAgent {
  name: string;
  card: AgentCard;
  server: KafkaAgentServer;
  publisher: AgentPublisher;
  mesh: MeshConnection;
  /** Republish the card (e.g. after the agent's MCP tools changed). */
  updateCard(card: AgentCard): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export async function serveAgent(opts: ServeAgentOptions): Promise<RunningAgent> {
  const mesh = opts.mesh ?? connectMesh(opts.config, undefined, `kamf-agent-${opts.name}`);
  const tasks = opts.topics?.tasks ?? TOPICS.tasks.name;
  const dlq = opts.topics?.dlq ?? TOPICS.dlq.name;
  const registry = opts.topics?.registry ?? TOPICS.registry.name;
  const requestTopic = opts.requestTopic ?? agentRequestTopic(opts.name);
  const requestTopics = laneTopics(requestTopic, opts.lanes ?? ['']); // highest priority first
  await ensureTopics(mesh.kafka, [
    ...requestTopics.map((name) => ({ name, partitions: opts.partitions ?? 6, compacted: false })),
    { name: tasks, partitions: TOPICS.tasks.partitions, compacted: true },
    { name: dlq, partitions: TOPICS.dlq.partitions, compacted: false },
    { name: registry, partitions: TOPICS.registry.partitions, compacted: true },
  ]);
  let card: AgentCard = {
    ...kafkaAgentCard({
      name: opts.name,
      description: opts.description,
      skills: opts.skills,
      brokers: mesh.endpoints.brokers,
      ...(opts.requestTopic ? { topic: requestTopic } : {}),
      ...(opts.push ? { pushNotifications: true } : {}),
      ...(opts.verifier ? { securitySchemes: opts.verifier.securitySchemes, securityRequirements: opts.verifier.securityRequirements } : {}),
    }),
    ...opts.card,
  };
  const instanceId = opts.instanceId ?? `${opts.name}.${randomUUID()}`;
  const push = opts.push?.({ kafka: mesh.kafka, codec: mesh.codec, agentName: opts.name, instanceId, tasksTopic: tasks });
  await push?.start();
  const authenticate = opts.verifier ? (headers: Record<string, string>) => opts.verifier!.authenticate(headers) : opts.authenticate;
  // a config built by hand, not parsed, may lack the section: the store's default then
  const taskRetentionMs = opts.taskRetentionMs ?? opts.config.agents?.taskRetentionMs;
  const server = new KafkaAgentServer({
    kafka: mesh.kafka,
    codec: mesh.codec,
    agentName: opts.name,
    card,
    ...(opts.executor ? { executor: opts.executor } : {}),
    ...(opts.requestHandler ? { requestHandler: opts.requestHandler } : {}),
    tasksTopic: tasks,
    dlqTopic: dlq,
    requestTopics,
    ...(opts.groupId ? { groupId: opts.groupId } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(taskRetentionMs !== undefined ? { taskRetentionMs } : {}),
    // instance ids start with the agent's name: its ACLs grant its task store groups by that prefix (docs/security.md)
    instanceId,
    ...(push ? { pushNotificationStore: push.store } : {}),
    ...(authenticate ? { authenticate } : {}),
    ...(opts.replyTopicPrefix !== undefined ? { replyTopicPrefix: opts.replyTopicPrefix } : {}),
  });
  await server.start();
  const publisher = new AgentPublisher({
    connection: { kafka: mesh.kafka, codec: mesh.codec },
    agentName: opts.name,
    card,
    instanceId: server.instanceId,
    topic: registry,
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
  });
  await publisher.start();
  let stopped = false;
  return {
    name: opts.name,
    get card() {
      return card;
    },
    server,
    publisher,
    mesh,
    async updateCard(next: AgentCard) {
      card = next;
      await publisher.updateCard(next);
    },
    async stop(graceMs = 15_000) {
      if (stopped) return;
      stopped = true;
      await publisher.drain().catch(() => {});
      await server.stop(graceMs);
      await push?.stop();
      await publisher.stop();
    },
  };
}

/** Ctrl-C / SIGTERM: shut down gracefully once; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log(`${signal}: finishing running requests, then leaving the registry (again to force)`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
