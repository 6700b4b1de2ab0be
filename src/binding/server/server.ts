/**
 * Serves an A2A agent over Kafka: the server half of the KAMF Kafka binding (docs/kafka-binding.md).
 *
 * A consumer in the agent's group reads `agent.<name>.requests`, builds a ServerCallContext from the record headers,
 * validates the protocol version, calls the SDK's DefaultRequestHandler and produces every response or stream event
 * to the caller's reply topic. Nothing in the AgentExecutor knows it runs on Kafka.
 *
 * Delivery: at-least-once. Work runs concurrently (bounded by `concurrency`, which is also what stops fetching:
 * the batch loop waits for a slot), and a partition's offset is committed only up to the oldest request still
 * running. A redelivered SendMessage whose messageId the shared task store already knows is answered from the
 * store instead of being executed again.
 *
 * This class wires the parts: intake.ts (consumers, slots, commits), call-context.ts (record → request and call
 * context), redelivery.ts (duplicates and takeover), dispatch.ts (the SDK handler), replies.ts (replies and DLQ).
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import { DefaultExecutionEventBusManager, DefaultRequestHandler, type AgentExecutor, type A2ARequestHandler } from '@a2a-js/sdk/server';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { A2ARequest, A2AMethod } from '../../codec/mapping/envelopes.js';
import { agentRequestTopic, TOPICS } from '../../core/topics.js';
import { HEADERS, readHeaders } from '../protocol.js';
import { callContext, decodeRequest, undecodableCode, type Authenticate } from './call-context.js';
import { publishRemoteCancels } from './cross-instance.js';
import { dispatch, type Dispatcher } from './dispatch.js';
import { BINDING_ERROR, errorOf } from './errors.js';
import { RequestIntake } from './intake.js';
import { RedeliveryGuard } from './redelivery.js';
import { ReplyPath, type ReplyTarget } from './replies.js';
import { KafkaTaskStore } from './task-store.js';

export { STATE_HEADERS_KEY, STATE_INSTANCE_KEY } from './call-context.js';

export interface KafkaAgentServerOptions {
  kafka: Kafka;
  codec: A2ACodec;
  agentName: string;
  card: AgentCard;
  executor: AgentExecutor;
  extendedCard?: AgentCard;
  /** Request topics, highest priority first. Default: [`agent.<name>.requests`]. */
  requestTopics?: string[];
  groupId?: string;
  /** Requests executing at once on this instance (and the bound on buffered work). Default 32. */
  concurrency?: number;
  tasksTopic?: string;
  dlqTopic?: string;
  instanceId?: string;
  /**
   * Maps request headers (the `authorization` header above all) to a user. Throw `UnauthenticatedError` (a
   * KamfError with code A2A_UNAUTHENTICATED) to refuse the request. Without it every caller is the SDK's
   * unauthenticated user.
   */
  authenticate?: Authenticate;
  /**
   * A redelivered request whose task exists but has not settled is answered once the task settles (its previous
   * runner may still be working, e.g. after a rebalance). If the task does not change for this long, its runner is
   * presumed dead and the request runs again. Default 20 s (above the consumer session timeout).
   */
  takeoverAfterMs?: number;
  /** How often finished requests' offsets are committed. Default 100 ms. */
  commitIntervalMs?: number;
  /** Observability hook: one call per handled record. */
  onRecord?: (e: { method?: A2AMethod; requestId?: string; ok: boolean; error?: string; ms: number }) => void;
}

export class KafkaAgentServer {
  readonly instanceId: string;
  readonly requestTopics: string[];
  readonly store: KafkaTaskStore;
  readonly handler: A2ARequestHandler;
  readonly stats = { handled: 0, failed: 0, deadLettered: 0, deduplicated: 0, takenOver: 0 };
  private readonly busManager = new DefaultExecutionEventBusManager();
  private readonly intake: RequestIntake;
  private readonly replies: ReplyPath;
  private readonly dispatcher: Dispatcher;
  private unsubscribeCancels?: () => void;

