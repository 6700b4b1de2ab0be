/**
 * Coalesces concurrent sends into one produce request: while a request is in flight, new messages queue up and
 * go out together in the next one. kafkajs has no linger, so without this every awaited send is its own round
 * trip, and one in-flight request (what ordering needs) caps throughput at one message per round trip.
 * Order is preserved: batches go out one at a time, messages in arrival order.
 *
 * A topic that disappears (a client deleted its reply topic on close) poisons a kafkajs producer: it keeps the
 * topic in its metadata and every later request fails. With `recreate`, a batch that fails that way is retried on
 * a fresh producer one topic at a time, so only the messages for the missing topic fail.
 */
import type { Message, Producer } from 'kafkajs';

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface BatchingProducerOptions {
  maxBatch?: number;
  acks?: number;
  /** Builds (and connects) a replacement producer; the old one is disconnected. */
  recreate?: () => Promise<Producer>;
}

export function isUnknownTopicError(err: unknown): boolean {
  const e = err as { type?: string; message?: string; cause?: unknown; errors?: unknown[] };
  if (e?.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i.test(e?.message ?? '')) return true;
  return [e?.cause, ...(e?.errors ?? [])].some((c) => c !== undefined && c !== err && isUnknownTopicError(c));
}

export class BatchingProducer {
  private queue: Pending[] = [];
  private inFlight = false;
  private readonly maxBatch: number;
  private readonly acks: number;

  constructor(
    private producer: Producer,
    private readonly options: BatchingProducerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.acks = options.acks ?? -1;
  }

  send(topic: string, message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  private group(batch: Pending[]): Map<string, Pending[]> {
    const byTopic = new Map<string, Pending[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic);
      if (list) list.push(p);
      else byTopic.set(p.topic, [p]);
    }
    return byTopic;
  }

  private async sendGroups(groups: Array<[string, Pending[]]>): Promise<void> {
    await this.producer.sendBatch({ acks: this.acks, topicMessages: groups.map(([topic, ps]) => ({ topic, messages: ps.map((p) => p.message) })) });
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const groups = [...this.group(batch)];
      try {
        await this.sendGroups(groups);
        for (const p of batch) p.resolve();
      } catch (err) {
        if (!this.options.recreate || !isUnknownTopicError(err)) {
          for (const p of batch) p.reject(err);
          continue;
        }
        await this.replaceProducer();
        for (const group of groups) {
          try {
            await this.sendGroups([group]);
            for (const p of group[1]) p.resolve();
          } catch (e) {
            for (const p of group[1]) p.reject(e);
            if (isUnknownTopicError(e)) await this.replaceProducer(); // forget the missing topic again
          }
        }
      }
    }
    this.inFlight = false;
  }

  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = await this.options.recreate!();
    await old.disconnect().catch(() => {});
  }

  /** The producer in use (it changes after a recovery). */
  get current(): Producer {
    return this.producer;
  }

  get queued(): number {
    return this.queue.length;
  }
}
