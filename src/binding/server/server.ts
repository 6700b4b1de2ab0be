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
import { DefaultExecutionEventBusManager, DefaultRequestHandler, type AgentExecutor, type A2ARequestHandler, type PushNotificationSender, type PushNotificationStore, type ServerCallContext } from '@a2a-js/sdk/server';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { A2ARequest, A2AMethod } from '../../codec/mapping/envelopes.js';
import { KamfError, isKamfError } from '../../core/errors.js';
import { agentRequestTopic, TOPICS } from '../../core/topics.js';
import { HEADERS, readHeaders } from '../protocol.js';
import { callContext, decodeRequest, replyToRefusal, undecodableCode, type Authenticate } from './call-context.js';
import { publishRemoteCancels } from './cross-instance.js';
import { dispatch, type Dispatcher } from './dispatch.js';
import { A2A_METHODS } from '../../codec/index.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../../core/record-size.js';
import { EffectWriter } from './effects.js';
import { BINDING_ERROR, errorOf } from './errors.js';
import { RequestIntake } from './intake.js';
import { RedeliveryGuard } from './redelivery.js';
import { ReplyPath, kamfData, type ReplyTarget } from './replies.js';
import { KafkaTaskStore } from './task-store.js';
import { tracedExecutor } from './traced-executor.js';
import { DELIVERED_BY_KAFKA, skipIdlePushWork } from './unary-events.js';
import { AgentMetrics } from './metrics.js';
import { StreamEnds } from './stream-ends.js';
import { ATTR, SpanKind, contextFrom, endSpan, logLine, metricsOn, startSpan, tracingOn, withSpan } from '../../core/telemetry.js';

export { STATE_HEADERS_KEY, STATE_INSTANCE_KEY } from './call-context.js';

export interface KafkaAgentServerOptions {
  kafka: Kafka;
  codec: A2ACodec;
  agentName: string;
  card: AgentCard;
  /** The agent: the SDK's DefaultRequestHandler runs it over the Kafka task store. Give this or `requestHandler`. */
  executor?: AgentExecutor;
  /**
   * Instead of an executor, a request handler that answers every operation itself: a relay to an agent that lives
   * elsewhere (e.g. an HTTP-only A2A agent, src/gateway/http-agent.ts). Its tasks are its own: SubscribeToTask goes
   * to it rather than to snapshots on `a2a.tasks`, and nothing of its tasks is written there.
   */
  requestHandler?: A2ARequestHandler;
  extendedCard?: AgentCard;
  /**
   * Push-notification configs (A2A §9): with a store, and a card declaring `capabilities.pushNotifications`, the
   * handler serves the four push-config operations from it. Delivery runs outside the request path (src/push
   * follows the task snapshots), so the SDK's in-process sender is replaced by one that sends nothing, unless
   * `pushNotificationSender` is given.
   */
  pushNotificationStore?: PushNotificationStore;
  pushNotificationSender?: PushNotificationSender;
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
   * runner may still be working, e.g. after a rebalance). It runs again, in the same task, as soon as the instance
   * that last wrote the task has left the group (crashed or stopped), or when the task has not changed for this
   * long although that instance still looks alive. Default 20 s.
   */
  takeoverAfterMs?: number;
  /** How often finished requests' offsets are committed. Default 100 ms. */
  commitIntervalMs?: number;
  /** How long finished tasks are kept after their last snapshot (KafkaTaskStoreOptions.retentionMs). Default 24 h; 0 = for ever. */
  taskRetentionMs?: number;
  /**
   * The largest record the cluster accepts (broker `message.max.bytes`, topic `max.message.bytes`). Default
   * 1 048 588, Kafka's own default. Replies, snapshots and dead letters are checked against it before they are sent.
   */
  maxRecordBytes?: number;
  /**
   * The largest request value this server executes, bytes. Default a quarter of `maxRecordBytes`: a task snapshot
   * holds the request in its history and, typically, the answer and a status message as well. A larger request
   * is refused before execution with -32600 (`A2A_REQUEST_TOO_LARGE`).
   */
  maxRequestBytes?: number;
  /** Where the server reports what callers must not see (internal errors, retried writes). Default: stderr. */
  log?: (line: string) => void;
  /**
   * Replies go only to topics under this prefix: a request whose `kamf-reply-to` names anything else is refused
   * unread and dead-lettered with the reason (code A2A_REPLY_TO_REFUSED). Default `a2a.replies.`; '' turns it off.
   */
  replyTopicPrefix?: string;
  /** Observability hook: one call per handled record. */
  onRecord?: (e: { method?: A2AMethod; requestId?: string; ok: boolean; error?: string; code?: string; ms: number }) => void;
}

