/**
 * The load client of one comparison case, in its own process: sends `n` requests with a fixed number in flight
 * (after a warm-up) and reports every latency and its own CPU time. Streaming cases time the first event.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message } from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import type { IHeaders } from 'kafkajs';
import { KafkaClientRuntime, agentInterfaceUrl, connectMesh } from '../../src/binding/index.js';
import { createKafka, ensureTopics, loadConfig, resolveEndpoints } from '../../src/core/index.js';
import { cpuMs, maxRssMb, type CaseName, type ToChild, type ToDriver } from './protocol.js';
import { platformaticCaller } from './raw-platformatic.js';
import { nativeCaller } from './raw-native.js';
import { driveConcurrently } from '../stats.js';

const send = (m: ToDriver) => process.send!(m);
const mode = process.argv[2] as CaseName;
const target = JSON.parse(process.argv[3]!) as { card?: AgentCard; requests?: string; ingress?: string };
const config = loadConfig();
const id = randomUUID().slice(0, 8);
/** About the size of an encoded SendMessage request of the A2A cases, so the raw floor moves the same bytes. */
const RAW_RECORD_BYTES = 220;

/** One call; a stream resolves to the time to its first event, which is its latency. */
type Call = (i: number) => Promise<number | void>;
let close: () => Promise<void> = async () => {};

const message = (i: number): Message => ({
  messageId: randomUUID(),
  contextId: `c-${id}-${i}`,
  taskId: '',
  role: 1,
  parts: [{ content: { $case: 'text', value: `bench ${i}` }, mediaType: 'text/plain', filename: '', metadata: undefined }],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

async function rawCall(): Promise<Call> {
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: `bench-raw-client-${id}` });
  const replies = `bench.raw.replies.${id}`;
  await ensureTopics(kafka, [{ name: replies, partitions: 1, compacted: false }]);
  const waiting = new Map<string, () => void>();
  const consumer = kafka.consumer({ groupId: `bench-raw-client-${id}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: replies, fromBeginning: false });
  await consumer.run({ autoCommit: false, eachMessage: async ({ message: m }) => waiting.get(String(m.headers?.c))?.() });
  await new Promise((r) => setTimeout(r, 1000)); // the inbox joins its group before the first request
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(RAW_RECORD_BYTES, 7);
  close = async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
  return async (i) => {
    const c = `${id}-${i}-${randomUUID()}`;
    const done = new Promise<void>((resolve) => waiting.set(c, resolve));
    const headers: IHeaders = { c, r: replies };
    await producer.send({ topic: target.requests!, messages: [{ key: c, value, headers }] });
    await done;
    waiting.delete(c);
  };
}

/** The raw floor on another Kafka client (a yardstick), over a reply topic of its own. */
type OtherCaller = (brokers: string[], id: string, requests: string, replies: string, bytes: number) => Promise<{ call: (c: string) => Promise<void>; close: () => Promise<void> }>;
async function otherClientCall(tag: string, caller: OtherCaller): Promise<Call> {
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: `bench-${tag}-admin-${id}` });
  const replies = `bench.${tag}.replies.${id}`;
  await ensureTopics(kafka, [{ name: replies, partitions: 1, compacted: false }]);
  const c = await caller(resolveEndpoints(config).brokers, id, target.requests!, replies, RAW_RECORD_BYTES);
  close = c.close;
  return (i) => c.call(`${id}-${i}-${randomUUID()}`);
}

async function a2aClient(): Promise<Client> {
  if (mode === 'http' || mode === 'http-stream') return new ClientFactory().createFromAgentCard(target.card!);
  const mesh = connectMesh(config, undefined, `bench-client-${id}`);
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
  close = () => rt.close();
  const card = target.ingress
    ? { ...target.card!, supportedInterfaces: target.card!.supportedInterfaces.map((i) => ({ ...i, url: agentInterfaceUrl(mesh.endpoints.brokers, target.ingress!) })) }
    : target.card!;
  return rt.clientFactory().createFromAgentCard(card);
}

async function a2aCall(): Promise<Call> {
  const client = await a2aClient();
  if (mode.endsWith('-stream')) {
    // the latency of a streaming call is the time to its first event; the rest is drained, not timed
    return async (i) => {
      const s = performance.now();
      const stream = client.sendMessageStream({ tenant: '', message: message(i), configuration: undefined, metadata: undefined });
      await stream.next();
      const first = performance.now() - s;
      for await (const _ of stream) void _;
      return first;
    };
  }
  return async (i) => {
    await client.sendMessage({ tenant: '', message: message(i), configuration: undefined, metadata: undefined });
  };
}

/** Untimed calls at `inFlight` until both `ms` have passed and `requests` were sent. */
async function warm(call: Call, inFlight: number, ms: number, requests: number): Promise<ToDriver> {
  const until = performance.now() + ms;
  let sent = 0;
  do {
    const chunk = Math.max(50, inFlight * 4);
    await driveConcurrently(chunk, inFlight, call);
    sent += chunk;
  } while (performance.now() < until || sent < requests);
  return { type: 'warmed', requests: sent };
}

async function runLevel(call: Call, inFlight: number, n: number): Promise<ToDriver> {
  // `inFlight` workers each keep one request outstanding until the count is sent
  const c0 = cpuMs();
  const t0 = performance.now();
  const latencies = await driveConcurrently(n, inFlight, call);
  return { type: 'level', inFlight, latenciesMs: latencies, seconds: (performance.now() - t0) / 1000, cpuMs: cpuMs() - c0, maxRssMb: maxRssMb() };
}

const call = await (mode === 'raw' ? rawCall() : mode === 'raw-platformatic' ? otherClientCall('pk', platformaticCaller) : mode === 'raw-native' ? otherClientCall('native', nativeCaller) : a2aCall()).catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? String(err) });
  process.exit(1);
});
send({ type: 'ready', target: {} });
process.on('message', async (m: ToChild) => {
  try {
    if (m.type === 'warm') send(await warm(call, m.inFlight, m.ms, m.requests));
    if (m.type === 'run') send(await runLevel(call, m.inFlight, m.n));
    if (m.type === 'usage') send({ type: 'usage', cpuMs: cpuMs(), maxRssMb: maxRssMb() });
    if (m.type === 'stop') {
      await close().catch(() => {});
      process.exit(0);
    }
  } catch (err) {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
  }
});
