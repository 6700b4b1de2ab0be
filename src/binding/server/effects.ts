/**
 * The server's one way to write to Kafka: replies, task snapshots, answered markers and dead letters all go through
 * an `EffectWriter`. It exists for three guarantees (docs/kafka-binding.md §8):
 *
 * - **Nothing is dropped.** A batch that fails for a transient reason (broker restarting, leader moving) is sent
 *   again, unchanged, with backoff, until it is written or the server stops. The request's offset waits for it.
 *   The batch is resent on the same idempotent producer with the same composition, so a batch the broker did
 *   write before its answer was lost is recognised as a duplicate, not appended twice.
 * - **One bad destination does not hold up the others.** A record for a topic that does not exist, whose name is
 *   illegal or that is larger than the cluster accepts is refused before it joins a batch (`UndeliverableError`),
 *   so it never fails or delays the records of other callers it would have shared a produce request with.
 * - **Records of one request that must appear together go in one produce request** (`writeAll`): the reply and
 *   its answered marker.
 *
 * kafkajs has no linger: while one produce request is in flight, new records queue and go out together in the next.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { KamfError, type KamfErrorCode } from '../../core/errors.js';
import { isUnknownTopicError } from '../../core/batching-producer.js';
import { DEFAULT_MAX_RECORD_BYTES, recordBytes } from '../../core/record-size.js';

const LEGAL_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** Why a record could not be written: its destination or its size, never a transient fault. */
export class UndeliverableError extends KamfError {
  constructor(
    code: KamfErrorCode,
    message: string,
    readonly reason: 'missing-topic' | 'illegal-topic' | 'too-large',
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { details });
  }
}

export function isLegalTopic(topic: string): boolean {
  return LEGAL_TOPIC.test(topic) && topic !== '.' && topic !== '..';
}

export interface EffectWriterOptions {
  kafka: Kafka;
  /** The largest record the destination topics accept. Default 1 MiB + 12 (Kafka's default). */
  maxRecordBytes?: number;
  /** Topics the writer checks for existence before writing (reply topics come and go with their callers). */
  checkExistence?: (topic: string) => boolean;
  /** True once the server is stopping: transient failures are no longer retried. */
  stopping?: () => boolean;
  /** Where failures the writer retries are reported (one line each). */
  log?: (line: string) => void;
  /** First and largest backoff between two attempts of one batch, ms. Default 100 and 2000. */
  backoffMs?: { initial: number; max: number };
}

