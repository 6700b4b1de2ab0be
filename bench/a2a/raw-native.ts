/**
 * The raw floor with @confluentinc/kafka-javascript, Confluent's client on librdkafka: the same produce → consume →
 * produce → consume round trip, record sizes and settings (acks=all, no commits in the loops) as the kafkajs floor.
 * A yardstick, installed on demand into `bench/native-client/` (bench/native-client.ts), not a dependency of KAMF.
 * Its consumers run the node-rdkafka API in flowing mode: its KafkaJS-compatible consumer wakes through a cache
 * and took about 1.7 ms from send to delivery here, against 0.4 ms in flowing mode.
 */
import { createRequire } from 'node:module';
import { pkgPath } from '../../src/core/index.js';

type Headers = Record<string, Buffer | string>;
interface NativeMessage {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Headers[];
}
interface NativeConsumer {
  connect(opts: object, cb: (err: Error | null) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  subscribe(topics: string[]): void;
  consume(): void;
  on(event: 'data', f: (m: NativeMessage) => void): void;
  disconnect(cb: () => void): void;
}
interface NativeProducer {
  connect(): Promise<void>;
  sendBatch(batch: { topicMessages: Array<{ topic: string; messages: Array<{ key?: Buffer | null; value: Buffer | null; headers?: Headers }> }> }): Promise<unknown>;
  disconnect(): Promise<void>;
}
/** The parts of the module this file uses, so the bench type-checks where the client is not installed. */
interface NativeModule {
  librdkafkaVersion: string;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => NativeConsumer;
  KafkaJS: { Kafka: new (conf: object) => { producer(conf: Record<string, unknown>): NativeProducer }; logLevel: { NOTHING: number } };
}

export const NATIVE_CLIENT_DIR = pkgPath('bench', 'native-client');

/** The module, or why it cannot be loaded. */
export function loadNativeClient(): { module: NativeModule; version: string } | { reason: string } {
  try {
    const require = createRequire(`${NATIVE_CLIENT_DIR}/package.json`);
    const module = require('@confluentinc/kafka-javascript') as NativeModule;
    const { version } = require('@confluentinc/kafka-javascript/package.json') as { version: string };
    return { module, version: `${version} (librdkafka ${module.librdkafkaVersion})` };
  } catch (err) {
    return { reason: (err as Error).message.split('\n')[0]! };
  }
}

function native(): NativeModule {
  const loaded = loadNativeClient();
  if ('reason' in loaded) throw new Error(`@confluentinc/kafka-javascript is not installed in bench/native-client: ${loaded.reason}`);
  return loaded.module;
}

const header = (m: NativeMessage, name: string): Buffer | undefined => {
  for (const h of m.headers ?? []) if (name in h) return Buffer.from(h[name]!);
  return undefined;
};

async function flowingConsumer(lib: NativeModule, brokers: string[], group: string, topic: string, from: 'earliest' | 'latest', onMessage: (m: NativeMessage) => void): Promise<NativeConsumer> {
  const consumer = new lib.KafkaConsumer(
    { 'group.id': group, 'metadata.broker.list': brokers.join(','), 'enable.auto.commit': false, 'fetch.wait.max.ms': 20, 'socket.nagle.disable': true },
    { 'auto.offset.reset': from },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(1000);
  consumer.subscribe([topic]);
  consumer.on('data', onMessage);
  consumer.consume();
  return consumer;
}

async function producer(lib: NativeModule, brokers: string[], clientId: string): Promise<NativeProducer> {
  // linger 0 as kafkajs sends at once (librdkafka's default lingers 5 ms); acks=all as in the kafkajs floor
  const kafka = new lib.KafkaJS.Kafka({ kafkaJS: { brokers, clientId, logLevel: lib.KafkaJS.logLevel.NOTHING } });
  const p = kafka.producer({ 'linger.ms': 0, acks: -1, 'socket.nagle.disable': true });
  await p.connect();
  return p;
}

const disconnect = (c: NativeConsumer) => new Promise<void>((resolve) => c.disconnect(() => resolve()));

/** Echoes each record of `requests` to the topic in its `r` header, with its `c` header. */
export async function nativeEcho(brokers: string[], id: string, requests: string): Promise<() => Promise<void>> {
  const lib = native();
  const out = await producer(lib, brokers, `bench-native-server-${id}`);
  // the records of one event-loop turn go out in one send, as the kafkajs echo sends each fetched batch at once
  const batch = new Map<string, Array<{ key?: Buffer | null; value: Buffer | null; headers: Headers }>>();
  const flush = () => void out.sendBatch({ topicMessages: [...batch].map(([topic, messages]) => ({ topic, messages })) }).catch((err: Error) => process.stderr.write(`native echo: ${err.message}\n`));
  const consumer = await flowingConsumer(lib, brokers, `bench-native-${id}`, requests, 'earliest', (m) => {
    if (batch.size === 0) setImmediate(() => (flush(), batch.clear()));
    const to = header(m, 'r')?.toString() ?? '';
    const list = batch.get(to) ?? [];
    list.push({ key: m.key ?? null, value: m.value, headers: { c: header(m, 'c') ?? '' } });
    batch.set(to, list);
  });
  return async () => {
    await disconnect(consumer);
    await out.disconnect();
  };
}

/** Sends one record to `requests` and resolves when its echo arrives on `replies`. */
export async function nativeCaller(brokers: string[], id: string, requests: string, replies: string, bytes: number): Promise<{ call: (c: string) => Promise<void>; close: () => Promise<void> }> {
  const lib = native();
  const waiting = new Map<string, () => void>();
  const consumer = await flowingConsumer(lib, brokers, `bench-native-client-${id}`, replies, 'latest', (m) => waiting.get(header(m, 'c')?.toString() ?? '')?.());
  await new Promise((r) => setTimeout(r, 1000)); // the inbox joins its group before the first request
  const out = await producer(lib, brokers, `bench-native-client-${id}`);
  const value = Buffer.alloc(bytes, 7);
  return {
    call: async (c) => {
      const done = new Promise<void>((resolve) => waiting.set(c, resolve));
      await out.sendBatch({ topicMessages: [{ topic: requests, messages: [{ key: Buffer.from(c), value, headers: { c, r: replies } }] }] });
      await done;
      waiting.delete(c);
    },
    close: async () => {
      await disconnect(consumer);
      await out.disconnect();
    },
  };
}
