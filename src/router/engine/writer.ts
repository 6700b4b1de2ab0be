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
 */
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { KamfError } from '../../core/errors.js';

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

export function classifyWriteError(err: unknown): 'refused' | 'fatal' | 'transient' {
  const types = kafkaErrorTypes(err);
  if (types.some((t) => FATAL.has(t))) return 'fatal';
  if (types.some((t) => REFUSED.has(t))) return 'refused';
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
  private readonly roundRobin = new Map<string, number>();
  readonly stats = { requests: 0, retries: 0 };

  constructor(private readonly opts: SerialWriterOptions) {}

  async start(): Promise<void> {
    // idempotent: the broker drops a resent batch it already has; kafkajs serialises a broker's requests for it
    this.producer = this.opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
  }

  /** Resolves once Kafka has every record (acks=all); rejects with RefusedWrite, FatalWrite, or at stop. */
  write(records: WriteRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  private take(): Pending[] {
    const max = this.opts.maxRecords ?? 2000;
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.records.length <= max)) {
      const p = this.queue.shift()!;
      batch.push(p);
      n += p.records.length;
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
        if (kind === 'refused') {
          if (batch.length > 1) {
            // one batch's record refused: send them one by one so only the refused ones are the caller's
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
    if (!this.admin) {
      this.admin = this.opts.kafka.admin();
      await this.admin.connect();
    }
    const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
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