  constructor(private readonly opts: KafkaAgentServerOptions) {
    this.instanceId = opts.instanceId ?? randomUUID();
    this.requestTopics = opts.requestTopics ?? [agentRequestTopic(opts.agentName)];
    this.store = new KafkaTaskStore({
      kafka: opts.kafka,
      codec: opts.codec,
      instanceId: this.instanceId,
      agentName: opts.agentName,
      ...(opts.tasksTopic ? { topic: opts.tasksTopic } : {}),
    });
    this.handler = new DefaultRequestHandler(
      opts.card,
      this.store,
      opts.executor,
      this.busManager,
      undefined,
      undefined,
      opts.extendedCard,
    );
    this.intake = new RequestIntake({
      kafka: opts.kafka,
      requestTopics: this.requestTopics,
      groupId: this.groupId,
      concurrency: opts.concurrency ?? 32,
      commitIntervalMs: opts.commitIntervalMs ?? 100,
      catchUp: () => this.store.catchUp(),
      handle: (topic, partition, message) => this.handle(topic, partition, message),
    });
    this.replies = new ReplyPath({ kafka: opts.kafka, codec: opts.codec, agentName: opts.agentName, dlqTopic: this.dlqTopic, stats: this.stats });
    this.dispatcher = {
      handler: this.handler,
      busManager: this.busManager,
      store: this.store,
      redeliveries: new RedeliveryGuard({ store: this.store, takeoverAfterMs: opts.takeoverAfterMs ?? 20_000, stats: this.stats }),
      replies: this.replies,
    };
  }

  get groupId(): string {
    return this.opts.groupId ?? `agent.${this.opts.agentName}`;
  }

  get dlqTopic(): string {
    return this.opts.dlqTopic ?? TOPICS.dlq.name;
  }

  async start(): Promise<void> {
    for (const t of this.requestTopics) await this.opts.codec.register(t, 'A2ARequest');
    await this.store.start();
    this.unsubscribeCancels = publishRemoteCancels(this.store, this.busManager, this.opts.executor);
    await this.replies.start();
    await this.intake.start();
  }

  /** One request record: decode, validate, dispatch, reply. Never throws. */
  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const started = Date.now();
    const headers = readHeaders(message.headers as Record<string, unknown>);
    const replyTopic = headers[HEADERS.replyTo];
    const correlationId = headers[HEADERS.correlationId];
    const methodHint = (headers[HEADERS.method] as A2AMethod | undefined) ?? 'SEND_MESSAGE';

    let request: A2ARequest;
    try {
      request = await decodeRequest(this.opts.codec, message.value, () => this.intake.stopping);
    } catch (err) {
      const reason = `undecodable A2ARequest: ${(err as Error).message}`;
      await this.replies.deadLetter(topic, partition, message, reason, undecodableCode(err));
      if (replyTopic && correlationId) {
        await this.replies.reply({ topic: replyTopic, correlationId, method: methodHint }, 0, true, undefined, {
          code: BINDING_ERROR.parseError,
          message: `Parse error: the request could not be decoded (${(err as Error).message}). It was moved to ${this.dlqTopic}.`,
        });
      }
      this.opts.onRecord?.({ ok: false, error: reason, ms: Date.now() - started });
      return;
    }

    const target: ReplyTarget | undefined = replyTopic ? { topic: replyTopic, correlationId: correlationId ?? request.requestId, method: request.method } : undefined;
    const deadline = Number(headers[HEADERS.deadline] ?? 0);
    if (deadline > 0 && deadline < Date.now()) {
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: false, error: 'expired', ms: 0 });
      return; // the caller stopped waiting; running it now would only waste the agent's time
    }
    try {
      const context = await callContext(request, headers, { card: this.opts.card, instanceId: this.instanceId, authenticate: this.opts.authenticate });
      await dispatch(this.dispatcher, request, context, target);
      this.stats.handled++;
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: true, ms: Date.now() - started });
    } catch (err) {
      this.stats.failed++;
      if (target) await this.replies.reply(target, 0, true, undefined, errorOf(err)).catch(() => {});
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: false, error: (err as Error).message, ms: Date.now() - started });
    }
  }

  /**
   * Graceful shutdown: stop fetching, let running requests finish (up to `graceMs`), commit, disconnect.
   * Requests still running after the grace period are not committed, so another instance picks them up.
   */
  async stop(graceMs = 15_000): Promise<void> {
    await this.intake.stop(graceMs);
    this.unsubscribeCancels?.();
    await this.replies.stop();
    await this.store.stop();
  }
}
