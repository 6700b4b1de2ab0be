/**
 * A TaskStore over the compacted `a2a.tasks` topic, shared by every instance of an agent.
 *
 * Each instance keeps an in-memory view of the whole topic (like a Kafka Streams global table), compact (Avro
 * bodies, see compact-tasks.ts) and scoped, filtered and paged the way the SDK's InMemoryTaskStore does it.
 * `save` applies the snapshot locally at once (read-your-writes) and queues it on the server's effect writer
 * without waiting (write-behind): the SDK's handler moves on, a task's snapshot still queued is replaced by its
 * successor, the snapshots of a request coalesce with its reply into one or two produce requests, and the writer's
 * order puts every snapshot on the wire before the reply that follows it. `settled(context)` is the one barrier:
 * the request's offset moves only once its snapshots are written. Snapshots from other instances arrive through the
 * consumer. Snapshots carry `savedAt`, made strictly increasing per task, so an instance never regresses a task to
 * an older snapshot that arrives late.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Task, ListTasksRequest, ListTasksResponse } from '@a2a-js/sdk';
import { ServerCallContext, type TaskStore } from '@a2a-js/sdk/server';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { TaskSnapshot } from '../../codec/mapping/envelopes.js';
import { encodeBody, toAvro } from '../../codec/index.js';
import { KamfError } from '../../core/errors.js';
import { DEFAULT_TASK_RETENTION_MS, TOPICS } from '../../core/topics.js';
import { HEADERS, readHeaders } from '../protocol.js';
import { ATTR, SpanKind, endSpan, startSpan, traceHeaders, tracingOn } from '../../core/telemetry.js';
import { CompactTaskView, indexOf, taskOfBody } from './compact-tasks.js';
import { EffectWriter } from './effects.js';
import { withinBudget } from './sizes.js';

export interface TaskUpdate {
  /** The task's id, without making the task object (`task` is made when first read). */
  taskId: string;
  task: Task;
  tenant?: string;
  owner: string;
  /** True when the snapshot came from another instance (or an earlier life of this one). */
  remote: boolean;
}

export interface KafkaTaskStoreOptions {
  kafka: Kafka;
  codec: A2ACodec;
  topic?: string;
  /** Used in the consumer group id; each store reads the whole topic. */
  instanceId?: string;
  /**
   * The agent this store serves. Snapshots are keyed `<agent>/<task id>`, and a store only takes its own agent's
   * tasks into its view: agents sharing `a2a.tasks` never answer for each other's tasks, and a request fanned out
   * to several agents (same messageId everywhere) is deduplicated per agent.
   */
  agentName?: string;
  /**
   * Writes snapshots (and, for the server, replies and markers). Without it the store makes its own. Snapshots
   * that fail to write are retried until written: `save` resolves only then.
   */
  writer?: EffectWriter;
  /** Where retried writes are reported. */
  log?: (line: string) => void;
  /**
   * How long a finished task (completed, failed, canceled, rejected) stays after its last snapshot. Then a tombstone
   * takes it off the topic (compaction drops it) and out of every instance's memory, so neither grows with every
   * task ever served. Default 24 h, as long as answered markers are kept; 0 keeps tasks for ever. A request
   * redelivered after that would run again, and GetTask answers TaskNotFound.
   */
  retentionMs?: number;
}

const SETTLED = new Set([3, 4, 5, 6, 7, 8]); // terminal or interrupted
/** Completed, failed, canceled, rejected: a task in one of them never changes again. */
const TERMINAL = new Set([3, 4, 5, 7]);

/**
 * True when the task reached a terminal or interrupted state after `since` (when the turn's message was first
 * stored): a redelivered turn is then answered from the store. An INPUT_REQUIRED set BEFORE the message arrived
 * belongs to the previous turn, so that follow-up has not been handled yet.
 */
export function settledSince(task: Task, since: number): boolean {
  if (!SETTLED.has(task.status?.state ?? 0)) return false;
  const at = task.status?.timestamp ? Date.parse(task.status.timestamp) : NaN;
  return Number.isNaN(at) || at >= since - 5; // a few ms of slack: status timestamps and savedAt come from one clock
}

const ownerOf = (ctx: ServerCallContext | undefined) => ctx?.user?.userName || 'unknown';

function contextFor(tenant: string | undefined, owner: string): ServerCallContext {
  return new ServerCallContext({
    ...(tenant ? { tenant } : {}),
    user: { isAuthenticated: owner !== 'unknown', userName: owner },
  });
}

