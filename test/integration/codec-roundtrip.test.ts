/**
 * Codec against REAL infrastructure: for every record type, generated SDK values are encoded with
 * schemas registered in Apicurio (subject `<topic>-value`), produced to Kafka, consumed, decoded and
 * compared with the input. A second, cold serde decodes too, so the writer schema really comes from the
 * registry by id.
 */
import { randomBytes } from 'node:crypto';
import { Role, type Message } from '@a2a-js/sdk';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import fc from 'fast-check';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2ACodec, AvroSerde, RECORD_TYPES, getSchema, valueSubject, type RecordTypeName } from '../../src/codec/index.js';
import { arbitraries } from '../unit/codec/arbitraries.js';
import { testEndpoints } from '../support/infra.js';

// the run's shared broker and registry (test/support/global-setup.ts); never skipped
const { brokers: brokerList, registryUrl } = testEndpoints();
const brokers = brokerList.join(',');
const PER_TYPE = 25;

describe('codec round trip through Kafka + Apicurio', () => {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topicOf = (t: RecordTypeName) => `kamf-it.codec.${t}.${suffix}`;
  const kafka = new Kafka({ clientId: 'kamf-codec-it', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: registryUrl });
  const codec = new A2ACodec({ serde: new AvroSerde({ registry }) });
  const arbs = arbitraries({ large: false, maxItems: 2 });
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: RECORD_TYPES.map((t) => ({
        topic: topicOf(t),
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: String(8 * 1024 * 1024) }],
      })),
    });
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }, 30_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: RECORD_TYPES.map(topicOf) }).catch(() => undefined);
    await admin.disconnect();
    // best effort: drop this run's subjects (soft, then permanent delete)
    for (const t of RECORD_TYPES) {
      const url = `${registryUrl}/subjects/${encodeURIComponent(valueSubject(topicOf(t)))}`;
      await fetch(url, { method: 'DELETE' }).catch(() => undefined);
      await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
    }
  }, 30_000);

  it('every record type: encode (registry) → produce → consume → decode gives the input back', async () => {
    const sent = new Map<RecordTypeName, unknown[]>();
    for (const t of RECORD_TYPES) {
      const values: unknown[] = fc.sample(arbs.byRecordType[t] as fc.Arbitrary<unknown>, { numRuns: PER_TYPE, seed: 20251121 });
      if (t === 'Message') {
        // one record over 1 MB: Korean + emoji text and raw bytes
        const big: Message = {
          messageId: 'big',
          contextId: 'ctx',
          taskId: '',
          role: Role.ROLE_USER,
          parts: [
            { content: { $case: 'text', value: '대용량 메시지 🙂'.repeat(110_000) }, metadata: undefined, filename: '', mediaType: '' },
            { content: { $case: 'raw', value: randomBytes(64 * 1024) }, metadata: { k: '값' }, filename: 'r.bin', mediaType: '' },
          ],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        };
        values.push(big);
      }
      sent.set(t, values);
      const encoded = await Promise.all(values.map((v) => codec.encode(topicOf(t), t, v as never)));
      await producer!.send({ topic: topicOf(t), messages: encoded.map((value, i) => ({ key: String(i), value })) });
    }

    // the schemas are registered under <topic>-value and the frames carry their ids
    for (const t of RECORD_TYPES) {
      const id = await registry.getRegistryIdBySchema(valueSubject(topicOf(t)), { type: 'AVRO' as never, schema: getSchema(t).text });
      expect(await codec.serde.schemaId(valueSubject(topicOf(t)), t)).toBe(id);
    }

    const received = new Map<RecordTypeName, Buffer[]>(RECORD_TYPES.map((t) => [t, []]));
    const total = [...sent.values()].reduce((n, v) => n + v.length, 0);
    let count = 0;
    consumer = kafka.consumer({ groupId: `kamf-codec-it-${suffix}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: RECORD_TYPES.map(topicOf), fromBeginning: true });
    const byTopic = new Map(RECORD_TYPES.map((t) => [topicOf(t), t]));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${count}/${total} records in 40 s`)), 40_000);
      void consumer!.run({
        eachMessage: async ({ topic, message }) => {
          received.get(byTopic.get(topic)!)!.push(message.value!);
          if (++count === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });

    const cold = new A2ACodec({ serde: new AvroSerde({ registry: new SchemaRegistry({ host: registryUrl }) }) });
    for (const t of RECORD_TYPES) {
      const bufs = received.get(t)!;
      const values = sent.get(t)!;
      expect(bufs.length).toBe(values.length);
      for (let i = 0; i < bufs.length; i++) {
        expect(await codec.decode(t, bufs[i]!)).toStrictEqual(values[i]);
        expect(await cold.decode(t, bufs[i]!)).toStrictEqual(values[i]);
      }
    }
  }, 60_000);
});
