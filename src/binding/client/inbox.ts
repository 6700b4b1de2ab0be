/**
 * The reply side of one client instance: its own reply topic (`a2a.replies.<instance>`, one partition) read by its
 * own consumer group, so no instance reads anyone else's replies and a rebalance elsewhere cannot take them away.
 * Records are routed to waiting calls by correlation id.
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { KamfError } from '../../core/errors.js';
import type { A2ACodec } from '../../codec/index.js';
import type { A2AResponse } from '../../codec/mapping/envelopes.js';
import { HEADERS, clientReplyTopic, readHeaders } from '../protocol.js';

export interface ReplySink {
  /** `responder`: the agent that answered (header kamf-responder), for requests fanned out to several agents. */
  push(response: A2AResponse, responder?: string): void;
  fail(err: Error): void;
}

export class ReplyInbox {
  readonly topic: string;
  private consumer?: Consumer;
  private readonly sinks = new Map<string, ReplySink>();
  readonly stats = { received: 0, orphaned: 0, undecodable: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: A2ACodec,
    readonly instanceId: string,
    private readonly retentionMs = 3_600_000,
  ) {
    this.topic = clientReplyTopic(instanceId);
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(this.retentionMs) }] }],
      });
    } finally {
      await admin.disconnect();
    }
    await this.codec.register(this.topic, 'A2AResponse');
    this.consumer = this.kafka.consumer({ groupId: `kamf-client-${this.instanceId}`, maxWaitTimeInMs: 20, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    // the topic is new and ours alone, so reading from the beginning loses nothing and replays nothing
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()));
    // no commits: the topic is private to this instance and read from the start, so its offsets are never used,
    // and each commit would hold the fetch loop for the coordinator's append linger (5 ms on Kafka 4.1)
    // a batch at a time: kafkajs' per-message loop awaits a heartbeat and a commit check after every reply
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) await this.deliver(message);
      },
    });
    await joined;
  }

  private async deliver(message: KafkaMessage): Promise<void> {
    this.stats.received++;
    const headers = readHeaders(message.headers as Record<string, unknown>);
    const correlationId = headers[HEADERS.correlationId] ?? message.key?.toString();
    const sink = correlationId ? this.sinks.get(correlationId) : undefined;
    if (!sink) {
      this.stats.orphaned++; // the call timed out or was aborted before its reply arrived
      return;
    }
    try {
      sink.push(await this.codec.decodeA2AResponse(message.value!), headers[HEADERS.responder]);
    } catch (err) {
      this.stats.undecodable++;
      sink.fail(err as Error);
    }
  }

  register(correlationId: string, sink: ReplySink): () => void {
    this.sinks.set(correlationId, sink);
    return () => this.sinks.delete(correlationId);
  }

  get pending(): number {
    return this.sinks.size;
  }

  async stop(deleteTopic = true): Promise<void> {
    for (const sink of this.sinks.values()) sink.fail(new KamfError('A2A_CLIENT_CLOSED', 'the Kafka A2A client was closed before the reply arrived'));
    this.sinks.clear();
    await this.consumer?.disconnect();
    if (!deleteTopic) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([`kamf-client-${this.instanceId}`]).catch(() => {});
      await admin.deleteTopics({ topics: [this.topic] }).catch(() => {});
    } finally {
      await admin.disconnect();
    }
  }
}
