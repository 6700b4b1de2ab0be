/**
 * The intake of the embedded engine: source tables grouped into consumers, the consume loop with pause/resume at
 * the in-flight bound, and per-partition offsets committed once every output of a record is written. Separate
 * because it is the only part that reads Kafka and the only part that decides what is committed.
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { KamfError } from '../../core/errors.js';
import { flowChannel, type RouterStats } from '../metrics.js';
import { LookupFollower } from '../lookup.js';
import { createRouterTopics } from './topics.js';
import type { RouterPlan, TablePlan } from '../plan.js';
import { PartitionWindow } from '../../core/partition-window.js';

/** A source record read and not yet fully written; `pending` counts its outstanding writes. */
export interface InFlight {
  topic: string;
  partition: number;
  offset: string;
  pending: number;
  message: KafkaMessage;
  /** Its partition's records in flight (set by the intake). */
  window?: PartitionWindow<SourceGroup, InFlight>;
  /** Every write done. */
  done?: boolean;
}

/** Source tables read by one consumer: same brokers, same group id. */
export interface SourceGroup {
  key: string;
  brokers: string[];
  groupId: string;
  tables: TablePlan[];
  topics: string[];
  consumer?: Consumer;
}

export interface IntakeOptions {
  plan: RouterPlan;
  kafkaFor: (brokers: string[]) => Kafka;
  stats: RouterStats;
  maxInFlight: number;
  /** Routes a record just read (already counted in flight); settles it through `ack`/`settle`. */
  route: (g: SourceGroup, tables: TablePlan[], record: InFlight) => void | Promise<void>;
  /** True once the engine stops reading for good (stopping or failed). */
  halted: () => boolean;
  /** The engine cannot go on (offsets cannot be committed, the start position cannot be set). */
  fail: (err: Error) => void;
  log?: (line: string) => void;
  /** Consecutive failed commit rounds before the engine fails. Default 10. */
  maxCommitFailures?: number;
  /** Missing source topics are created with this many partitions; undefined: they are not created. */
  createSourcePartitions?: number;
}

export class Intake {
  readonly groups: SourceGroup[] = [];
  private readonly windows = new Map<string, PartitionWindow<SourceGroup, InFlight>>();
  /** Partitions whose committable offset moved since the last commit. */
  private toCommit = new Set<PartitionWindow<SourceGroup, InFlight>>();
  private readonly lagByPartition = new Map<string, number>();
  private paused = false;
  private commitFailuresInARow = 0;

  private lookups?: LookupFollower;

  constructor(private readonly opts: IntakeOptions) {
    const plan = opts.plan;
    for (const name of plan.sources) {
      const t = plan.tables[name]!;
      const groupId = t.groupId ?? 'kamf-router';
      const key = `${t.brokers.join(',')}|${groupId}`;
      let g = this.groups.find((x) => x.key === key);
      if (!g) this.groups.push((g = { key, brokers: t.brokers, groupId, tables: [], topics: [] }));
      if (g.tables.length && g.tables[0]!.startup.mode !== t.startup.mode) {
        throw new KamfError('ROUTER_SQL_INVALID', `Tables ${g.tables[0]!.name} and ${t.name} share the consumer group ${groupId} but not 'scan.startup.mode'`);
      }
      g.tables.push(t);
      if (!g.topics.includes(t.topic)) g.topics.push(t.topic);
    }
  }

  async start(): Promise<void> {
    // lookup tables first: the first record routed already sees what they held when the router started
    if (this.opts.plan.lookups?.length) await (this.lookups = new LookupFollower({ plan: this.opts.plan, kafkaFor: this.opts.kafkaFor, log: this.opts.log, fail: this.opts.fail })).start();
    for (const g of this.groups) await this.startGroup(g);
  }

