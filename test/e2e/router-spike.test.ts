/**
 * Spike: 200,000 requests land on a2a.ingress while the agent behind them is slow.
 *
 * - The router (pipelines/router.ts, embedded engine, in a child process with a capped heap) keeps its memory under
 *   the bound stated below: the spike waits in Kafka, not in the router.
 * - Nothing is lost: every ingress record is routed (records in = records out + dead letters).
 * - A high-priority request sent in the middle of the spike completes long before the backlog drains: the router
 *   puts it on agent.data.requests.high, and the agent (served with lanes ['high', '']) gives it the next free slot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Task } from '@a2a-js/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh } from '../../src/binding/mesh.js';
import { HEADERS } from '../../src/binding/protocol.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import type { A2ARequest } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { testConfig, testEndpoints } from '../support/infra.js';

const N = 200_000;
/** The bound this test states: the router's resident memory may grow at most this much over its idle baseline. */
const RSS_GROWTH_BOUND_MB = 150;
/** ...and its V8 old space is capped: a router that buffered the spike would die of it. */
const HEAP_CAP_MB = 128;
/** Each backlog request keeps the agent busy this long; 4 slots -> 8 requests/s: the backlog takes hours. */
const BACKLOG_WORK_MS = 500;
const AGENT_SLOTS = 4;

const id = randomUUID().slice(0, 6);
const P = `spike-${id}.`;
let router: ChildProcess | undefined;
let agent: RunningAgent | undefined;
let rt: KafkaClientRuntime | undefined;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await rt?.close().catch(() => {});
  if (router && router.exitCode === null) router.kill('SIGKILL');
  await agent?.stop(1000).catch(() => {});
  // the spike's copies are ~200 MB on the shared broker: drop them
  const mesh = connectMesh(testConfig());
  const admin = mesh.kafka.admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(P));
  await admin.deleteTopics({ topics: mine }).catch(() => {});
  await admin.disconnect();
}, 60_000);

