/**
 * The embedded engine's one way to write to Kafka: an idempotent producer with one produce request in flight at a
 * time. Batches queued while a request is in flight go out together in the next one.
 *
 * - **Transient failures are retried, never dead-lettered.** A batch that fails for a transient reason (broker
 *   restarting, leader moving, connection lost before the answer) is sent again, unchanged, with backoff, until it
 *   is written or the engine stops. As the resent request has the same composition on the same idempotent
 *   producer, and nothing else is sent in between, a batch the broker wrote before its answer was lost is
 *   recognised by the broker as a duplicate instead of being appended twice (Flink's sink restarts from its
 *   checkpoint instead; both keep at-least-once without the duplicates a plain retry makes).
 * - **Refused records are the caller's.** A record Kafka refuses for what it is (too large, invalid) rejects with
 *   `RefusedWrite`, so the caller can dead-letter it; an authorization failure rejects with `FatalWrite`.
 * - Records without a key get a partition before their first attempt, so a retry sends them where the first try did.
 * - **Sizes are checked before sending.** A record above its topic's `max.message.bytes` is refused before it joins
 *   a request, and a request holds at most that many bytes per topic: a refusal by the broker would fail the other
 *   partitions of the request too, and kafkajs then rewinds their sequence numbers although some were written.
 */
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { KamfError } from '../../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, recordBytes } from '../../core/record-size.js';

export interface WriteRecord {
  topic: string;
  message: Message;
}

/** Kafka refused these records for what they are: retrying cannot help. */
export class RefusedWrite extends KamfError {
  constructor(message: string, cause: unknown) {
    super('ROUTER_PRODUCE_FAILED', message, { cause });
  }
}

/** The router cannot write at all (e.g. not authorized): the engine fails. */
export class FatalWrite extends KamfError {
  constructor(message: string, cause: unknown) {
    super('KAFKA_ERROR', message, { cause, hint: 'Check the router principal\'s WRITE permission on its sink and DLQ topics.' });
  }
}

const REFUSED = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION', 'INVALID_REQUIRED_ACKS', 'UNSUPPORTED_FOR_MESSAGE_FORMAT']);
const FATAL = new Set(['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED']);

/** The Kafka error type anywhere in a kafkajs error chain (retries-exceeded wraps the last cause). */
export function kafkaErrorTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (err == null || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  return [...(e.type ? [e.type] : []), ...kafkaErrorTypes(e.cause, seen), ...kafkaErrorTypes(e.originalError, seen), ...(e.errors ?? []).flatMap((x) => kafkaErrorTypes(x, seen))];
}

/** The producer's sequence numbers no longer match the broker's: the producer must be replaced. */
const SEQUENCE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

export function classifyWriteError(err: unknown): 'refused' | 'fatal' | 'sequence' | 'transient' {
  const types = kafkaErrorTypes(err);
  if (types.some((t) => FATAL.has(t))) return 'fatal';
  if (types.some((t) => REFUSED.has(t))) return 'refused';
  if (types.some((t) => SEQUENCE.has(t))) return 'sequence';
  return 'transient';
}

export interface SerialWriterOptions {
  kafka: Kafka;
  /** Records per produce request, at most (whole queued batches are never split). Default 2000. */
  maxRecords?: number;
  /** True once the engine stops: transient failures are no longer retried. */
  stopping: () => boolean;
  log?: (line: string) => void;
  /** Called on every retry of a produce request. */
  onRetry?: () => void;
  /** First and largest backoff between two attempts of one request, ms. Default 100 and 2000. */
  backoffMs?: { initial: number; max: number };
}

