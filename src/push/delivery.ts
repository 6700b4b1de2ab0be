/**
 * The push delivery stage: follows an agent's task snapshots on `a2a.tasks` in a consumer group of its own
 * (`kamf-push.<agent>`, shared by the agent's instances) and POSTs each snapshot, as a v1.0 `StreamResponse`, to
 * every webhook registered for the task.
 *
 * Order: one lane per (task, webhook), each POST waiting for the one before it; lanes run independently, so a slow
 * or dead webhook holds back nothing but its own lane. Retries: exponential backoff up to `maxAttempts`, then a
 * dead letter on `a2a.push-dlq` with the reason. At-least-once: a partition's offset is committed only up to the
 * oldest snapshot with a delivery still open, so a crash (even SIGKILL) leaves the rest to the next instance;
 * every POST carries `X-Kamf-Delivery-Id` (the same on every retry and redelivery) so a receiver can drop copies.
 */
import { TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import { V1PushNotificationSerializer } from '@a2a-js/sdk/server';
import type { Consumer, IHeaders, Kafka, Producer } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import { ensureTopics } from '../core/admin.js';
import { KamfError } from '../core/errors.js';
import { logLine, metricsOn, traceHeaders, type Context, type Span } from '../core/telemetry.js';
import { TOPICS } from '../core/topics.js';
import type { KafkaPushConfigStore, PushConfigEntry } from './config-store.js';
import { PushMetrics } from './metrics.js';
import type { WebhookPolicy } from './policy.js';
import { endDeliverySpan, snapshotContext, startDeliverySpan } from './span.js';
import { postWebhook, type PostOutcome } from './post.js';

export const PUSH_DLQ_TOPIC = 'a2a.push-dlq';
export const PUSH_DELIVERIES_TOPIC = 'a2a.push-deliveries';
export const DELIVERY_ID_HEADER = 'X-Kamf-Delivery-Id';
export const TOKEN_HEADER = 'X-A2A-Notification-Token';

/** One finished delivery (on `a2a.push-deliveries`), or a dead letter (on `a2a.push-dlq`, with the body). */
export interface DeliveryRecord {
  deliveryId: string;
  agent: string;
  taskId: string;
  configId: string;
  url: string;
  ok: boolean;
  attempts: number;
  status?: number;
  reason?: string;
  at: number;
  /** Dead letters only: the body that was not delivered (no credentials: replay takes them from the config). */
  body?: string;
  contentType?: string;
}

export interface PushDeliveryOptions {
  kafka: Kafka;
  codec: A2ACodec;
  agentName: string;
  configs: KafkaPushConfigStore;
  tasksTopic?: string;
  dlqTopic?: string;
  deliveriesTopic?: string;
  groupId?: string;
  policy?: WebhookPolicy;
  /** POSTs per delivery before it is dead-lettered. Default 6. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. Default 250 ms, max 30 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per POST. Default 10 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface Lane {
  tail: Promise<void>;
  lastSavedAt: number;
}

/** Terminal states (completed, failed, canceled, rejected): no snapshot of the task is expected after them. */
const FINAL_STATES = new Set<number>([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);

/** Snapshots written up to this long before a config was created are still delivered to it (clocks differ). */
const CREATED_SLACK_MS = 5_000;

export class PushDelivery {
  readonly stats = { delivered: 0, failedAttempts: 0, deadLettered: 0 };
  private readonly lanes = new Map<string, Lane>();
  /** Per partition: offsets with deliveries still open → how many; the highest offset seen. */
  private readonly open = new Map<number, Map<number, number>>();
  private readonly seen = new Map<number, number>();
  private readonly committed = new Map<number, number>();
  private readonly serializer = new V1PushNotificationSerializer();
  private consumer?: Consumer;
  private producer?: Producer;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private metrics?: PushMetrics;
  private readonly tasksTopic: string;
  readonly dlqTopic: string;
  readonly deliveriesTopic: string;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: PushDeliveryOptions) {
    this.tasksTopic = opts.tasksTopic ?? TOPICS.tasks.name;
    this.dlqTopic = opts.dlqTopic ?? PUSH_DLQ_TOPIC;
    this.deliveriesTopic = opts.deliveriesTopic ?? PUSH_DELIVERIES_TOPIC;
    this.log = opts.log ?? ((line) => process.stderr.write(logLine(`push ${opts.agentName}`, line)));
  }

  get groupId(): string {
    return this.opts.groupId ?? `kamf-push.${this.opts.agentName}`;
  }

  async start(): Promise<void> {
    await ensureTopics(this.opts.kafka, [
      { name: this.dlqTopic, partitions: 1, compacted: false },
      { name: this.deliveriesTopic, partitions: 1, compacted: false },
    ]);
    if (metricsOn() && !this.metrics) this.metrics = new PushMetrics({ agent: this.opts.agentName, open: () => this.openDeliveries(), lanes: () => this.lanes.size });
    this.producer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.opts.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    // a new group starts at the beginning: snapshots older than a config are skipped per config
    await this.consumer.subscribe({ topic: this.tasksTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        // a config created on another instance just before this update must be known before the update is read
        if (batch.messages.some((m) => this.ownSnapshotKey(m.key) !== undefined)) await this.opts.configs.catchUp();
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.stopping) return;
          await this.take(batch.partition, Number(message.offset), message.key, message.value, message.headers);
          resolveOffset(message.offset);
        }
        await heartbeat();
      },
    });
    this.timer = setInterval(() => void this.commit(), 200);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.metrics?.stop();
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }

  private openDeliveries(): number {
    let n = 0;
    for (const pending of this.open.values()) for (const left of pending.values()) n += left;
    return n;
  }

  /** Offsets whose deliveries are all finished, committed (what a crash would redeliver is only the rest). */
  private async commit(): Promise<void> {
    const offsets: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const [partition, high] of this.seen) {
      const pending = this.open.get(partition);
      const next = pending && pending.size > 0 ? Math.min(...pending.keys()) : high + 1;
      if ((this.committed.get(partition) ?? -1) < next) offsets.push({ topic: this.tasksTopic, partition, offset: String(next) });
    }
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(offsets);
      for (const o of offsets) this.committed.set(o.partition, Number(o.offset));
    } catch {
      // a rebalance took the partition: its new owner redelivers from the last commit
    }
  }

  /** The task id of a snapshot key `<agent>/<task id>` of this agent (not an answered marker); else undefined. */
  private ownSnapshotKey(key: Buffer | null): string | undefined {
    const k = key?.toString('utf8');
    const prefix = `${this.opts.agentName}/`;
    if (!k?.startsWith(prefix) || k.startsWith(`${prefix}answered/`)) return undefined;
    return k.slice(prefix.length);
  }

  private async take(partition: number, offset: number, key: Buffer | null, value: Buffer | null, headers?: IHeaders): Promise<void> {
    this.seen.set(partition, offset);
    const taskId = this.ownSnapshotKey(key);
    // most snapshots belong to tasks without webhooks: those are not even decoded
    if (taskId === undefined || !this.opts.configs.hasConfigs(taskId)) return;
    // the task's tombstone (it expired): one instance of the group reads it, and its configs go with it. Awaited,
    // so the offset is not resolved past configs that were not tombstoned
    if (!value) {
      const done = this.hold(partition, offset, 1);
      await this.opts.configs.forgetTask(taskId);
      done(); // not on failure: the commit timer must not pass this offset before a retry has written them
      return;
    }
    let task: Task;
    let savedAt: number;
    try {
      const snap = await this.opts.codec.decodeTaskSnapshot(value);
      task = snap.task;
      savedAt = snap.savedAt;
    } catch {
      return; // not a snapshot this stage can read; nothing to deliver
    }
    const targets = this.opts.configs.configsFor(task.id).filter((e) => savedAt + CREATED_SLACK_MS >= e.createdAt);
    if (targets.length === 0) return;
    const done = this.hold(partition, offset, targets.length);
    const response: StreamResponse = { payload: { $case: 'task', value: task } };
    const trace = snapshotContext(headers);
    for (const entry of targets) {
      const laneKey = `${task.id}/${entry.config.id}`;
      let lane = this.lanes.get(laneKey);
      if (!lane) this.lanes.set(laneKey, (lane = { tail: Promise.resolve(), lastSavedAt: -1 }));
      const l = lane;
      const next: Promise<void> = l.tail
        .then(async () => {
          if (savedAt <= l.lastSavedAt) return; // a late copy of an older snapshot: the receiver has newer
          await this.deliver(entry, response, savedAt, trace);
          l.lastSavedAt = savedAt;
        })
        .catch((err: unknown) => this.log(`delivery for ${laneKey} failed: ${(err as Error).message}`))
        .finally(() => {
          done();
          // an idle lane of a finished task is dropped, so lanes do not pile up over the life of the instance
          if (l.tail === next && FINAL_STATES.has(task.status?.state ?? 0)) this.lanes.delete(laneKey);
        });
      l.tail = next;
    }
  }

  /** Keeps the commit below `offset` until `done` was called `count` times (once per effect of that record). */
  private hold(partition: number, offset: number, count: number): () => void {
    let pending = this.open.get(partition);
    if (!pending) this.open.set(partition, (pending = new Map()));
    pending.set(offset, count);
    return () => {
      const left = (pending.get(offset) ?? 1) - 1;
      if (left <= 0) pending.delete(offset);
      else pending.set(offset, left);
    };
  }

  private headersFor(entry: PushConfigEntry, deliveryId: string, contentType: string, attempt: number, span?: Span): Record<string, string> {
    const c = entry.config;
    const h: Record<string, string> = { 'content-type': contentType, [DELIVERY_ID_HEADER]: deliveryId, 'X-Kamf-Delivery-Attempt': String(attempt), ...(span ? traceHeaders(span) : {}) };
    if (c.authentication?.scheme && c.authentication.credentials) h.authorization = `${c.authentication.scheme} ${c.authentication.credentials}`;
    if (c.token) h[TOKEN_HEADER] = c.token;
    return h;
  }

  private async deliver(entry: PushConfigEntry, response: StreamResponse, savedAt: number, trace?: Context): Promise<void> {
    const { body, contentType } = this.serializer.serialize(response);
    const deliveryId = `${entry.agent}/${entry.taskId}/${entry.config.id}/${savedAt}`;
    const max = this.opts.maxAttempts ?? 6;
    const base = this.opts.backoffMs ?? 250;
    let outcome: PostOutcome = { ok: false, error: 'not attempted' };
    let attempt = 0;
    const started = performance.now();
    const span = startDeliverySpan({ agent: entry.agent, taskId: entry.taskId, deliveryId, url: entry.config.url }, trace);
    while (attempt < max) {
      attempt++;
      outcome = await postWebhook(entry.config.url, body, this.headersFor(entry, deliveryId, contentType, attempt, span), this.opts.policy ?? {}, this.opts.timeoutMs ?? 10_000);
      this.metrics?.attempt(outcome.ok);
      if (outcome.ok || outcome.permanent) break;
      this.stats.failedAttempts++;
      if (attempt < max) {
        if (this.stopping) {
          endDeliverySpan(span, { ok: false, error: 'the delivery stage stopped' }, attempt);
          throw new KamfError('A2A_ABORTED', 'push delivery stopping'); // not committed: the next owner of the partition delivers it
        }
        await new Promise((r) => setTimeout(r, Math.min(base * 2 ** (attempt - 1), this.opts.maxBackoffMs ?? 30_000)));
      }
    }
    this.metrics?.finished(outcome.ok ? 'delivered' : 'dead_lettered', performance.now() - started);
    endDeliverySpan(span, outcome, attempt);
    const record: DeliveryRecord = {
      deliveryId,
      agent: entry.agent,
      taskId: entry.taskId,
      configId: entry.config.id,
      url: entry.config.url,
      ok: outcome.ok,
      attempts: attempt,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.error && !outcome.ok ? { reason: outcome.error } : {}),
      at: Date.now(),
    };
    const messages = [{ topic: this.deliveriesTopic, messages: [{ key: `${entry.agent}/${entry.taskId}/${entry.config.id}`, value: JSON.stringify(record) }] }];
    if (outcome.ok) this.stats.delivered++;
    else {
      this.stats.deadLettered++;
      if (outcome.permanent) this.stats.failedAttempts++;
      messages.push({ topic: this.dlqTopic, messages: [{ key: deliveryId, value: JSON.stringify({ ...record, body, contentType }) }] });
      this.log(`dead-lettered ${deliveryId} after ${attempt} attempt(s): ${outcome.error}`);
    }
    await this.producer!.sendBatch({ topicMessages: messages, acks: -1 });
  }
}