export class KafkaTaskStore implements TaskStore {
  readonly topic: string;
  private readonly view = new CompactTaskView();
  private readonly savedAt = new Map<string, number>();
  /** messageId → the task it went into, and when a snapshot first showed it (to tell a settled turn from a pending one). */
  private readonly byMessageId = new Map<string, { taskId: string; tenant?: string; owner: string; firstSeenAt: number }>();
  private readonly events = new EventEmitter();
  private readonly consumed = new Map<number, number>();
  /** Correlation ids whose final reply was written (answered markers): a redelivered request answers nothing again. */
  private readonly answeredAt = new Map<string, number>();
  /** The instance that wrote each task's latest snapshot (header kamf-writer). */
  private readonly writerOf = new Map<string, string>();
  private writer?: EffectWriter;
  private ownWriter = false;
  private consumer?: Consumer;
  private stopped = false;
  private readonly liveness = new Map<string, { at: number; alive: boolean; answer: Promise<boolean> }>();
  /** Snapshots this life of the store wrote and has not yet read back, per key: applied at save, not decoded again. */
  private readonly echoes = new Map<string, number>();
  /** The snapshot writes queued by each request (its call context), not yet known to be written. */
  private readonly unwritten = new WeakMap<ServerCallContext, Promise<void>>();
  private admin?: Admin;
  private sweeper?: NodeJS.Timeout;
  /** Tasks forgotten since `byMessageId` was last pruned of them. */
  private forgottenSincePrune = 0;
  readonly retentionMs: number;
  /** Finished tasks this instance tombstoned after the retention. */
  expired = 0;
  readonly instanceId: string;

  constructor(private readonly opts: KafkaTaskStoreOptions) {
    this.topic = opts.topic ?? TOPICS.tasks.name;
    this.instanceId = opts.instanceId ?? randomUUID();
    this.retentionMs = opts.retentionMs ?? DEFAULT_TASK_RETENTION_MS;
    this.events.setMaxListeners(0);
  }