export class KafkaAgentServer {
  readonly instanceId: string;
  readonly requestTopics: string[];
  readonly store: KafkaTaskStore;
  readonly handler: A2ARequestHandler;
  readonly stats = { handled: 0, failed: 0, deadLettered: 0, deduplicated: 0, takenOver: 0, undeliverable: 0, answeredBefore: 0, tooLarge: 0 };
  readonly maxRecordBytes: number;
  readonly maxRequestBytes: number;
  private readonly busManager = new DefaultExecutionEventBusManager();
  private readonly intake: RequestIntake;
  private readonly writer: EffectWriter;
  private readonly replies: ReplyPath;
  private readonly dispatcher: Dispatcher;
  /** Requests being handled here, by correlation id: a redelivered copy waits for the first and answers nothing. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly log: (line: string) => void;
  private unsubscribeCancels?: () => void;
  private closing = false;
  private metrics?: AgentMetrics;
  private readonly streamEnds = new StreamEnds();

  constructor(private readonly opts: KafkaAgentServerOptions) {
    this.instanceId = opts.instanceId ?? randomUUID();
    this.requestTopics = opts.requestTopics ?? [agentRequestTopic(opts.agentName)];
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.maxRequestBytes = opts.maxRequestBytes ?? Math.floor(this.maxRecordBytes / 4);
    this.log = opts.log ?? ((line) => process.stderr.write(logLine(`${opts.agentName} (${this.instanceId})`, line)));
    const tasksTopic = opts.tasksTopic ?? TOPICS.tasks.name;
    this.writer = new EffectWriter({
      kafka: opts.kafka,
      maxRecordBytes: this.maxRecordBytes,
      // reply topics come and go with their callers; the binding's own topics do not
      checkExistence: (topic) => topic !== tasksTopic && topic !== this.dlqTopic,
      // effects are retried through the grace period of a stop, and given up only after it
      stopping: () => this.closing,
      log: this.log,
    });
    this.store = new KafkaTaskStore({
      kafka: opts.kafka,
      codec: opts.codec,
      instanceId: this.instanceId,
      agentName: opts.agentName,
      writer: this.writer,
      topic: tasksTopic,
      log: this.log,
      ...(opts.taskRetentionMs !== undefined ? { retentionMs: opts.taskRetentionMs } : {}),
    });
    if (!opts.executor === !opts.requestHandler) {
      throw new KamfError('CONFIG_INVALID', `agent ${opts.agentName}: give either an executor or a request handler`, { hint: 'serveAgent({ executor }) runs an agent; requestHandler relays to one' });
    }
    this.handler = opts.requestHandler ?? this.sdkHandler(opts);
    this.intake = new RequestIntake({
      kafka: opts.kafka,
      requestTopics: this.requestTopics,
      groupId: this.groupId,
      concurrency: opts.concurrency ?? 32,
      commitIntervalMs: opts.commitIntervalMs ?? 100,
      catchUp: () => this.store.catchUp(),
      handle: (topic, partition, message) => this.handle(topic, partition, message),
      control: (message) => this.control(message),
    });
    if (metricsOn()) {
      const metrics = new AgentMetrics({
        agent: opts.agentName,
        group: this.groupId,
        capacity: opts.concurrency ?? 32,
        stats: this.stats,
        slotsInUse: () => this.intake.slotsInUse,
        inFlight: () => this.inFlight.size,
        lag: () => this.intake.lag(),
        pendingEffects: () => this.writer.queued,
      });
      const onRecord = opts.onRecord;
      this.opts = { ...opts, onRecord: (e) => (metrics.record(e), onRecord?.(e)) };
      this.metrics = metrics;
    }
    this.replies = new ReplyPath({
      codec: opts.codec,
      writer: this.writer,
      agentName: opts.agentName,
      instanceId: this.instanceId,
      dlqTopic: this.dlqTopic,
      tasksTopic,
      stats: this.stats,
      log: this.log,
    });
    this.dispatcher = {
      handler: this.handler,
      busManager: this.busManager,
      store: this.store,
      redeliveries: new RedeliveryGuard({ store: this.store, takeoverAfterMs: opts.takeoverAfterMs ?? 20_000, stats: this.stats }),
      replies: this.replies,
      log: this.log,
      relay: !!opts.requestHandler,
      streamEnds: this.streamEnds,
    };
  }

  /** The SDK's handler running the executor over the Kafka task store, without its push work where it sends none. */
  private sdkHandler(opts: KafkaAgentServerOptions): DefaultRequestHandler {
    const handler = new DefaultRequestHandler(opts.card, this.store, tracedExecutor(opts.executor!, opts.agentName), this.busManager, opts.pushNotificationStore, this.pushSender, opts.extendedCard);
    skipIdlePushWork(handler);
    return handler;
  }