interface Pending {
  records: Array<{ topic: string; message: Message }>;
  /** Each record's size against the record limit, measured once when it was queued. */
  sizes: number[];
  /** Set for a record written with `writeLatest` while it waits in the queue: a later version replaces it. */
  slot?: string;
  written?: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EffectWriter {
  private producer?: Producer;
  private queue: Pending[] = [];
  private inFlight = false;
  private scheduled = false;
  /** Queued `writeLatest` records by topic and key, until a batch takes them. */
  private readonly latest = new Map<string, Pending>();
  /** Topics this producer has written to: when one disappears its metadata goes bad and the producer is replaced. */
  private readonly used = new Set<string>();
  private readonly known: TopicDirectory;
  readonly maxRecordBytes: number;
  readonly stats = { batches: 0, retries: 0, refused: 0, replaced: 0, superseded: 0 };

  constructor(private readonly opts: EffectWriterOptions) {
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.known = new TopicDirectory(opts.kafka, () => this.opts.stopping?.() ?? false);
  }

  async start(): Promise<void> {
    this.producer = await this.newProducer();
  }

  private async newProducer(): Promise<Producer> {
    const p = this.opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    return p;
  }

  /** Writes one record; resolves once Kafka has it (acks=all). Rejects with UndeliverableError, or at stop. */
  write(topic: string, message: Message): Promise<void> {
    return this.writeAll([{ topic, message }]);
  }

  /**
   * Writes the latest version of a keyed record (a task snapshot): while an earlier version of the same key still
   * waits in the queue, the new one takes its place instead of queuing behind it, so a short task's snapshots of
   * one event-loop turn reach the topic as one record. `superseded` is true when it replaced a queued version
   * (both callers then share one write). A compacted topic keeps only the latest per key anyway.
   */
  writeLatest(topic: string, key: string, message: Message): { written: Promise<void>; superseded: boolean } {
    const slot = `${topic}\u0000${key}`;
    const queued = this.latest.get(slot);
    if (queued) {
      try {
        queued.sizes[0] = this.checkSize(topic, message);
      } catch (err) {
        return { written: Promise.reject(err), superseded: true }; // refused; the queued version stays
      }
      queued.records[0] = { topic, message };
      this.stats.superseded++;
      return { written: queued.written!, superseded: true };
    }
    return { written: this.enqueue([{ topic, message }], undefined, slot), superseded: false };
  }

  /** Throws UndeliverableError when `topic` is not a legal name or (for checked topics) does not exist. */
  async checkDestination(topic: string): Promise<void> {
    if (!isLegalTopic(topic)) {
      this.stats.refused++;
      throw new UndeliverableError('A2A_REPLY_UNDELIVERABLE', `"${topic.slice(0, 300)}" is not a legal topic name`, 'illegal-topic', { topic: topic.slice(0, 300) });
    }
    if (this.opts.checkExistence?.(topic) && !(await this.known.exists(topic))) {
      this.stats.refused++;
      throw new UndeliverableError('A2A_REPLY_UNDELIVERABLE', `topic ${topic} does not exist`, 'missing-topic', { topic });
    }
  }

  /** Throws UndeliverableError when the record is above the limit. */
  checkSize(topic: string, message: Pick<Message, 'key' | 'value' | 'headers'>): number {
    const size = recordBytes(message);
    if (size > this.maxRecordBytes) {
      this.stats.refused++;
      throw new UndeliverableError('A2A_RECORD_TOO_LARGE', `a record of ${size} bytes for ${topic} is above the limit of ${this.maxRecordBytes} bytes`, 'too-large', {
        topic,
        bytes: size,
        limit: this.maxRecordBytes,
      });
    }
    return size;
  }

  /** Writes records that belong together in one produce request, in order. */
  /**
   * `queued` is called once the records hold their place in the writer's order (before they are written): a caller
   * that only needs order, not the write itself, can go on preparing the next records.
   */
  writeAll(records: Array<{ topic: string; message: Message }>, queued?: () => void): Promise<void> {
    return this.enqueue(records, queued);
  }

  private async enqueue(records: Array<{ topic: string; message: Message }>, queued?: () => void, slot?: string): Promise<void> {
    const sizes: number[] = [];
    for (const { topic, message } of records) {
      sizes.push(this.checkSize(topic, message));
      await this.checkDestination(topic);
    }
    let pending!: Pending;
    const written = new Promise<void>((resolve, reject) => {
      pending = { records, sizes, resolve, reject, ...(slot ? { slot } : {}) };
      this.queue.push(pending);
      queued?.();
      if (!this.inFlight && !this.scheduled) {
        // linger for the rest of this turn of the event loop: a request's snapshots and its reply are queued within
        // a few microtasks of each other, and one produce request for all of them saves a round trip per record
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (!this.inFlight) void this.flush();
        });
      }
    });
    if (slot) {
      pending.written = written;
      this.latest.set(slot, pending);
    }
    return written;
  }

  /** The next batch: arrival order, at most `maxRecordBytes` per topic (a partition's records travel as one batch). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const perTopic = new Map<string, number>();
    while (this.queue.length > 0 && batch.length < 500) {
      const next = this.queue[0]!;
      const fits = next.records.every(({ topic }, i) => (perTopic.get(topic) ?? 0) + next.sizes[i]! <= this.maxRecordBytes);
      if (!fits && batch.length > 0) break;
      this.queue.shift();
      if (next.slot) this.latest.delete(next.slot);
      batch.push(next);
      next.records.forEach(({ topic }, i) => perTopic.set(topic, (perTopic.get(topic) ?? 0) + next.sizes[i]!));
    }
    return batch;
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queue.length > 0) {
        let batch = this.take();
        // a topic this producer wrote to is gone: its metadata would fail every later request, so start afresh
        if (await this.known.anyGone(this.used)) await this.replaceProducer();
        for (let attempt = 0; batch.length > 0; attempt++) {
          try {
            await this.send(batch);
            for (const p of batch) p.resolve();
            break;
          } catch (err) {
            if (isUnknownTopicError(err)) {
              // a destination vanished after its check: refuse its records, resend the rest on a fresh producer
              batch = await this.dropMissing(batch);
              await this.replaceProducer();
              continue;
            }
            if (this.opts.stopping?.()) {
              for (const p of batch) p.reject(new KamfError('A2A_EFFECT_UNWRITTEN', 'the server stopped before this record was written', { cause: err }));
              break;
            }
            this.stats.retries++;
            const { initial, max } = this.opts.backoffMs ?? { initial: 100, max: 2000 };
            const wait = Math.min(max, initial * 2 ** Math.min(attempt, 10));
            this.opts.log?.(`write of ${batch.length} effect(s) failed (${(err as Error).message}); retrying in ${wait} ms`);
            await sleep(wait);
          }
        }
      }
    } finally {
      this.inFlight = false;
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      for (const { topic, message } of p.records) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
        this.used.add(topic);
      }
    }
    this.stats.batches++;
    await this.producer!.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  private async dropMissing(batch: Pending[]): Promise<Pending[]> {
    const keep: Pending[] = [];
    for (const p of batch) {
      let missing: string | undefined;
      for (const { topic } of p.records) if (!(await this.known.exists(topic, true))) missing = topic;
      if (missing === undefined) keep.push(p);
      else {
        this.stats.refused++;
        p.reject(new UndeliverableError('A2A_REPLY_UNDELIVERABLE', `topic ${missing} does not exist`, 'missing-topic', { topic: missing }));
      }
    }
    return keep;
  }

  private async replaceProducer(): Promise<void> {
    this.stats.replaced++;
    const old = this.producer;
    for (;;) {
      try {
        this.producer = await this.newProducer();
        break;
      } catch (err) {
        if (this.opts.stopping?.()) throw err;
        await sleep(500);
      }
    }
    this.used.clear();
    await old?.disconnect().catch(() => {});
  }

  /** Records waiting for a produce request. */
  get queued(): number {
    return this.queue.length;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await this.known.stop();
  }
}

