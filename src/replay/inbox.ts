/**
 * Where the answers to re-injected requests come back: one long-lived reply topic for all replays
 * (`a2a.replies.kamf-replay`), read by a throwaway consumer group from the end offset it had when the replay
 * started, routed to waiting requests by correlation id.
 *
 * Why not a reply topic per run, deleted afterwards (as KafkaClientRuntime does)? kafkajs producers never forget a
 * topic they once wrote to: after it is deleted, every later metadata refresh of that producer fails with
 * UNKNOWN_TOPIC_OR_PARTITION, and the agent can no longer reply to any new reply topic. A replay must not break
 * the agents it replays into, so the topic stays (1 h retention) and only the group is deleted.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { HEADERS, readHeaders } from '../binding/protocol.js';
import type { A2ACodec, A2AResponse } from '../codec/index.js';
import { deleteGroup } from './window.js';

export const REPLAY_REPLY_TOPIC = 'a2a.replies.kamf-replay';

export interface ReplySink {
  push(response: A2AResponse, timestamp: number): void;
}

export class ReplayInbox {
  private consumer?: Consumer;
  private readonly sinks = new Map<string, ReplySink>();
  private readonly groupId = `kamf-replay-inbox-${randomUUID()}`;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: A2ACodec,
    readonly topic = REPLAY_REPLY_TOPIC,
    private readonly retentionMs = 3_600_000,
  ) {}

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let end: string;
    try {
      if (!(await admin.listTopics()).includes(this.topic)) {
        await admin
          .createTopics({
            waitForLeaders: true,
            topics: [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(this.retentionMs) }] }],
          })
          .catch(() => false); // created meanwhile by another replay
      }
      end = (await admin.fetchTopicOffsets(this.topic)).find((p) => p.partition === 0)?.high ?? '0';
    } finally {
      await admin.disconnect();
    }
    await this.codec.register(this.topic, 'A2AResponse');
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: 50,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()));
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const id = readHeaders(message.headers as Record<string, unknown>)[HEADERS.correlationId] ?? message.key?.toString();
        const sink = id ? this.sinks.get(id) : undefined;
        if (!sink || !message.value) return; // another replay's answer
        try {
          sink.push(await this.codec.decodeA2AResponse(message.value), Number(message.timestamp));
        } catch {
          // an undecodable answer counts as no answer
        }
      },
    });
    // start exactly where the topic ended before anything was sent, so no answer can be missed
    this.consumer.seek({ topic: this.topic, partition: 0, offset: end });
    await joined;
  }

  register(correlationId: string, sink: ReplySink): () => void {
    this.sinks.set(correlationId, sink);
    return () => this.sinks.delete(correlationId);
  }

  async stop(): Promise<void> {
    this.sinks.clear();
    await this.consumer?.disconnect().catch(() => {});
    await deleteGroup(this.kafka, this.groupId);
  }
}
