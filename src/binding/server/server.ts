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
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, StreamResponse, Task } from '@a2a-js/sdk';
import {
  DefaultExecutionEventBusManager,
  DefaultRequestHandler,
  ServerCallContext,
  validateVersion,
  type AgentExecutor,
  type A2ARequestHandler,
  type User,
} from '@a2a-js/sdk/server';
import type { Consumer, Kafka, KafkaMessage, Producer, IHeaders } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { A2ARequest, A2AResponse, A2AResult, A2AMethod } from '../../codec/mapping/envelopes.js';
import { agentRequestTopic, TOPICS } from '../../core/topics.js';
import { BatchingProducer } from '../../core/batching-producer.js';
import { A2A_PROTOCOL_VERSION, HEADERS, KAFKA_BINDING_URI, readHeaders, type Headers } from '../protocol.js';
import { BINDING_ERROR, errorOf } from './errors.js';
import { laneLayout, PrioritySlots, TopicOffsets, type Lane } from './lanes.js';
import { KafkaTaskStore, settledSince } from './task-store.js';
import { publishRemoteCancels, followTaskFromStore } from './cross-instance.js';

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
   * Maps request headers (the `authorization` header above all) to a user. Throw `unauthenticated(...)` to refuse
   * the request. Without it every caller is the SDK's unauthenticated user.
   */
  authenticate?: (headers: Headers) => Promise<User | undefined> | User | undefined;
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

interface ReplyTarget {
  topic: string;
  correlationId: string;
  method: A2AMethod;
}

/** ServerCallContext.state keys set by the Kafka binding. */
export const STATE_HEADERS_KEY = 'headers';
export const STATE_INSTANCE_KEY = 'kamf.instance';


export class KafkaAgentServer {
  readonly instanceId: string;
  readonly requestTopics: string[];
  readonly store: KafkaTaskStore;
  readonly handler: A2ARequestHandler;
  private readonly busManager = new DefaultExecutionEventBusManager();
  // lanes (lanes.ts): slots go to the highest lane waiting; offsets are tracked per topic, as partitions repeat
  private readonly slots: PrioritySlots;
  private readonly offsets = new TopicOffsets();
  private readonly inFlightMessages = new Map<string, Promise<void>>();
  /** One consumer per lane (one in total without lanes); commits go through the consumer of the record's topic. */
  private readonly consumers = new Map<string, Consumer>();
  private producer?: Producer;
  private sender?: BatchingProducer;
  private stopping = false;
  private readonly toCommit = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;
  private needsCatchUp = true;
  private unsubscribeCancels?: () => void;
  readonly stats = { handled: 0, failed: 0, deadLettered: 0, deduplicated: 0, takenOver: 0 };

  constructor(private readonly opts: KafkaAgentServerOptions) {
    this.instanceId = opts.instanceId ?? randomUUID();
    this.requestTopics = opts.requestTopics ?? [agentRequestTopic(opts.agentName)];
    this.slots = new PrioritySlots(opts.concurrency ?? 32);
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
    const newProducer = async () => {
      const p = this.opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    };
    this.producer = await newProducer();
    // reply topics come and go with their clients: recover from one that was deleted
    this.sender = new BatchingProducer(this.producer, { recreate: newProducer });
    this.commitTimer = setInterval(() => void this.flushCommits(), this.opts.commitIntervalMs ?? 100);
    // requestTopics are lanes, highest priority first: one consumer (and group) per lane, see lanes.ts
    for (const lane of laneLayout(this.requestTopics, this.groupId)) await this.startLane(lane);
  }