describe('router spike', () => {
  it(`${N} requests on a2a.ingress: bounded router memory, nothing lost, a high-priority request overtakes the backlog`, { timeout: 420_000 }, async () => {
    const config = testConfig();
    const mesh = connectMesh(config);
    const ingress = `${P}a2a.ingress`;
    // agents answer only under the reply prefix (kamf-reply-to is checked)
    const replies = `a2a.replies.${P}replies`;
    await ensureTopics(mesh.kafka, [
      { name: ingress, partitions: 6, compacted: false },
      { name: replies, partitions: 1, compacted: false },
    ]);

    // the slow agent `data`, with a high and a normal lane
    const executor = new SlowExecutor();
    agent = await serveAgent({
      config,
      mesh,
      name: 'data',
      description: 'slow data agent (spike test)',
      skills: [{ id: 'work', name: 'Work', description: 'works' }],
      executor,
      concurrency: AGENT_SLOTS,
      partitions: 6,
      lanes: ['high', ''],
      requestTopic: `${P}agent.data.requests`,
      groupId: `${P}agent.data`,
      topics: { tasks: `${P}a2a.tasks`, dlq: `${P}a2a.dlq`, registry: `${P}agent.registry` },
    });

    // the router in a child process, so its memory is its own
    const e = testEndpoints();
    let out = '';
    const stats: Array<Record<string, number>> = [];
    router = spawn(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', 'tsx', pkgPath('pipelines', 'router.ts')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: e.brokers.join(','),
        SCHEMA_REGISTRY_URL: e.registryUrl,
        KAMF_TOPIC_PREFIX: P,
        KAMF_DLQ_TOPIC: `${P}a2a.dlq`,
        KAMF_ROUTER_STATS_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    router.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('stats ') || l.startsWith('final ')) stats.push(JSON.parse(l.slice(l.indexOf(' ') + 1)));
    });
    router.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const ready = Date.now() + 60_000;
    while (!out.includes('router ready')) {
      if (router.exitCode !== null || Date.now() > ready) throw new Error(`router did not start:\n${out}`);
      await sleep(100);
    }
    const pid = router.pid!;
    await sleep(1500);
    const baseline = rssMb(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      if (router?.exitCode === null) peak = Math.max(peak, rssMb(pid));
    }, 200);

    rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000, retries: 0 });
    const viaRouter = await rt.clientFactory().createFromAgentCard(
      kafkaAgentCard({ name: 'data', description: 'data through the router', skills: [], brokers: mesh.endpoints.brokers, topic: ingress }),
    );

    // the spike: N requests for `data` on the normal lane, produced as fast as this process can
    const producer = mesh.kafka.producer();
    await producer.connect();
    const t0 = Date.now();
    let highSentAt = 0;
    let highDoneAt = 0;
    let high: Promise<Task> | undefined;
    const BATCH = 2000;
    for (let b = 0; b < N / BATCH; b++) {
      const messages = await Promise.all(
        Array.from({ length: BATCH }, async (_, j) => {
          const i = b * BATCH + j;
          const requestId = `${id}-${i}`;
          const request: A2ARequest = {
            requestId,
            method: 'SEND_MESSAGE',
            params: {
              tenant: '',
              message: { messageId: requestId, contextId: `c-${i}`, taskId: '', role: 1, parts: [textPart(`work ${BACKLOG_WORK_MS}`)], metadata: undefined, extensions: [], referenceTaskIds: [] },
              configuration: undefined,
              metadata: undefined,
            },
          };
          return {
            key: `c-${i}`,
            value: await mesh.codec.encodeA2ARequest(ingress, request),
            headers: { [HEADERS.correlationId]: requestId, [HEADERS.replyTo]: replies, [HEADERS.version]: '1.0', [HEADERS.method]: 'SEND_MESSAGE', [HEADERS.target]: 'data' },
          };
        }),
      );
      await producer.send({ topic: ingress, messages });
      if (b === N / BATCH / 2) {
        // in the middle of the spike: one high-priority request through the SDK client
        highSentAt = Date.now();
        const message = { messageId: `high-${id}`, contextId: `high-${id}`, taskId: '', role: 1, parts: [textPart('work 100')], metadata: undefined, extensions: [], referenceTaskIds: [] };
        high = (viaRouter.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }, { serviceParameters: { 'kamf-priority': 'high' } }) as Promise<Task>).then((t) => {
          highDoneAt = Date.now();
          return t;
        });
      }
    }
    await producer.disconnect();
    const producedIn = Date.now() - t0;

    const highTask = await high!;
    expect(highTask.status?.state).toBe(3);
    const highLatency = highDoneAt - highSentAt;

    // wait until the router has routed the whole spike
    const admin = mesh.kafka.admin();
    await admin.connect();
    const count = async (t: string) => (await admin.fetchTopicOffsets(t).catch(() => [])).reduce((s, o) => s + Number(o.high), 0);
    const total = await count(ingress);
    expect(total).toBe(N + 1);
    const routedBy = Date.now() + 240_000;
    let routed = 0;
    while (Date.now() < routedBy) {
      const offsets = await admin.fetchOffsets({ groupId: `${P}kamf-router`, topics: [ingress] });
      routed = offsets[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      if (routed >= total) break;
      await sleep(500);
    }
    const routedIn = Date.now() - t0;
    clearInterval(sampler);
    const normal = await count(`${P}agent.data.requests`);
    const highLane = await count(`${P}agent.data.requests.high`);
    const unroutable = await count(`${P}a2a.unroutable`);
    const dead = await count(`${P}a2a.dlq`);

    // backlog drain: what the agent finished so far, at its measured rate
    const completed = executor.completions.size;
    const agentRate = completed / ((Date.now() - t0) / 1000);
    const drainEstimateS = (normal - completed) / Math.max(agentRate, 0.001);

    router.kill('SIGTERM');
    await new Promise((r) => router!.once('exit', r));
    const final = (stats.at(-1) ?? {}) as Record<'consumed' | 'produced' | 'deadLettered' | 'filtered' | 'peakInFlight' | 'maxInFlight' | 'pauses', number>;
    await admin.disconnect();
    console.info(
      `router-spike: produced ${N} in ${(producedIn / 1000).toFixed(1)} s, routed all in ${(routedIn / 1000).toFixed(1)} s; ` +
        `router RSS baseline ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (+${(peak - baseline).toFixed(0)} MB, bound +${RSS_GROWTH_BOUND_MB} MB, heap cap ${HEAP_CAP_MB} MB); ` +
        `peak in flight ${final.peakInFlight} of ${final.maxInFlight}, ${final.pauses} pauses; ` +
        `high-priority request done in ${highLatency} ms; agent ${agentRate.toFixed(1)} req/s -> backlog of ${normal - completed} drains in ~${(drainEstimateS / 3600).toFixed(1)} h`,
    );

    expect(routed).toBe(total);
    // nothing lost: every ingress record is on an agent lane, unroutable, or dead-lettered
    expect(normal + highLane + unroutable + dead).toBeGreaterThanOrEqual(total);
    expect(highLane).toBe(1);
    expect(unroutable).toBe(0);
    expect(dead).toBe(0);
    expect(final.consumed).toBeGreaterThanOrEqual(total);
    expect(final.produced + final.deadLettered + final.filtered).toBe(final.consumed);
    // memory stayed bounded, and the router survived its heap cap
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(final.peakInFlight).toBeLessThanOrEqual(final.maxInFlight + 1);
    // the high-priority request overtook a backlog that is nowhere near drained (relative, not a wall-clock bound)
    expect(drainEstimateS * 1000).toBeGreaterThan(highLatency * 10);
    expect(normal - completed).toBeGreaterThan(N / 2);
  });
});