  private async startGroup(g: SourceGroup): Promise<void> {
    const kafka = this.opts.kafkaFor(g.brokers);
    // a group subscribed to a topic that does not exist yet fails its first fetch (UNKNOWN_TOPIC_OR_PARTITION)
    const partitions = this.opts.createSourcePartitions;
    if (partitions !== undefined) {
      const created = await createRouterTopics(kafka, g.topics.map((name) => ({ name, partitions })), 'source topics');
      if (created.length) this.opts.log?.(`created source topics ${created.join(', ')}`);
    }
    const consumer = kafka.consumer({ groupId: g.groupId, maxWaitTimeInMs: 50, sessionTimeout: 30_000, heartbeatInterval: 1000, maxBytesPerPartition: 256 * 1024 });
    g.consumer = consumer;
    await consumer.connect();
    const startup = g.tables[0]!.startup;
    const fromBeginning = startup.mode === 'earliest-offset' || (startup.mode === 'group-offsets' && startup.reset === 'earliest');
    for (const topic of g.topics) await consumer.subscribe({ topic, fromBeginning });
    if (startup.mode !== 'group-offsets') {
      // Flink's earliest-offset / latest-offset ignore committed offsets: seek once, on the first assignment
      let sought = false;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        if (sought) return;
        sought = true;
        void (async () => {
          const admin = kafka.admin();
          await admin.connect();
          try {
            for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
              const offs = await admin.fetchTopicOffsets(topic);
              for (const p of partitions) {
                const o = offs.find((x) => x.partition === p);
                if (o) consumer.seek({ topic, partition: p, offset: startup.mode === 'earliest-offset' ? o.low : o.high });
              }
            }
          } finally {
            await admin.disconnect();
          }
        })().catch((err: unknown) =>
          this.opts.fail(new KamfError('KAFKA_ERROR', `The router cannot set the start position (${startup.mode}) of group ${g.groupId}: ${(err as Error).message}`, { cause: err })),
        );
      });
    }
    const tablesByTopic = new Map<string, TablePlan[]>();
    for (const t of g.tables) tablesByTopic.set(t.topic, [...(tablesByTopic.get(t.topic) ?? []), t]);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const tables = tablesByTopic.get(batch.topic) ?? [];
        const lagKey = `${batch.topic}\u0000${batch.partition}`;
        const window = this.windowOf(g, batch.topic, batch.partition);
        let last: string | undefined;
        try {
          for (const message of batch.messages) {
            if (!isRunning() || isStale() || this.paused || this.opts.halted()) break;
            const routing = this.opts.route(g, tables, this.begin(window, message));
            if (routing) await routing;
            last = message.offset;
            if (this.opts.stats.inFlight >= this.opts.maxInFlight) this.pause();
          }
        } finally {
          // once per batch, not per record: kafkajs keeps one resolved offset per partition either way
          if (last !== undefined) {
            resolveOffset(last);
            this.lagByPartition.set(lagKey, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n));
          }
        }
        await heartbeat();
      },
    });
  }

  /** Counts a record in flight and opens its offset. */
  private begin(window: PartitionWindow<SourceGroup, InFlight>, message: KafkaMessage): InFlight {
    const record: InFlight = { topic: window.topic, partition: window.partition, offset: message.offset, pending: 0, message, window, done: false };
    const stats = this.opts.stats;
    stats.consumed++;
    stats.inFlight++;
    if (stats.inFlight > stats.peakInFlight) stats.peakInFlight = stats.inFlight;
    window.begin(record);
    return record;
  }

  private windowOf(g: SourceGroup, topic: string, partition: number): PartitionWindow<SourceGroup, InFlight> {
    const key = `${g.key}\u0000${topic}\u0000${partition}`;
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new PartitionWindow(g, topic, partition)));
    return w;
  }

  groupOf(topic: string): SourceGroup {
    return this.groups.find((g) => g.topics.includes(topic))!;
  }

  /** One write of the record is done (produced or dead-lettered); the last one settles it. */
  ack(record: InFlight, g?: SourceGroup): void {
    record.pending--;
    if (record.pending === 0) this.settle(g ?? record.window?.group ?? this.groupOf(record.topic), record);
  }

  /** The record is done: out of flight, its offset committable once those before it are. */
  settle(g: SourceGroup, record: InFlight): void {
    const stats = this.opts.stats;
    stats.inFlight--;
    const window = record.window ?? this.windowOf(g, record.topic, record.partition);
    if (window.finish(record)) this.toCommit.add(window);
    if (this.paused && stats.inFlight <= this.opts.maxInFlight / 2) this.resume();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.opts.stats.paused = true;
    this.opts.stats.pauses++;
    for (const g of this.groups) g.consumer?.pause(g.topics.map((topic) => ({ topic })));
    if (flowChannel.hasSubscribers) flowChannel.publish({ event: 'pause', inFlight: this.opts.stats.inFlight });
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.opts.stats.paused = false;
    for (const g of this.groups) g.consumer?.resume(g.topics.map((topic) => ({ topic })));
    if (flowChannel.hasSubscribers) flowChannel.publish({ event: 'resume', inFlight: this.opts.stats.inFlight });
  }

  /**
   * Commits the offsets whose records are fully written. A failed commit is kept (unless a later offset of the
   * partition replaced it) and tried again at the next round; after `maxCommitFailures` failed rounds in a row the
   * engine fails. Never swallowed: each failure is counted and logged.
   */
  async flushCommits(): Promise<void> {
    if (this.toCommit.size === 0) return;
    const entries = [...this.toCommit];
    this.toCommit = new Set();
    let failed: unknown;
    for (const g of this.groups) {
      const mine = entries.filter((w) => w.group === g);
      if (mine.length === 0 || !g.consumer) continue;
      try {
        await g.consumer.commitOffsets(mine.map((w) => ({ topic: w.topic, partition: w.partition, offset: w.committable()! })));
        this.opts.stats.committed += mine.length;
      } catch (err) {
        failed = err;
        this.opts.stats.commitFailures++;
        // tried again next round, with whatever offset the partition has reached by then
        for (const w of mine) this.toCommit.add(w);
        this.opts.log?.(`commit of ${mine.length} offset(s) for group ${g.groupId} failed (${(err as Error).message}); trying again`);
      }
    }
    if (failed === undefined) {
      this.commitFailuresInARow = 0;
      return;
    }
    if (++this.commitFailuresInARow >= (this.opts.maxCommitFailures ?? 10)) {
      this.opts.fail(
        new KamfError('KAFKA_ERROR', `The router cannot commit its offsets: ${this.commitFailuresInARow} attempts failed in a row (${(failed as Error).message})`, {
          cause: failed,
          hint: 'Check the consumer group and the router principal\'s READ permission on it; records are read again from the last committed offsets.',
        }),
      );
    }
  }

  /** Sum over the source partitions of (high watermark - next offset), as of the last fetch. */
  lag(): number {
    let lag = 0;
    for (const v of this.lagByPartition.values()) lag += Math.max(0, v);
    return lag;
  }

  /** Stops fetching (for a stop: not a backpressure pause, so nothing resumes it). */
  stopReading(): void {
    for (const g of this.groups) g.consumer?.pause(g.topics.map((topic) => ({ topic })));
  }

  async disconnect(): Promise<void> {
    for (const g of this.groups) await g.consumer?.disconnect().catch(() => {});
    await this.lookups?.stop();
  }
}