  private async startLane(lane: Lane): Promise<void> {
    const consumer = this.opts.kafka.consumer({
      groupId: lane.groupId,
      maxWaitTimeInMs: 50,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 20_000,
    });
    this.consumers.set(lane.topic, consumer);
    await consumer.connect();
    // after a rebalance we may receive requests another instance half-handled: see its snapshots first
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.needsCatchUp = true;
    });
    await consumer.subscribe({ topic: lane.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (this.needsCatchUp) {
          this.needsCatchUp = false;
          await this.store.catchUp();
        }
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.stopping) break;
          const release = await this.acquireSlot(heartbeat, lane.priority);
          this.offsets.begin(batch.topic, batch.partition, message.offset);
          resolveOffset(message.offset); // fetch position only; commits happen in finish()
          void this.handle(batch.topic, batch.partition, message)
            .catch(() => {})
            .finally(() => {
              release();
              this.finish(batch.topic, batch.partition, message.offset);
            });
          await heartbeat();
        }
      },
    });
  }

  /** Waits for a free slot, heartbeating meanwhile: kafkajs only heartbeats when asked, and a full agent must not be evicted. */
  private async acquireSlot(heartbeat: () => Promise<void>, priority = 0): Promise<() => void> {
    const slot = this.slots.acquire(priority);
    for (;;) {
      const timer = new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref());
      const release = await Promise.race([slot, timer]);
      if (release) return release;
      await heartbeat().catch(() => {});
    }
  }

  private finish(topic: string, partition: number, offset: string): void {
    const commit = this.offsets.finish(topic, partition, offset);
    if (commit !== undefined) this.toCommit.set(`${topic}\u0000${partition}`, { topic, partition, offset: commit });
  }

  /** Commits what finished, at most every `commitIntervalMs`: one OffsetCommit per interval, not one per request. */
  private async flushCommits(): Promise<void> {
    if (this.toCommit.size === 0 || this.consumers.size === 0) return;
    const offsets = [...this.toCommit.values()];
    this.toCommit.clear();
    for (const [topic, consumer] of this.consumers) {
      const mine = offsets.filter((o) => o.topic === topic);
      if (mine.length === 0) continue;
      try {
        await consumer.commitOffsets(mine);
      } catch {
        // partition moved to another instance: it will redeliver, and the task store answers duplicates
      }
    }
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
      if (!message.value) throw new Error('record has no value');
      request = await this.decodeWithRetry(message.value);
    } catch (err) {
      const reason = `undecodable A2ARequest: ${(err as Error).message}`;
      await this.deadLetter(topic, partition, message, reason, (err as { code?: string }).code ?? 'DECODE_FAILED');
      if (replyTopic && correlationId) {
        await this.reply({ topic: replyTopic, correlationId, method: methodHint }, 0, true, undefined, {
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
      const context = await this.contextFrom(headers, request);
      validateVersion(context.requestedVersion, this.opts.card, KAFKA_BINDING_URI);
      await this.dispatch(request, context, target);
      this.stats.handled++;
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: true, ms: Date.now() - started });
    } catch (err) {
      this.stats.failed++;
      if (target) await this.reply(target, 0, true, undefined, errorOf(err)).catch(() => {});
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: false, error: (err as Error).message, ms: Date.now() - started });
    }
  }

  /**
   * An unreachable schema registry is not a poison record: retry (holding this request's slot, so the agent slows
   * down instead of dead-lettering good requests) before giving up. Bad bytes fail at once.
   */
  private async decodeWithRetry(value: Buffer): Promise<A2ARequest> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.opts.codec.decodeA2ARequest(value);
      } catch (err) {
        const transient = (err as { code?: string }).code === 'SCHEMA_REGISTRY_ERROR';
        if (!transient || attempt >= 5 || this.stopping) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  private async contextFrom(headers: Headers, request: A2ARequest): Promise<ServerCallContext> {
    // credentials travel in the authorization header; the agent decides who that is (tasks are scoped per user)
    const user = this.opts.authenticate ? await this.opts.authenticate(headers) : undefined;
    const extensions = headers[HEADERS.extensions]?.split(',').map((s) => s.trim()).filter(Boolean);
    const tenant = request.tenant ?? headers[HEADERS.tenant];
    return new ServerCallContext({
      requestedVersion: headers[HEADERS.version] ?? '0.3',
      ...(extensions?.length ? { requestedExtensions: extensions as never } : {}),
      ...(tenant ? { tenant } : {}),
      ...(user ? { user } : {}),
      // same key the SDK's HTTP transports use for request headers, plus where the request ran
      state: new Map<string, unknown>([
        [STATE_HEADERS_KEY, headers],
        [STATE_INSTANCE_KEY, this.instanceId],
      ]),
    });
  }

  private async dispatch(request: A2ARequest, ctx: ServerCallContext, target: ReplyTarget | undefined): Promise<void> {
    const h = this.handler;
    const unary = async (result: A2AResult) => {
      if (target) await this.reply(target, 0, true, result);
    };
    switch (request.method) {
      case 'SEND_MESSAGE':
      case 'SEND_STREAMING_MESSAGE': {
        const messageId = request.params.message?.messageId;
        if (messageId) {
          // the same request arriving twice at once (redelivery during a rebalance) runs once
          const running = this.inFlightMessages.get(messageId);
          if (running) await running;
          const known = await this.store.findByMessageId(messageId, ctx);
          // seen before but not settled: after a rebalance the previous owner may still be running it, so wait for
          // it to finish; only when the task stops changing altogether is it taken over (its runner died)
          const settled = !known
            ? undefined
            : settledSince(known.task, known.firstSeenAt)
              ? known.task
              : running
                ? undefined
                : await this.store.waitForSettled(known.task.id, known.firstSeenAt, known.context, this.opts.takeoverAfterMs ?? 20_000);
          if (settled) {
            this.stats.deduplicated++;
            if (request.method === 'SEND_MESSAGE') return unary({ $case: 'sendMessage', value: { payload: { $case: 'task', value: settled } } });
            return this.stream(target, (async function* () {
              yield { payload: { $case: 'task' as const, value: settled } } satisfies StreamResponse;
            })());
          }
          if (known && !request.params.message?.taskId) {
            // taking over a first turn: the new run makes a new task, so close the orphan instead of leaving it WORKING
            this.stats.takenOver++;
            await this.store.save(
              { ...known.task, status: { state: 4, message: undefined, timestamp: new Date().toISOString() }, metadata: { ...known.task.metadata, 'kamf.interrupted': 'its instance stopped; the request was run again' } },
              known.context,
            );
          }
        }
        const run =
          request.method === 'SEND_MESSAGE'
            ? h.sendMessage(request.params, ctx).then((r: Message | Task) =>
                unary({ $case: 'sendMessage', value: { payload: 'role' in r ? { $case: 'message', value: r } : { $case: 'task', value: r } } }),
              )
            : this.stream(target, h.sendMessageStream(request.params, ctx));
        if (!messageId) return run;
        this.inFlightMessages.set(messageId, run.then(() => {}, () => {}));
        try {
          return await run;
        } finally {
          this.inFlightMessages.delete(messageId);
        }
      }
      case 'GET_TASK':
        return unary({ $case: 'task', value: await h.getTask(request.params, ctx) });
      case 'LIST_TASKS':
        return unary({ $case: 'listTasks', value: await h.listTasks(request.params, ctx) });
      case 'CANCEL_TASK':
        return unary({ $case: 'task', value: await h.cancelTask(request.params, ctx) });
      case 'SUBSCRIBE_TO_TASK': {
        const taskId = request.params.id;
        // the task may be running on another instance: then follow its snapshots instead of a local event bus
        const local = this.busManager.getByTaskId(taskId, ctx);
        const events = local ? h.resubscribe(request.params, ctx) : followTaskFromStore(this.store, h, request.params, ctx);
        return this.stream(target, events);
      }
      case 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG':
        return unary({ $case: 'pushConfig', value: await h.createTaskPushNotificationConfig(request.params, ctx) });
      case 'GET_TASK_PUSH_NOTIFICATION_CONFIG':
        return unary({ $case: 'pushConfig', value: await h.getTaskPushNotificationConfig(request.params, ctx) });
      case 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS':
        return unary({ $case: 'listPushConfigs', value: await h.listTaskPushNotificationConfigs(request.params, ctx) });
      case 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG':
        await h.deleteTaskPushNotificationConfig(request.params, ctx);
        return unary({ $case: 'empty' });
      case 'GET_EXTENDED_AGENT_CARD':
        return unary({ $case: 'agentCard', value: await h.getAuthenticatedExtendedAgentCard(request.params, ctx) });
    }
  }

  /** Stream events in order; a final record with endOfStream (and no result) closes the stream. */
  private async stream(target: ReplyTarget | undefined, events: AsyncGenerator<StreamResponse, void, undefined>): Promise<void> {
    let seq = 0;
    try {
      for await (const ev of events) {
        if (target) await this.reply(target, seq++, false, { $case: 'streamResponse', value: ev });
      }
    } catch (err) {
      if (target) await this.reply(target, seq, true, undefined, errorOf(err));
      return;
    }
    if (target) await this.reply(target, seq, true);
  }

  private async reply(target: ReplyTarget, sequence: number, endOfStream: boolean, result?: A2AResult, error?: A2AResponse['error']): Promise<void> {
    const response: A2AResponse = {
      requestId: target.correlationId,
      method: target.method,
      sequence,
      endOfStream,
      ...(result ? { result } : {}),
      ...(error ? { error } : {}),
    };
    const value = await this.opts.codec.encodeA2AResponse(target.topic, response);
    const headers: IHeaders = { [HEADERS.correlationId]: target.correlationId, [HEADERS.version]: A2A_PROTOCOL_VERSION, [HEADERS.responder]: this.opts.agentName };
    await this.sender!.send(target.topic, { key: target.correlationId, value, headers });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, code: string): Promise<void> {
    this.stats.deadLettered++;
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqCode]: code,
      [HEADERS.dlqTopic]: topic,
      [HEADERS.dlqPartition]: String(partition),
      [HEADERS.dlqOffset]: message.offset,
    };
    await this.sender!.send(this.dlqTopic, { key: message.key, value: message.value, headers });
  }

  /**
   * Graceful shutdown: stop fetching, let running requests finish (up to `graceMs`), commit, disconnect.
   * Requests still running after the grace period are not committed, so another instance picks them up.
   */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.consumers.size > 0) {
      for (const [topic, consumer] of this.consumers) consumer.pause([{ topic }]);
      const deadline = Date.now() + graceMs;
      while (this.slots.inUse > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      clearInterval(this.commitTimer);
      await this.flushCommits();
      for (const consumer of this.consumers.values()) await consumer.disconnect();
    }
    this.unsubscribeCancels?.();
    await (this.sender?.current ?? this.producer)?.disconnect();
    await this.store.stop();
  }
}