  async start(): Promise<void> {
    await this.opts.codec.register(this.topic, 'TaskSnapshot');
    // one request in flight keeps each task's snapshots in order; the writer batches to keep that fast
    this.writer = this.opts.writer;
    if (!this.writer) {
      this.ownWriter = true;
      this.writer = new EffectWriter({ kafka: this.opts.kafka, stopping: () => this.stopped, ...(this.opts.log ? { log: this.opts.log } : {}) });
      await this.writer.start();
    }
    // membership of this group is how other instances tell whether this one is alive (`isAlive`): same session
    // timeout as the request consumers, so a dead instance leaves both at about the same time. No minBytes batching:
    // a caller that starts a task on one instance and asks another about it at once expects it to be known there
    this.consumer = this.opts.kafka.consumer({ groupId: `kamf-taskstore-${this.instanceId}`, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    // never commit: every start must read the whole topic, even with a reused instance id. A batch at a time:
    // most records are this instance's own, counted off without an await each (kafkajs' per-message loop has three)
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const applying = this.follow(message);
          if (applying) await applying;
          this.consumed.set(batch.partition, Number(message.offset));
        }
      },
    });
    await this.catchUp();
    // also without a retention of its own: tombstones of other instances' stores still need their messages pruned
    this.sweeper = setInterval(() => this.expire(), this.retentionMs > 0 ? Math.min(60_000, Math.max(100, this.retentionMs / 10)) : 60_000);
    this.sweeper.unref();
  }

  /** One record of the topic: an answered marker, an echo of our own (both at once), or another writer's snapshot. */
  private follow(message: KafkaMessage): Promise<void> | undefined {
    if (!message.value && message.key && this.mine(message.key)) {
      const key = message.key.toString('utf8');
      const answered = this.answeredId(key);
      if (answered) this.noteAnswered(answered);
      else this.forget(this.taskIdOf(key)); // a task past its retention, tombstoned by one of the instances
    } else if (message.value && this.mine(message.key) && !this.ownEcho(message)) {
      return this.applyRemote(message.value, message.headers);
    }
    return undefined;
  }

  private async applyRemote(value: Buffer, headers: KafkaMessage['headers']): Promise<void> {
    try {
      const snap = await this.opts.codec.decodeTaskSnapshot(value);
      const writer = readHeaders(headers as Record<string, unknown>)[HEADERS.writer];
      if (this.apply(snap, true) && writer) this.writerOf.set(snap.task.id, writer);
    } catch {
      // a snapshot we cannot decode is skipped; the next save of that task supersedes it
    }
  }

  /** True for a snapshot this store wrote in this life (applied when saved): it is counted off, not decoded. */
  private ownEcho(message: { key: Buffer | null; headers?: unknown }): boolean {
    const key = message.key?.toString('utf8');
    const pending = key === undefined ? 0 : (this.echoes.get(key) ?? 0);
    if (pending === 0 || readHeaders(message.headers as Record<string, unknown>)[HEADERS.writer] !== this.instanceId) return false;
    if (pending === 1) this.echoes.delete(key!);
    else this.echoes.set(key!, pending - 1);
    return true;
  }

  /** Keys `<agent>/<task>` of other agents are skipped; keys without an agent (older writers) are taken. */
  private mine(key: Buffer | null): boolean {
    if (!this.opts.agentName || !key) return true;
    const k = key.toString('utf8');
    const slash = k.indexOf('/');
    return slash < 0 || k.slice(0, slash) === this.opts.agentName;
  }

  private keyOf(taskId: string): string {
    return this.opts.agentName ? `${this.opts.agentName}/${taskId}` : taskId;
  }

  private taskIdOf(key: string): string {
    const slash = key.indexOf('/');
    return slash < 0 ? key : key.slice(slash + 1);
  }

  /**
   * Tombstones the finished tasks whose last snapshot is older than the retention, and forgets them; returns how
   * many. The instance that wrote a task's last snapshot does it; the others wait a little longer, so a task of a
   * gone instance still goes, and a live one's gets one tombstone instead of one per instance.
   */
  expire(now = Date.now()): number {
    const writer = this.writer;
    if (this.forgottenSincePrune > 0) this.pruneMessages();
    if (!writer || this.retentionMs <= 0 || this.stopped) return 0;
    const own = now - this.retentionMs;
    const others = own - Math.max(60_000, this.retentionMs / 10);
    const gone: string[] = [];
    for (const t of this.view.indexes()) {
      if (!TERMINAL.has(t.state)) continue;
      const at = this.savedAt.get(t.id) ?? now;
      if (at < (this.writerOf.get(t.id) === this.instanceId ? own : others)) gone.push(t.id);
    }
    for (const id of gone) {
      const key = this.keyOf(id);
      writer.writeLatest(this.topic, key, { key, value: null, headers: { [HEADERS.writer]: this.instanceId } }).written.catch((err: Error) => {
        // not written: the task comes back with the next start and expires again then
        if (!this.stopped) this.opts.log?.(`tombstone of expired task ${id} not written: ${err.message}`);
      });
      this.forget(id);
    }
    this.expired += gone.length;
    if (gone.length > 0) this.pruneMessages();
    return gone.length;
  }

  /** Drops a task from memory (its tombstone was written or read). */
  private forget(taskId: string): void {
    const held = this.view.remove(taskId);
    if (!held && !this.savedAt.has(taskId)) return;
    this.savedAt.delete(taskId);
    this.writerOf.delete(taskId);
    this.forgottenSincePrune++;
  }

  /** One pass over the message index for all tasks forgotten since the last: no per-task reverse index to keep. */
  private pruneMessages(): void {
    for (const [messageId, ref] of this.byMessageId) if (!this.savedAt.has(ref.taskId)) this.byMessageId.delete(messageId);
    this.forgottenSincePrune = 0;
  }

  /** `<agent>/answered/<correlation id>` → the correlation id (answered markers are tombstones: compaction drops them). */
  private answeredId(key: string): string | undefined {
    const prefix = `${this.opts.agentName ?? ''}/answered/`;
    return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
  }

  noteAnswered(correlationId: string): void {
    const now = Date.now();
    this.answeredAt.set(correlationId, now);
    // markers matter while a request can be redelivered; keep a day of them, pruned as they come
    if (this.answeredAt.size % 1024 === 0) for (const [id, at] of this.answeredAt) if (now - at > 86_400_000) this.answeredAt.delete(id);
  }

  /** True once the final reply to this correlation id was written, by any instance. */
  isAnswered(correlationId: string): boolean {
    return this.answeredAt.has(correlationId);
  }

  /** The instance that wrote the task's latest snapshot, when known. */
  lastWriter(taskId: string): string | undefined {
    return this.writerOf.get(taskId);
  }

  /**
   * True while the instance `instanceId` is a live member of its task-store group (a crashed one leaves it when its
   * session times out). Answers are shared for 250 ms, and a dead verdict is kept: many redelivered requests of
   * one dead instance ask at once.
   */
  isAlive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) return Promise.resolve(true);
    const cached = this.liveness.get(instanceId);
    if (cached && (!cached.alive || Date.now() - cached.at < 250)) return cached.answer;
    const answer = this.describeMembership(instanceId);
    const entry = { at: Date.now(), alive: true, answer };
    this.liveness.set(instanceId, entry);
    void answer.then((alive) => (entry.alive = alive));
    return answer;
  }

  private async describeMembership(instanceId: string): Promise<boolean> {
    try {
      if (!this.admin) {
        const admin = this.opts.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const { groups } = await this.admin.describeGroups([`kamf-taskstore-${instanceId}`]);
      return (groups[0]?.members.length ?? 0) > 0;
    } catch {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => {});
      return true; // cannot tell: assume alive, the idle timeout still applies
    }
  }

  /** Resolves once every snapshot written before the call has been applied locally. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const admin = this.opts.kafka.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: string }>;
    try {
      ends = await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + timeoutMs;
    for (const { partition, high } of ends) {
      const last = Number(high) - 1;
      while (last >= 0 && (this.consumed.get(partition) ?? -1) < last) {
        if (Date.now() > deadline) {
          throw new KamfError('A2A_TASK_STORE_CATCH_UP_TIMEOUT', `task store did not catch up with ${this.topic}[${partition}] in ${timeoutMs} ms`, {
            details: { topic: this.topic, partition, timeoutMs },
          });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.admin?.disconnect().catch(() => {});
    await this.consumer?.disconnect();
    if (this.ownWriter) await this.writer?.stop();
    // the group only ever held a membership, no offsets; do not leave it behind
    const admin = this.opts.kafka.admin();
    await admin.connect().then(() => admin.deleteGroups([`kamf-taskstore-${this.instanceId}`])).catch(() => {});
    await admin.disconnect().catch(() => {});
  }

  private apply(snap: TaskSnapshot, remote: boolean): boolean {
    if (!this.advance(snap.task.id, snap.savedAt)) return false;
    const owner = snap.owner ?? 'unknown';
    this.view.put(snap.task, snap.tenant, owner);
    this.index(snap.task, snap.savedAt, owner, snap.tenant);
    this.emit(snap.task.id, () => snap.task, owner, remote, snap.tenant);
    return true;
  }

  /** False when the store already holds this task at `savedAt` or later (a late or repeated snapshot). */
  private advance(taskId: string, savedAt: number): boolean {
    if ((this.savedAt.get(taskId) ?? -1) >= savedAt) return false;
    this.savedAt.set(taskId, savedAt);
    return true;
  }

  /** Remembers which task each user message went into (redelivered requests are answered from it). */
  private index(task: Pick<Task, 'id' | 'history'>, savedAt: number, owner: string, tenant: string | undefined): void {
    for (const m of task.history ?? []) {
      if (m.role === 1 /* ROLE_USER */ && m.messageId && !this.byMessageId.has(m.messageId)) {
        this.byMessageId.set(m.messageId, { taskId: task.id, owner, firstSeenAt: savedAt, ...(tenant ? { tenant } : {}) });
      }
    }
  }

  /**
   * Tells listeners; the task object is made only when a listener reads it (the one that is always there, remote
   * cancels, looks at remote updates only), and then once for all of them.
   */
  private emit(taskId: string, task: () => Task, owner: string, remote: boolean, tenant: string | undefined): void {
    if (this.events.listenerCount('update') === 0) return;
    let made: Task | undefined;
    const update: TaskUpdate = {
      taskId,
      get task() {
        return (made ??= task());
      },
      owner,
      remote,
      ...(tenant ? { tenant } : {}),
    };
    this.events.emit('update', update);
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const writer = this.writer;
    if (!writer) throw new KamfError('A2A_TASK_STORE_NOT_STARTED', 'KafkaTaskStore.save before start()', { details: { topic: this.topic } });
    const id = task.id;
    const savedAt = Math.max(Date.now(), (this.savedAt.get(id) ?? 0) + 1);
    const owner = ownerOf(context);
    const head = { owner, savedAt, ...(context.tenant ? { tenant: context.tenant } : {}) };
    // encoded before the first await, once, for both the view and the record: the SDK changes `task` in place after
    // save returns, and an encoding costs less than the structuredClone it replaces
    let body = encodeBody('Task', toAvro('Task', task));
    const indexed = indexOf(task);
    const userMessages = { id, history: task.history?.filter((m) => m.role === 1) ?? [] };
    let value = await this.opts.codec.encodeTaskSnapshotOfBody(this.topic, head, body);
    // the snapshot's span is a child of the executor run that saved it, and its record carries that context
    const span = tracingOn() ? startSpan(`send ${this.topic}`, SpanKind.PRODUCER, { [ATTR.messagingSystem]: 'kafka', [ATTR.operationType]: 'send', [ATTR.operationName]: 'snapshot', [ATTR.destination]: this.topic, [ATTR.a2aTaskId]: id }) : undefined;
    const headers: Record<string, string> = span ? { [HEADERS.writer]: this.instanceId, ...traceHeaders(span) } : { [HEADERS.writer]: this.instanceId };
    if (value.length > writer.maxRecordBytes / 2) {
      // a snapshot must fit in one record: the stream carried large artifacts whole, the store keeps what fits
      body = encodeBody('Task', toAvro('Task', withinBudget(taskOfBody(body), Math.floor(writer.maxRecordBytes / 4))));
      value = await this.opts.codec.encodeTaskSnapshotOfBody(this.topic, head, body);
    }
    const key = this.keyOf(id);
    // a snapshot still waiting in the writer's queue is replaced by this one: a short task's submitted, working and
    // completed snapshots of one turn go out as one record (the topic is compacted to the latest anyway)
    const { written, superseded } = writer.writeLatest(this.topic, key, { key, value, headers });
    if (span) written.then(() => endSpan(span), (err: unknown) => endSpan(span, err));
    if (!superseded) {
      this.echoes.set(key, (this.echoes.get(key) ?? 0) + 1);
      // a write that fails is never read back: do not let its count hide a later snapshot of another writer
      written.catch(() => this.ownEcho({ key: Buffer.from(key), headers: { [HEADERS.writer]: this.instanceId } }));
    }
    const before = this.unwritten.get(context);
    const all = before ? Promise.all([before, written]).then(() => undefined) : written;
    all.catch(() => {}); // surfaced by settled(): a write that fails is the request's failure, not the process's
    this.unwritten.set(context, all);
    if (this.advance(id, savedAt)) {
      this.view.putBody(indexed, body, context.tenant, owner);
      this.index(userMessages, savedAt, owner, context.tenant);
      this.emit(id, () => taskOfBody(body), owner, false, context.tenant);
      this.writerOf.set(id, this.instanceId);
    }
  }

  /**
   * Resolves once every snapshot saved under this call context so far is written; rejects when one could not be
   * (the server stopped first). The server awaits it before a request's offset may be committed.
   */
  settled(context: ServerCallContext): Promise<void> {
    return this.unwritten.get(context) ?? Promise.resolve();
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    return this.view.get(taskId, context.tenant, ownerOf(context));
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.view.list(params, context.tenant, ownerOf(context));
  }

  /** Tasks held in memory (all scopes). */
  get size(): number {
    return this.view.size;
  }

  /** The task a user message started or continued, for answering redelivered requests without running them again. */
  async findByMessageId(messageId: string, caller: ServerCallContext): Promise<{ task: Task; context: ServerCallContext; firstSeenAt: number } | undefined> {
    const ref = this.byMessageId.get(messageId);
    // another user's (or tenant's) message id is not a duplicate of this one: never answer with their task
    if (!ref || ref.owner !== ownerOf(caller) || (ref.tenant ?? undefined) !== (caller.tenant ?? undefined)) return undefined;
    const context = contextFor(ref.tenant, ref.owner);
    const task = this.view.get(ref.taskId, ref.tenant, ref.owner);
    return task ? { task, context, firstSeenAt: ref.firstSeenAt } : undefined;
  }

  /**
   * Waits until the task settles for a turn first seen at `since` (see `settledSince`), following snapshots as
   * they arrive. Resolves undefined when nothing about the task changes for `idleMs`: whoever ran it is gone.
   */
  waitForSettled(taskId: string, since: number, context: ServerCallContext, idleMs: number): Promise<Task | undefined> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      const finish = (t: Task | undefined) => {
        clearTimeout(timer);
        off();
        resolve(t);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(undefined), idleMs);
      };
      const off = this.onUpdate((u) => {
        if (u.taskId !== taskId) return;
        if (settledSince(u.task, since)) finish(u.task);
        else arm(); // still moving: someone is working on it
      });
      arm();
      void this.load(taskId, context).then((t) => t && settledSince(t, since) && finish(t));
    });
  }

  onUpdate(listener: (u: TaskUpdate) => void): () => void {
    this.events.on('update', listener);
    return () => this.events.off('update', listener);
  }
}