  /** Deliveries follow the task topic instead (durable, any instance): nothing is POSTed from the request path. */
  private get pushSender(): PushNotificationSender | undefined {
    return this.opts.pushNotificationSender ?? (this.opts.pushNotificationStore ? DELIVERED_BY_KAFKA : undefined);
  }

  get groupId(): string {
    return this.opts.groupId ?? `agent.${this.opts.agentName}`;
  }

  get dlqTopic(): string {
    return this.opts.dlqTopic ?? TOPICS.dlq.name;
  }

  async start(): Promise<void> {
    for (const t of this.requestTopics) await this.opts.codec.register(t, 'A2ARequest');
    await this.writer.start();
    await this.store.start();
    if (this.opts.executor) this.unsubscribeCancels = publishRemoteCancels(this.store, this.busManager, this.opts.executor);
    await this.intake.start();
  }

  /** A control record: a caller ending its stream. True when the record was one (it carries no request). */
  private control(message: KafkaMessage): boolean {
    const end = message.headers?.[HEADERS.endStream];
    if (end === undefined) return false;
    this.streamEnds.end(String(Array.isArray(end) ? end[end.length - 1] : end));
    return true;
  }

  /**
   * One request record: decode, validate, dispatch, reply. Resolves once every effect of the request (reply,
   * snapshots, answered marker, dead letter) is written; only then may its offset be committed. Rejects only when
   * the server stops before they are written, so the offset is not committed and the request comes back.
   */
  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const started = Date.now();
    const headers = readHeaders(message.headers as Record<string, unknown>);
    const replyTopic = headers[HEADERS.replyTo];
    const correlationId = headers[HEADERS.correlationId];
    const source = { topic, partition, offset: message.offset };

