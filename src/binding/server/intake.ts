/** The server's way in: one request consumer per lane, the shared concurrency slots, and offset commits. */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { laneLayout, PrioritySlots, TopicOffsets, type Lane } from './lanes.js';

export interface RequestIntakeOptions {
  kafka: Kafka;
  /** Request topics, highest priority first. */
  requestTopics: string[];
  /** Consumer group of the lowest lane; higher lanes derive theirs (see lanes.ts). */
  groupId: string;
  /** Requests running at once (and the bound on buffered work). */
  concurrency: number;
  /** How often finished requests' offsets are committed, ms. */
  commitIntervalMs: number;
  /** Runs before the first batch after (re)joining the group: another instance may have half-handled what comes. */
  catchUp: () => Promise<void>;
  /** Handles one record; its offset is committed once this settles. */
  handle: (topic: string, partition: number, message: KafkaMessage) => Promise<void>;
  /** True when the record is a control record, handled by this call (no slot, no `handle`). */
  control?: (message: KafkaMessage) => boolean;
}

/**
 * Work runs concurrently (bounded by `concurrency`, which is also what stops fetching: the batch loop waits for a
 * slot), and a partition's offset is committed only up to the oldest request still running.
 */
export class RequestIntake {
  // lanes (lanes.ts): slots go to the highest lane waiting; offsets are tracked per topic, as partitions repeat
  private readonly slots: PrioritySlots;
  private readonly offsets = new TopicOffsets();
  /** One consumer per lane (one in total without lanes); commits go through the consumer of the record's topic. */
  private readonly consumers = new Map<string, Consumer>();
  private readonly toCommit = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;
  private needsCatchUp = true;
  private committing = false;
  private stopped = false;
  /** Per partition: the high watermark of the last batch fetched, and the offset up to which requests finished. */
  private readonly positions = new Map<string, { topic: string; partition: number; highWatermark: number; done: number }>();

  constructor(private readonly opts: RequestIntakeOptions) {
    this.slots = new PrioritySlots(opts.concurrency);
  }

  /** True once stop() was called: no new records are taken. */
  get stopping(): boolean {
    return this.stopped;
  }

  async start(): Promise<void> {
    this.commitTimer = setInterval(() => void this.flushCommits(), this.opts.commitIntervalMs);
    // requestTopics are lanes, highest priority first: one consumer (and group) per lane, see lanes.ts
    for (const lane of laneLayout(this.opts.requestTopics, this.opts.groupId)) await this.startLane(lane);
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
        const position = this.position(batch.topic, batch.partition);
        position.highWatermark = Number(batch.highWatermark);
        if (position.done === 0 && batch.messages[0]) position.done = Number(batch.messages[0].offset); // where this instance started
        if (this.needsCatchUp) {
          this.needsCatchUp = false;
          await this.opts.catchUp();
        }
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.stopped) break;
          // a control record (a caller ending its stream) is handled at once: it must not wait behind the slots
          // that the streams it ends are holding
          if (this.opts.control?.(message)) {
            this.offsets.begin(batch.topic, batch.partition, message.offset);
            resolveOffset(message.offset);
            this.finish(batch.topic, batch.partition, message.offset);
            continue;
          }
          // a free slot is taken at once; only a full agent waits (and heartbeats while it waits)
          const release = this.slots.tryAcquire() ?? (await this.acquireSlot(heartbeat, lane.priority));
          this.offsets.begin(batch.topic, batch.partition, message.offset);
          resolveOffset(message.offset); // fetch position only; commits happen in finish()
          void this.opts.handle(batch.topic, batch.partition, message).then(
            () => {
              release();
              this.finish(batch.topic, batch.partition, message.offset);
            },
            // an effect of this request was never written (the server is stopping): its offset must not be
            // committed, nor any after it in this partition, so the request is delivered again
            () => release(),
          );
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
    if (commit !== undefined) {
      this.toCommit.set(`${topic}\u0000${partition}`, { topic, partition, offset: commit });
      this.position(topic, partition).done = Number(commit);
    }
  }

  private position(topic: string, partition: number) {
    const key = `${topic}\u0000${partition}`;
    let p = this.positions.get(key);
    if (!p) this.positions.set(key, (p = { topic, partition, highWatermark: 0, done: 0 }));
    return p;
  }

  /** Consumer lag per partition: records up to the last fetched high watermark whose requests have not finished. */
  lag(): Array<{ topic: string; partition: number; lag: number }> {
    return [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, lag: Math.max(0, p.highWatermark - Math.max(p.done, 0)) }));
  }

  /** Slots taken by running requests, and the bound. */
  get slotsInUse(): number {
    return this.slots.inUse;
  }

  /** Commits what finished, at most every `commitIntervalMs`: one OffsetCommit per interval, not one per request. */
  private async flushCommits(): Promise<void> {
    if (this.toCommit.size === 0 || this.consumers.size === 0) return;
    if (this.committing) return;
    this.committing = true;
    const offsets = [...this.toCommit.values()];
    this.toCommit.clear();
    try {
      for (const [topic, consumer] of this.consumers) {
        const mine = offsets.filter((o) => o.topic === topic);
        if (mine.length === 0) continue;
        try {
          await consumer.commitOffsets(mine);
        } catch (err) {
          // the partition moved: its new owner gets the records again and answers duplicates from the store
          if (/ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID|REBALANCE_IN_PROGRESS/.test(String((err as { type?: string }).type))) continue;
          // the broker is unreachable: try again with the next flush, unless a newer offset is waiting
          for (const o of mine) {
            const key = `${o.topic}\u0000${o.partition}`;
            const newer = this.toCommit.get(key);
            if (!newer || BigInt(newer.offset) < BigInt(o.offset)) this.toCommit.set(key, o);
          }
        }
      }
    } finally {
      this.committing = false;
    }
  }

  /**
   * Stops fetching, lets running requests finish (up to `graceMs`), commits, disconnects. Requests still running
   * after the grace period are not committed, so another instance picks them up.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.consumers.size === 0) return;
    for (const [topic, consumer] of this.consumers) consumer.pause([{ topic }]);
    const deadline = Date.now() + graceMs;
    while (this.slots.inUse > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(this.commitTimer);
    while (this.committing) await new Promise((r) => setTimeout(r, 10));
    await this.flushCommits();
    for (const consumer of this.consumers.values()) await consumer.disconnect();
  }
}