/**
 * Which topics exist, from the cluster's topic list (one metadata request for all topics, never per topic: a
 * kafkajs client that asked for a missing topic keeps asking). A topic seen recently is taken as existing; an
 * unknown one triggers a refresh, shared by everyone asking at the same time.
 */
class TopicDirectory {
  private topics = new Set<string>();
  private fetchedAt = 0;
  private refreshing?: Promise<void>;
  private admin?: ReturnType<Kafka['admin']>;

  constructor(
    private readonly kafka: Kafka,
    private readonly stopping: () => boolean,
    private readonly freshMs = 5000,
  ) {}

  async exists(topic: string, force = false): Promise<boolean> {
    if (!force && this.topics.has(topic) && Date.now() - this.fetchedAt < this.freshMs) return true;
    // a refresh that started after this question was asked answers it; an older one may predate the topic
    const asked = Date.now();
    while (this.fetchedAt < asked) await this.refresh();
    return this.topics.has(topic);
  }

  /** True when one of `used` is no longer listed (checked at most every `freshMs`). */
  async anyGone(used: Set<string>): Promise<boolean> {
    if (used.size === 0) return false;
    if (Date.now() - this.fetchedAt >= this.freshMs) await this.refresh().catch(() => {});
    for (const t of used) if (!this.topics.has(t)) return true;
    return false;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.fetch().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async fetch(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      try {
        if (!this.admin) {
          this.admin = this.kafka.admin();
          await this.admin.connect();
        }
        this.topics = new Set(await this.admin.listTopics());
        this.fetchedAt = started;
        return;
      } catch (err) {
        const admin = this.admin;
        this.admin = undefined;
        await admin?.disconnect().catch(() => {});
        if (this.stopping()) throw err;
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => {});
  }
}