    // the same request again (redelivered after a rebalance or a broker restart): its first copy answers
    let answered = false;
    if (correlationId) {
      const first = this.inFlight.get(correlationId);
      if (first) await first.catch(() => {});
      if (this.store.isAnswered(correlationId)) {
        this.stats.answeredBefore++;
        this.opts.onRecord?.({ requestId: correlationId, ok: true, error: 'answered before', ms: Date.now() - started });
        // a returnImmediately send is answered before its task ends: it goes on, silently, to take the task over
        // if its runner died (dispatch does nothing more for any other answered request)
        if ((headers[HEADERS.method] ?? 'SEND_MESSAGE') !== 'SEND_MESSAGE') return;
        answered = true;
      }
    }
    const work = tracingOn()
      ? this.handleTraced(headers, message, source, replyTopic, correlationId, started, answered)
      : this.handleOnce(headers, message, source, replyTopic, correlationId, started, answered);
    if (!correlationId) return work;
    this.inFlight.set(correlationId, work);
    try {
      await work;
    } finally {
      this.inFlight.delete(correlationId);
    }
  }

  /** handleOnce in the request's receive span, continued from the caller's trace context in the headers. */
  private async handleTraced(
    headers: Record<string, string>,
    message: KafkaMessage,
    source: { topic: string; partition: number; offset: string },
    replyTopic: string | undefined,
    correlationId: string | undefined,
    started: number,
    answered: boolean,
  ): Promise<void> {
    const span = startSpan(
      `process ${source.topic}`,
      SpanKind.CONSUMER,
      {
        [ATTR.messagingSystem]: 'kafka',
        [ATTR.operationType]: 'process',
        [ATTR.operationName]: 'process',
        [ATTR.destination]: source.topic,
        [ATTR.consumerGroup]: this.groupId,
        [ATTR.partition]: String(source.partition),
        [ATTR.offset]: Number(source.offset),
        [ATTR.genAiAgentName]: this.opts.agentName,
        ...(correlationId ? { [ATTR.conversationId]: correlationId } : {}),
        ...(headers[HEADERS.method] ? { [ATTR.a2aMethod]: headers[HEADERS.method] } : {}),
        ...(headers[HEADERS.skill] ? { [ATTR.a2aSkill]: headers[HEADERS.skill] } : {}),
      },
      contextFrom(headers),
    );
    try {
      await withSpan(span, () => this.handleOnce(headers, message, source, replyTopic, correlationId, started, answered));
      endSpan(span);
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  }

  private async handleOnce(
    headers: Record<string, string>,
    message: KafkaMessage,
    source: { topic: string; partition: number; offset: string },
    replyTopic: string | undefined,
    correlationId: string | undefined,
    started: number,
    answered = false,
  ): Promise<void> {
    const { topic, partition } = source;
    const methodHeader = headers[HEADERS.method];
    const methodHint: A2AMethod = methodHeader && (A2A_METHODS as readonly string[]).includes(methodHeader) ? (methodHeader as A2AMethod) : 'SEND_MESSAGE';
    const refused = replyToRefusal(replyTopic, this.opts.replyTopicPrefix);
    if (refused) {
      // nothing is written to that topic, not even an error: the request goes to the DLQ with the reason
      await this.replies.deadLetter(topic, partition, message, refused.message, refused.code);
      this.log(`${refused.message}; moved to ${this.dlqTopic}`);
      this.opts.onRecord?.({ ok: false, error: refused.message, ms: Date.now() - started });
      return;
    }

    const size = message.value?.length ?? 0;
    if (size > this.maxRequestBytes) {
      // refused before decoding or running: the limit is what a task snapshot can hold
      this.stats.tooLarge++;
      if (replyTopic && correlationId) {
        await this.replies.reply({ topic: replyTopic, correlationId, method: methodHint, source }, 0, true, undefined, {
          code: BINDING_ERROR.invalidRequest,
          message: `Request too large: ${size} bytes, above this agent's limit of ${this.maxRequestBytes} bytes`,
          data: kamfData('A2A_REQUEST_TOO_LARGE'),
        });
      }
      this.opts.onRecord?.({ ok: false, error: 'request too large', ms: Date.now() - started });
      return;
    }

    let request: A2ARequest;
    try {
      request = await decodeRequest(this.opts.codec, message.value, () => this.intake.stopping);
    } catch (err) {
      const code = undecodableCode(err);
      const reason = `undecodable A2ARequest: ${(err as Error).message}`;
      if (methodHeader && methodHeader !== methodHint) this.log(`record ${topic}[${partition}]@${message.offset} has an unknown ${HEADERS.method} header "${methodHeader.slice(0, 100)}"`);
      // the caller hears at once; the dead letter (retried until written) follows
      const answer =
        replyTopic && correlationId
          ? this.replies.reply({ topic: replyTopic, correlationId, method: methodHint, source }, 0, true, undefined, {
              code: BINDING_ERROR.parseError,
              message: `Parse error: the request could not be decoded (${code}). It was moved to ${this.dlqTopic}.`,
              data: kamfData(code),
            })
          : Promise.resolve();
      await Promise.all([answer, this.replies.deadLetter(topic, partition, message, reason, code)]);
      this.log(`${reason}; moved to ${this.dlqTopic}`);
      this.opts.onRecord?.({ ok: false, error: reason, ms: Date.now() - started });
      return;
    }

    if (answered && request.method !== 'SEND_MESSAGE') return;
    // an answered request is never answered again
    const target: ReplyTarget | undefined = replyTopic && !answered ? { topic: replyTopic, correlationId: correlationId ?? request.requestId, method: request.method, source } : undefined;
    const deadline = Number(headers[HEADERS.deadline] ?? 0);
    // (an answered request's caller has its answer; the deadline was for that, not for the work it started)
    if (!answered && deadline > 0 && deadline < Date.now()) {
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: false, error: 'expired', ms: 0 });
      return; // the caller stopped waiting; running it now would only waste the agent's time
    }
    let context: ServerCallContext | undefined;
    try {
      context = await callContext(request, headers, { card: this.opts.card, instanceId: this.instanceId, authenticate: this.opts.authenticate });
      await dispatch(this.dispatcher, request, context, target, answered);
      this.stats.handled++;
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: true, ms: Date.now() - started });
    } catch (err) {
      // an effect that could not be written before the stop: not answered, not committed, comes back
      if (isKamfError(err, 'A2A_EFFECT_UNWRITTEN')) throw err;
      this.stats.failed++;
      if (target) await this.replies.reply(target, 0, true, undefined, errorOf(err, this.log));
      const code = (err as { code?: unknown }).code;
      this.opts.onRecord?.({ method: request.method, requestId: request.requestId, ok: false, error: (err as Error).message, ...(code !== undefined ? { code: String(code) } : {}), ms: Date.now() - started });
    }
    // the write-behind store's barrier, outside the try: the reply is out, so a failure here must not answer again;
    // usually already passed, since the writer put the request's snapshots on the wire before its reply
    if (context) await this.store.settled(context);
  }

  /** Concurrency slots taken by requests being handled (streams included), of `concurrency`. */
  get slotsInUse(): number {
    return this.intake.slotsInUse;
  }

  /** Records waiting to be written (replies, snapshots, markers, dead letters). */
  get pendingEffects(): number {
    return this.writer.queued;
  }

  /**
   * Graceful shutdown: stop fetching, let running requests finish (up to `graceMs`), commit, disconnect.
   * Requests still running after the grace period are not committed, so another instance picks them up.
   */
  async stop(graceMs = 15_000): Promise<void> {
    await this.intake.stop(graceMs);
    this.metrics?.stop();
    this.closing = true;
    this.unsubscribeCancels?.();
    await this.store.stop();
    await this.writer.stop();
  }
}
