/**
 * The embedded engine's delivery against the real broker, with faults injected on the router's own connections:
 *
 * - produce answers lost after the broker wrote the batch (the connection dies before the response): the engine
 *   retries, and its idempotent producer lets the broker drop the resent batches, so every sink holds each expected
 *   record exactly once, counted as a multiset; nothing is dead-lettered;
 * - a produce outage (every produce request fails, more than kafkajs' own retries): while it lasts, the group's
 *   committed offsets never pass a source record whose outputs are not in the sinks; when it ends, everything
 *   arrives, once;
 * - a record Kafka refuses (above the sink's max.message.bytes) is the only one dead-lettered; the records that
 *   shared its produce request are written once each, and nothing is retried.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { RxjsRouter, loadRoutingFile } from '../../src/router/index.js';
import { testEndpoints } from '../support/infra.js';

const PRODUCE = 0;
const fault = { dropAnswers: 0, outage: false, dropped: 0, refused: 0 };

/** Sockets to the real broker; produce requests can lose their answer or fail before they leave. */
const faultySockets: ISocketFactory = ({ host, port, onConnect }) => {
  const socket = net.connect({ host, port }, onConnect);
  let dropNext = false;
  const write = socket.write.bind(socket) as (chunk: Buffer, enc?: BufferEncoding) => boolean;
  socket.write = ((chunk: Buffer, enc?: BufferEncoding) => {
    if (Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === PRODUCE) {
      if (fault.outage) {
        fault.refused++;
        setImmediate(() => socket.destroy(new Error('injected: produce outage')));
        return true;
      }
      if (fault.dropAnswers > 0) {
        fault.dropAnswers--;
        dropNext = true;
      }
    }
    return write(chunk, enc);
  }) as typeof socket.write;
  const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => boolean;
  socket.emit = ((event: string, ...args: unknown[]) => {
    if (event === 'data' && dropNext) {
      // the broker has the batch; its answer never arrives
      dropNext = false;
      fault.dropped++;
      socket.destroy(new Error('injected: produce answer lost'));
      return true;
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket;
};

const id = randomUUID().slice(0, 6);
const P = `dlv-${id}.`;
const brokers = testEndpoints().brokers;
const plain = new Kafka({ clientId: 'kamf-test', brokers, logLevel: logLevel.NOTHING });
const SINKS = ['agent.data.requests', 'agent.data.requests.high', 'agent.cs.requests', 'agent.cs.requests.high', 'a2a.unroutable'].map((t) => P + t);
let router: RouterHandle | undefined;
type RouterHandle = RxjsRouter;
const stops: Array<() => Promise<void>> = [];

afterAll(async () => {
  await router?.stop(2000).catch(() => {});
  for (const s of stops) await s().catch(() => {});
});

/** Record i of the test: its headers and the sink topics routing.sql sends it to. */
function recordOf(i: number): { key: string | null; value: string; headers: Record<string, string>; sinks: string[] } {
  const target = i % 3 === 0 ? 'data,cs' : i % 7 === 0 ? 'nobody' : 'data';
  const high = i % 5 === 0;
  const headers: Record<string, string> = { 'kamf-target-agent': target, ...(high ? { 'kamf-priority': 'high' } : {}) };
  const lane = high ? '.high' : '';
  const sinks = target === 'nobody' ? [`${P}a2a.unroutable`] : target.split(',').map((a) => `${P}agent.${a}.requests${lane}`);
  return { key: i % 10 === 0 ? null : `k${i % 50}`, value: `v${i}`, headers, sinks };
}

/** Produces records [from, to) partition by partition; returns each record's source position. */
async function produce(from: number, to: number, partitions: number): Promise<Map<string, number[]>> {
  const producer = plain.producer();
  await producer.connect();
  const positions = new Map<string, number[]>(); // "partition:offset" -> record index
  for (let p = 0; p < partitions; p++) {
    const idx = [];
    for (let i = from; i < to; i++) if (i % partitions === p) idx.push(i);
    const [meta] = await producer.send({ topic: `${P}a2a.ingress`, acks: -1, messages: idx.map((i) => ({ partition: p, ...recordOf(i) })) });
    idx.forEach((i, n) => positions.set(`${p}:${Number(meta!.baseOffset) + n}`, [i]));
  }
  await producer.disconnect();
  return positions;
}

/** Every record of the sinks, as "topic value" strings (duplicates kept). */
async function collector(): Promise<{ seen: string[]; stop: () => Promise<void> }> {
  const seen: string[] = [];
  const consumer = plain.consumer({ groupId: `${P}collector`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  for (const topic of SINKS) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ topic, message }) => void seen.push(`${topic} ${message.value!.toString()}`) });
  const stop = () => consumer.disconnect();
  stops.push(stop);
  return { seen, stop };
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

describe('embedded engine delivery', () => {
  it('lost produce answers and a produce outage: each output exactly once, offsets never past unwritten outputs, no dead letters', async () => {
    const PARTS = 3;
    const WAVE1 = 1200;
    const N = 2400;
    const admin = plain.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    await ensureTopics(plain, [{ name: `${P}a2a.ingress`, partitions: PARTS, compacted: false }, ...SINKS.map((name) => ({ name, partitions: 3, compacted: false })), { name: `${P}a2a.dlq`, partitions: 1, compacted: false }]);
    const sinks = await collector();

    const plan = loadRoutingFile(pkgPath('flink-sql', 'routing.sql'), { KAFKA_BROKERS: brokers.join(','), KAMF_TOPIC_PREFIX: P });
    // kafkajs gives up after one retry, so the engine's own retry is what carries the records through
    const faulty = new Kafka({ clientId: 'kamf-router', brokers, socketFactory: faultySockets, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } });
    const log: string[] = [];
    router = new RxjsRouter({ plan, kafkaFor: () => faulty, dlqTopic: `${P}a2a.dlq`, createTopics: false, maxBatch: 100, commitIntervalMs: 50, log: (l) => log.push(l) });
    let failure: unknown;
    router.done.catch((err: unknown) => (failure = err));

    // wave 1: the answers of the first produce requests are lost after the broker wrote them
    fault.dropAnswers = 6;
    const positions = await produce(0, WAVE1, PARTS);
    await router.start();
    const expected1 = Array.from({ length: WAVE1 }, (_, i) => recordOf(i).sinks.map((s) => `${s} v${i}`)).flat();
    await waitFor('wave 1 in the sinks', () => sinks.seen.length >= expected1.length && router!.stats.inFlight === 0);
    expect(fault.dropped).toBe(6);
    expect(router.stats.retries).toBeGreaterThan(0);

    // wave 2 during an outage: nothing can be produced; the committed offsets must not pass unwritten outputs
    fault.outage = true;
    const refusedBefore = fault.refused;
    for (const [k, v] of await produce(WAVE1, N, PARTS)) positions.set(k, v);
    const retriesBefore = router.stats.retries;
    await waitFor('the outage to be met', () => router!.stats.consumed >= N && router!.stats.retries >= retriesBefore + 3).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify({ ...router!.snapshot(), fault, log: log.slice(-5) })}`);
    });
    await new Promise((r) => setTimeout(r, 300)); // several commit rounds during the outage
    const written = count(sinks.seen);
    const committed = (await admin.fetchOffsets({ groupId: `${P}kamf-router`, topics: [`${P}a2a.ingress`] }))[0]!.partitions;
    let checkedBelow = 0;
    for (const { partition, offset } of committed) {
      for (let o = 0; o < Number(offset); o++) {
        const [i] = positions.get(`${partition}:${o}`)!;
        for (const s of recordOf(i!).sinks) expect(written.get(`${s} v${i}`), `source ${partition}:${o} committed before its output to ${s}`).toBeGreaterThan(0);
        checkedBelow++;
      }
    }
    expect(checkedBelow).toBeGreaterThanOrEqual(WAVE1); // wave 1 was committed, wave 2 not yet
    expect(checkedBelow).toBeLessThan(N);
    expect(fault.refused).toBeGreaterThan(refusedBefore);
    expect(router.stats.deadLettered).toBe(0);

    // the outage ends: everything arrives, each expected output exactly once
    fault.outage = false;
    const expected = Array.from({ length: N }, (_, i) => recordOf(i).sinks.map((s) => `${s} v${i}`)).flat();
    await waitFor('all outputs', () => sinks.seen.length >= expected.length && router!.stats.inFlight === 0);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate arriving late would show here
    expect(count(sinks.seen)).toEqual(count(expected));
    expect(sinks.seen.length).toBe(expected.length);
    expect(router.stats.deadLettered).toBe(0);
    const dlq = await admin.fetchTopicOffsets(`${P}a2a.dlq`);
    expect(dlq.reduce((n, p) => n + Number(p.high), 0)).toBe(0);
    expect(failure).toBeUndefined();

    // and the committed offsets reach the end
    await waitFor('offsets committed to the end', async () => {
      const c = (await admin.fetchOffsets({ groupId: `${P}kamf-router`, topics: [`${P}a2a.ingress`] }))[0]!.partitions;
      return c.reduce((n, p) => n + Number(p.offset), 0) === N;
    });
  }, 120_000);

  it('a record the sink refuses as too large is dead-lettered alone; the others are written once, without retries', async () => {
    const Q = `dlv2-${id}.`;
    const admin = plain.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    await ensureTopics(plain, [{ name: `${Q}a2a.ingress`, partitions: 2, compacted: false }, { name: `${Q}a2a.dlq`, partitions: 1, compacted: false }]);
    // the data lane takes records of at most 200 kB; one request is 300 kB
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${Q}agent.data.requests`, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }] });
    const N = 300;
    const BIG = 150;
    const producer = plain.producer();
    await producer.connect();
    await producer.send({
      topic: `${Q}a2a.ingress`,
      acks: -1,
      messages: Array.from({ length: N }, (_, i) => ({ key: `k${i % 7}`, value: i === BIG ? Buffer.alloc(300_000, 7) : `v${i}`, headers: { 'kamf-target-agent': 'data' } })),
    });
    await producer.disconnect();

    const plan = loadRoutingFile(pkgPath('flink-sql', 'routing.sql'), { KAFKA_BROKERS: brokers.join(','), KAMF_TOPIC_PREFIX: Q });
    const r = new RxjsRouter({ plan, kafkaFor: () => plain, dlqTopic: `${Q}a2a.dlq`, createTopics: false, maxBatch: 500, commitIntervalMs: 50 });
    stops.push(() => r.stop(2000));
    await r.start();
    await waitFor('every record written or dead-lettered', () => r.stats.produced + r.stats.deadLettered >= N && r.stats.inFlight === 0);

    const read = async (topic: string, n: number) => {
      const got: Array<{ value: Buffer; headers: Record<string, string> }> = [];
      const c = plain.consumer({ groupId: `${Q}read-${topic}`, maxWaitTimeInMs: 50 });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => void got.push({ value: message.value!, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) }) });
      stops.push(() => c.disconnect());
      await waitFor(`${n} records on ${topic}`, () => got.length >= n);
      await new Promise((res) => setTimeout(res, 300));
      return got;
    };
    const written = await read(`${Q}agent.data.requests`, N - 1);
    const expected = Array.from({ length: N }, (_, i) => `v${i}`).filter((_, i) => i !== BIG);
    expect(count(written.map((m) => m.value.toString()))).toEqual(count(expected));
    const dead = await read(`${Q}a2a.dlq`, 1);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.value.length).toBe(300_000);
    expect(dead[0]!.headers['kamf-dlq-code']).toBe('ROUTER_PRODUCE_FAILED');
    expect(r.stats.deadLettered).toBe(1);
    expect(r.stats.produced).toBe(N - 1);
    expect(r.stats.retries).toBe(0);
  }, 60_000);
});
