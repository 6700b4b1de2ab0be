/**
 * `kamf tail`: follow topics with a throwaway consumer group (from the end, or from the beginning), decode each
 * record and hand it on. Runs until the signal aborts, then leaves and deletes the group.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import { decodeRecord, type RecordView } from './records.js';
import { deleteGroup, toRawRecord } from './window.js';

export interface FollowOptions {
  kafka: Kafka;
  codec: A2ACodec;
  topics: readonly string[];
  fromBeginning?: boolean;
  signal: AbortSignal;
  onRecord: (v: RecordView) => void | Promise<void>;
  /** Called once the group has its partitions (records written after this are seen). */
  onReady?: () => void;
}

export async function follow(o: FollowOptions): Promise<void> {
  const groupId = `kamf-tail-${randomUUID()}`;
  const consumer = o.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    allowAutoTopicCreation: false,
  });
  try {
    await consumer.connect();
    for (const topic of o.topics) await consumer.subscribe({ topic, fromBeginning: !!o.fromBeginning });
    const ready = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (o.signal.aborted) return;
        await o.onRecord(await decodeRecord(o.codec, toRawRecord(topic, partition, message)));
      },
    });
    await Promise.race([ready, aborted(o.signal)]);
    if (!o.signal.aborted) o.onReady?.();
    await aborted(o.signal);
  } finally {
    await consumer.disconnect().catch(() => {});
    await deleteGroup(o.kafka, groupId);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
