/**
 * Coalesces concurrent sends into one produce request: while a request is in flight, new messages queue up and
 * go out together in the next one. kafkajs has no linger, so without this every awaited send is its own round
 * trip, and one in-flight request (what ordering needs) caps throughput at one message per round trip.
 * Order is preserved: batches go out one at a time, messages in arrival order.
 */
import type { Message, Producer } from 'kafkajs';

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BatchingProducer {
  private queue: Pending[] = [];
  private inFlight = false;

  constructor(
    private readonly producer: Producer,
    private readonly maxBatch = 500,
    private readonly acks = -1,
  ) {}

  send(topic: string, message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (!this.inFlight) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const byTopic = new Map<string, Message[]>();
      for (const p of batch) {
        const list = byTopic.get(p.topic);
        if (list) list.push(p.message);
        else byTopic.set(p.topic, [p.message]);
      }
      try {
        await this.producer.sendBatch({ acks: this.acks, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.inFlight = false;
  }

  get queued(): number {
    return this.queue.length;
  }
}
