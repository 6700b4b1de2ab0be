/**
 * The raw floor with @platformatic/kafka instead of kafkajs: the same produce → consume → produce → consume round
 * trip, record sizes and settings (acks=all, no commits in the loops), so the two clients compare side by side.
 * A yardstick only: KAMF's Kafka client stays kafkajs (docs/broker-settings.md, BENCHMARKS.md).
 */
import { Consumer, Producer, ProduceAcks, type Message, type MessageToProduce } from '@platformatic/kafka';

const header = (m: Message, name: string) => {
  for (const [k, v] of m.headers) if (k.toString() === name) return v;
  return undefined;
};

/** Echoes each record of `requests` to the topic in its `r` header, with its `c` header. */
export async function platformaticEcho(brokers: string[], id: string, requests: string): Promise<() => Promise<void>> {
  const producer = new Producer({ clientId: `bench-pk-server-${id}`, bootstrapBrokers: brokers, acks: ProduceAcks.ALL });
  const consumer = new Consumer({ clientId: `bench-pk-server-${id}`, groupId: `bench-pk-${id}`, bootstrapBrokers: brokers, maxWaitTime: 20 });
  const stream = await consumer.consume({ topics: [requests], mode: 'earliest', autocommit: false });
  // the records of one event-loop turn go out in one send, as the kafkajs echo sends each fetched batch at once
  const batch: MessageToProduce[] = [];
  stream.on('data', (m: Message) => {
    if (batch.length === 0) setImmediate(() => void producer.send({ messages: batch.splice(0) }));
    batch.push({ topic: header(m, 'r')?.toString() ?? '', key: m.key, value: m.value, headers: new Map([[Buffer.from('c'), header(m, 'c') ?? Buffer.alloc(0)]]) });
  });
  return async () => {
    await stream.close();
    await consumer.close();
    await producer.close();
  };
}

/** Sends one record to `requests` and resolves when its echo arrives on `replies`. */
export async function platformaticCaller(brokers: string[], id: string, requests: string, replies: string, bytes: number): Promise<{ call: (c: string) => Promise<void>; close: () => Promise<void> }> {
  const waiting = new Map<string, () => void>();
  const consumer = new Consumer({ clientId: `bench-pk-client-${id}`, groupId: `bench-pk-client-${id}`, bootstrapBrokers: brokers, maxWaitTime: 20 });
  const stream = await consumer.consume({ topics: [replies], mode: 'latest', autocommit: false });
  stream.on('data', (m: Message) => waiting.get(header(m, 'c')?.toString() ?? '')?.());
  await new Promise((r) => setTimeout(r, 1000)); // the inbox joins its group before the first request
  const producer = new Producer({ clientId: `bench-pk-client-${id}`, bootstrapBrokers: brokers, acks: ProduceAcks.ALL });
  const value = Buffer.alloc(bytes, 7);
  const rTopic = Buffer.from(replies);
  return {
    call: async (c) => {
      const done = new Promise<void>((resolve) => waiting.set(c, resolve));
      await producer.send({ messages: [{ topic: requests, key: Buffer.from(c), value, headers: new Map([[Buffer.from('c'), Buffer.from(c)], [Buffer.from('r'), rTopic]]) }] });
      await done;
      waiting.delete(c);
    },
    close: async () => {
      await stream.close();
      await consumer.close();
      await producer.close();
    },
  };
}