interface Pending {
  records: WriteRecord[];
  /** Bytes per topic. */
  bytes: Map<string, number>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SerialWriter {
  private producer?: Producer;
  private admin?: Admin;
  private queue: Pending[] = [];
  private inFlight = false;
  private readonly partitions = new Map<string, number>();
  private readonly limits = new Map<string, number>();
  private readonly roundRobin = new Map<string, number>();
  readonly stats = { requests: 0, retries: 0, replaced: 0 };

  constructor(private readonly opts: SerialWriterOptions) {}

  async start(): Promise<void> {
    // idempotent: the broker drops a resent batch it already has; kafkajs serialises a broker's requests for it
    this.producer = this.opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
  }

  /** Resolves once Kafka has every record (acks=all); rejects with RefusedWrite, FatalWrite, or at stop. */
  async write(records: WriteRecord[]): Promise<void> {
    const bytes = new Map<string, number>();
    for (const { topic, message } of records) {
      const size = recordBytes(message);
      const limit = this.limits.get(topic) ?? (await this.limitOf(topic));
      if (size > limit) throw new RefusedWrite(`a record of ${size} bytes for ${topic} is above its limit of ${limit} bytes (max.message.bytes)`, undefined);
      bytes.set(topic, (bytes.get(topic) ?? 0) + size);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  /** The next request: arrival order, at most `maxRecords` records and the topic's limit in bytes per topic. */
  private take(): Pending[] {
    const max = this.opts.maxRecords ?? 2000;
    const batch: Pending[] = [];
    const perTopic = new Map<string, number>();
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0) {
        if (n + next.records.length > max) break;
        let fits = true;
        for (const [topic, b] of next.bytes) if ((perTopic.get(topic) ?? 0) + b > (this.limits.get(topic) ?? DEFAULT_MAX_RECORD_BYTES)) fits = false;
        if (!fits) break;
      }
      this.queue.shift();
      batch.push(next);
      n += next.records.length;
      for (const [topic, b] of next.bytes) perTopic.set(topic, (perTopic.get(topic) ?? 0) + b);
    }
    return batch;
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queue.length > 0) await this.sendWithRetry(this.take());
    } finally {
      this.inFlight = false;
    }
  }

  private async sendWithRetry(batch: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.pinPartitions(batch); // pins only what has no partition yet
        await this.send(batch);
        for (const p of batch) p.resolve();
        return;
      } catch (err) {
        const kind = classifyWriteError(err);
        const msg = (err as Error).message;
        if (kind === 'fatal') return this.rejectAll(batch, new FatalWrite(`The router may not write: ${msg}`, err));
        if (kind === 'refused' || kind === 'sequence') {
          // the other partitions of the request may have been written while kafkajs rewound all their sequence
          // numbers: only a fresh producer can go on (those records may then be written twice; the size checks
          // above keep this path for what they cannot foresee)
          this.opts.log?.(`produce refused (${msg}); starting a fresh producer, some records of this request may be written twice`);
          await this.replaceProducer();
          if (kind === 'sequence') continue;
          if (batch.length > 1) {
            for (const p of batch) await this.sendWithRetry([p]);
            return;
          }
          return this.rejectAll(batch, new RefusedWrite(`Kafka refused the record: ${msg}`, err));
        }
        if (this.opts.stopping()) return this.rejectAll(batch, new KamfError('ROUTER_PRODUCE_FAILED', `The router stopped before these records were written: ${msg}`, { cause: err }));
        this.stats.retries++;
        this.opts.onRetry?.();
        const { initial, max } = this.opts.backoffMs ?? { initial: 100, max: 2000 };
        const wait = Math.min(max, initial * 2 ** Math.min(attempt, 10));
        this.opts.log?.(`produce of ${batch.reduce((n, p) => n + p.records.length, 0)} record(s) failed (${msg}); retrying in ${wait} ms`);
        await sleep(wait);
      }
    }
  }

  private async replaceProducer(): Promise<void> {
    this.stats.replaced++;
    const old = this.producer;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.start();
        break;
      } catch (err) {
        if (this.opts.stopping()) throw err;
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
    await old?.disconnect().catch(() => {});
  }

  /** The topic's record limit (`max.message.bytes`), read once; Kafka's default when it cannot be read. */
  private async limitOf(topic: string): Promise<number> {
    const known = this.limits.get(topic);
    if (known !== undefined) return known;
    let limit = DEFAULT_MAX_RECORD_BYTES;
    try {
      const admin = await this.adminClient();
      const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['max.message.bytes'] }] });
      const v = Number(res.resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
      if (Number.isFinite(v) && v > 0) limit = v;
    } catch {
      // not allowed to describe the topic: assume Kafka's default, and let the broker refuse what is above it
    }
    this.limits.set(topic, limit);
    return limit;
  }

  private async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.opts.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  private rejectAll(batch: Pending[], err: unknown): void {
    for (const p of batch) p.reject(err);
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      for (const { topic, message } of p.records) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
    }
    this.stats.requests++;
    await this.producer!.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /** A record without key nor partition gets one now (round robin), so a resend composes the same request. */
  private async pinPartitions(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      for (const r of p.records) {
        if (r.message.key != null || r.message.partition !== undefined) continue;
        const count = this.partitions.get(r.topic) ?? (await this.partitionCount(r.topic));
        const next = this.roundRobin.get(r.topic) ?? 0;
        this.roundRobin.set(r.topic, next + 1);
        r.message.partition = next % count;
      }
    }
  }

  private async partitionCount(topic: string): Promise<number> {
    const meta = await (await this.adminClient()).fetchTopicMetadata({ topics: [topic] });
    const count = Math.max(1, meta.topics[0]?.partitions.length ?? 1);
    this.partitions.set(topic, count);
    return count;
  }

  get queued(): number {
    return this.queue.length;
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }
}
