/**
 * Replay and analysis against real topics written by real agents: an echo agent (serveAgent) and the SDK Client
 * over KafkaClientRuntime. Covers time windows, filters, re-injection at a rate, trace of a multi-turn
 * conversation, stats percentiles checked against the test's own reading of the topics, diff, and the real CLI.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Message, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { TaskStates, artifactEvent, statusEvent, taskEvent, textOf, textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS, readHeaders } from '../../src/binding/protocol.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { pkgPath } from '../../src/core/paths.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import {
  REPLAY_REPLY_TOPIC,
  follow,
  formatLine,
  percentile,
  readViews,
  runDiff,
  runReplay,
  runStats,
  runTrace,
  type RecordView,
} from '../../src/replay/index.js';
import { testConfig, testEndpoints } from '../support/infra.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The target agent of replays and diffs: echoes like echo, but appends "!" to "B-1" and fails "B-2". */
class VariantExecutor implements AgentExecutor {
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const text = textOf(ctx.userMessage);
    bus.publish(taskEvent(ctx));
    if (text === 'B-2') bus.publish(statusEvent(ctx, TaskStates.failed, 'no'));
    else {
      const out = text === 'B-1' ? `${text}!` : text;
      bus.publish(artifactEvent(ctx, { artifactId: 'echo', parts: [textPart(out)] }));
      bus.publish(statusEvent(ctx, TaskStates.completed, out));
    }
    bus.finished();
  }
  async cancelTask(): Promise<void> {}
}

const suffix = randomUUID().slice(0, 6);
const topics = { tasks: `a2a.tasks.rp${suffix}`, dlq: `a2a.dlq.rp${suffix}`, registry: `agent.registry.rp${suffix}` };
const nameA = `echo-rp${suffix}`;
const nameB = `variant-rp${suffix}`;
const topicA = agentRequestTopic(nameA);
const topicB = agentRequestTopic(nameB);

let mesh: MeshConnection;
let agentA: RunningAgent;
let agentB: RunningAgent;
let rt: KafkaClientRuntime;
let clientA: Client;
let clientB: Client;

const message = (text: string, extra: Partial<Message> = {}): Message => ({
  messageId: randomUUID(),
  contextId: '',
  taskId: '',
  role: 1,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...extra,
});
const send = (client: Client, text: string, extra: Partial<Message> = {}) =>
  client.sendMessage({ tenant: '', message: message(text, extra), configuration: undefined, metadata: undefined }) as Promise<Task>;

// three groups of requests separated by pauses (the window tests replay the middle one)
const groups: Record<'A' | 'B' | 'C', { start: number; end: number; texts: string[] }> = {} as never;
let multiTurn: { contextId: string; taskId: string };

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  const skills = [{ id: 'echo', name: 'Echo', description: 'echoes' }];
  // one after the other: both create the shared tasks / dlq / registry topics
  agentA = await serveAgent({
    config,
    mesh,
    name: nameA,
    description: 'echo',
    skills,
    executor: new EchoExecutor(),
    partitions: 3,
    topics,
  });
  agentB = await serveAgent({
    config,
    mesh,
    name: nameB,
    description: 'variant',
    skills,
    executor: new VariantExecutor(),
    partitions: 2,
    topics,
  });
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000 });
  clientA = await rt.clientFactory().createFromAgentCard(agentA.card);
  clientB = await rt.clientFactory().createFromAgentCard(agentB.card);
  for (const [i, g] of (['A', 'B', 'C'] as const).entries()) {
    if (i > 0) await sleep(1200);
    const texts = [0, 1, 2].map((n) => `${g}-${n}`);
    const start = Date.now();
    for (const t of texts) await send(clientA, t);
    groups[g] = { start, end: Date.now(), texts };
  }
  await send(clientB, 'direct-to-b-1');
  await send(clientB, 'direct-to-b-2');
  const first = await send(clientA, 'greet');
  expect(first.status?.state).toBe(TaskStates.inputRequired);
  const second = await send(clientA, 'Ada', { contextId: first.contextId, taskId: first.id });
  expect(second.status?.state).toBe(TaskStates.completed);
  multiTurn = { contextId: first.contextId, taskId: first.id };
});

afterAll(async () => {
  await rt?.close();
  await Promise.allSettled([agentA?.stop(2000), agentB?.stop(2000)]);
});

const middle = () => ({
  from: { kind: 'time' as const, ms: Math.round((groups.A.end + groups.B.start) / 2) },
  to: { kind: 'time' as const, ms: Math.round((groups.B.end + groups.C.start) / 2) },
});

describe('replay over real agent topics', () => {
  it('a time window returns exactly the records produced in it', async () => {
    const r = await runReplay({ kafka: mesh.kafka, codec: mesh.codec, topics: [topicA], window: middle() });
    expect(r.records.map((v) => v.text).sort()).toEqual(groups.B.texts);
    for (const v of r.records) {
      expect(v.kind).toBe('request');
      expect(v.timestamp).toBeGreaterThanOrEqual(groups.B.start);
      expect(v.timestamp).toBeLessThanOrEqual(groups.B.end);
    }
    // offsets: the whole topic, from offset 0 on every partition to the end
    const all = await runReplay({ kafka: mesh.kafka, codec: mesh.codec, topics: [topicA], window: { from: { kind: 'offset', all: 0 } } });
    expect(all.records.filter((v) => /^[ABC]-\d$/.test(v.text ?? '')).length).toBe(9);
    expect(all.records.length).toBe(11); // + greet, Ada
  });

  it('filters by context id and by agent select exactly the matching records', async () => {
    const byContext = await runReplay({
      kafka: mesh.kafka,
      codec: mesh.codec,
      topics: [topicA, rt.inbox.topic, topics.tasks],
      window: {},
      filter: { contextId: multiTurn.contextId },
    });
    // the first turn ("greet") carried no context id yet; the second did; both replies and every snapshot carry it
    const kinds = byContext.records.map((v) => v.kind);
    expect(byContext.records.every((v) => v.contextId === multiTurn.contextId)).toBe(true);
    expect(byContext.records.filter((v) => v.kind === 'request').map((v) => v.text)).toEqual(['Ada']);
    expect(byContext.records.filter((v) => v.kind === 'reply').map((v) => v.state)).toEqual(['INPUT_REQUIRED', 'COMPLETED']);
    const allSnapshots = await runReplay({ kafka: mesh.kafka, codec: mesh.codec, topics: [topics.tasks], window: {} });
    const expectedSnapshots = allSnapshots.records.filter((v) => v.taskId === multiTurn.taskId).length;
    // at least one per turn (a turn's snapshots queued together go out as one record, the turn's last)
    expect(expectedSnapshots).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'snapshot').length).toBe(expectedSnapshots);

    const byAgent = await runReplay({
      kafka: mesh.kafka,
      codec: mesh.codec,
      topics: [topicA, topicB],
      window: {},
      filter: { agent: nameB },
    });
    expect(byAgent.records.map((v) => v.text).sort()).toEqual(['direct-to-b-1', 'direct-to-b-2']);
    expect(byAgent.records.every((v) => v.topic === topicB && v.agent === nameB)).toBe(true);
  });

  it('--into with --rate re-injects at about the rate, and the target agent answers every replayed request', async () => {
    const since = Date.now();
    const rate = 5;
    const r = await runReplay({
      kafka: mesh.kafka,
      codec: mesh.codec,
      topics: [topicA],
      window: { from: middle().from, to: { kind: 'time', ms: groups.C.end + 1 } },
      into: topicB,
      rate,
      waitMs: 15_000,
    });
    const inj = r.inject!;
    expect(inj.sent).toBe(6);
    expect(inj.answered).toBe(6);
    expect(inj.records.every((x) => x.outcome?.final && ['COMPLETED', 'FAILED'].includes(x.outcome.state ?? ''))).toBe(true);
    // what actually landed on the target topic, read back with the record timestamps
    const landed = (
      await readViews({ kafka: mesh.kafka, codec: mesh.codec, topics: [topicB], window: { from: { kind: 'time', ms: since } } })
    ).views;
    expect(landed).toHaveLength(6);
    const ts = landed.map((v) => v.timestamp).sort((a, b) => a - b);
    const observed = ((ts.length - 1) / (ts.at(-1)! - ts[0]!)) * 1000;
    expect(observed).toBeGreaterThan(rate * 0.5);
    expect(observed).toBeLessThan(rate * 1.5);
    const originals = new Set(r.records.map((v) => v.correlationId));
    for (const v of landed) {
      expect(v.replayOf).toMatch(new RegExp(`^${topicA.replaceAll('.', '\\.')}/\\d+/\\d+$`));
      expect(originals.has(v.correlationId)).toBe(false);
      expect(v.headers[HEADERS.correlationId]).toBe(v.correlationId);
      expect(v.replyTo).toBe(inj.replyTopic);
    }
    // answers came back on the replay's long-lived reply topic (never deleted: see src/replay/inbox.ts)
    expect(inj.replyTopic).toBe(REPLAY_REPLY_TOPIC);
  });

  it('trace of a multi-turn conversation lists every hop in order, and the hop latencies add up to the span', async () => {
    const scan = [topicA, rt.inbox.topic, topics.tasks];
    const t = await runTrace({ kafka: mesh.kafka, codec: mesh.codec, id: multiTurn.contextId, topics: scan });
    expect(t.requests.map((r) => r.text)).toEqual(['greet', 'Ada']);
    expect(t.requests.map((r) => r.state)).toEqual(['INPUT_REQUIRED', 'COMPLETED']);
    for (const r of t.requests) expect(r.lastReplyMs!).toBeGreaterThanOrEqual(r.firstReplyMs!);
    expect(t.events.filter((e) => e.kind === 'reply')).toHaveLength(2);
    expect(t.hops).toHaveLength(t.events.length - 1);
    for (let i = 1; i < t.events.length; i++) expect(t.events[i]!.at).toBeGreaterThanOrEqual(t.events[i - 1]!.at);
    expect(t.hops.reduce((n, h) => n + h.latencyMs, 0)).toBe(t.totalMs);
    expect(t.totalMs).toBe(t.end! - t.start!);
    const states = t.stateChanges.map((s) => s.state);
    expect(states.indexOf('INPUT_REQUIRED')).toBeLessThan(states.lastIndexOf('COMPLETED'));
    // the same conversation found from its task id
    const byTask = await runTrace({ kafka: mesh.kafka, codec: mesh.codec, id: multiTurn.taskId, topics: scan });
    expect(byTask.events.map((e) => `${e.topic}/${e.partition}/${e.offset}`)).toEqual(
      t.events.map((e) => `${e.topic}/${e.partition}/${e.offset}`),
    );
  });

  it('stats percentiles agree with the ones computed from the record timestamps read independently', async () => {
    const since = Date.now();
    const texts = [...Array.from({ length: 10 }, (_, i) => `s-${i}`), 'fail', 'fail', 'greet', 'greet'];
    await Promise.all(texts.map((t) => send(clientA, t)));
    const stats = await runStats({ kafka: mesh.kafka, codec: mesh.codec, since, topics: [topicA, rt.inbox.topic], agent: nameA });
    expect(stats.rows).toHaveLength(1);
    const row = stats.rows[0]!;
    expect(row).toMatchObject({ agent: nameA, skill: '-', requests: texts.length, answered: texts.length });
    expect(row.failureRate).toBeCloseTo(2 / 14, 3);
    expect(row.inputRequiredRate).toBeCloseTo(2 / 14, 3);
    expect(row.cancelRate).toBe(0);

    // independent reading: a plain consumer over both topics, latencies from record timestamps
    const requests = new Map<string, number>();
    const finals = new Map<string, number>();
    const consumer = mesh.kafka.consumer({ groupId: `stats-check-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicA, rt.inbox.topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message: m }) => {
        const ts = Number(m.timestamp);
        if (topic === topicA) {
          if (ts >= since) requests.set((await mesh.codec.decodeA2ARequest(m.value!)).requestId, ts);
        } else {
          const res = await mesh.codec.decodeA2AResponse(m.value!);
          if (res.endOfStream) finals.set(readHeaders(m.headers as Record<string, unknown>)[HEADERS.correlationId] ?? res.requestId, ts);
        }
      },
    });
    const deadline = Date.now() + 20_000;
    while ((requests.size < texts.length || [...requests.keys()].some((id) => !finals.has(id))) && Date.now() < deadline) await sleep(100);
    await consumer.disconnect();
    const lat = [...requests].map(([id, ts]) => finals.get(id)! - ts).sort((a, b) => a - b);
    expect(lat).toHaveLength(texts.length);
    expect([row.p50Ms, row.p95Ms, row.p99Ms]).toEqual([percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)]);
    const nearestRank = (p: number) => lat[Math.ceil((p / 100) * lat.length) - 1];
    expect([row.p50Ms, row.p95Ms, row.p99Ms]).toEqual([nearestRank(50), nearestRank(95), nearestRank(99)]);
  });

  it('diff replays the window into the other agent and compares state and text with the recorded answers', async () => {
    const d = await runDiff({
      kafka: mesh.kafka,
      codec: mesh.codec,
      source: topicA,
      target: topicB,
      window: middle(),
      replyTopics: [rt.inbox.topic],
      waitMs: 15_000,
    });
    const byText = Object.fromEntries(d.rows.map((r) => [r.request, r]));
    expect(Object.keys(byText).sort()).toEqual(groups.B.texts);
    expect(byText['B-0']).toMatchObject({
      verdict: 'same',
      recorded: { state: 'COMPLETED', text: 'B-0' },
      replayed: { state: 'COMPLETED', text: 'B-0' },
    });
    expect(byText['B-1']).toMatchObject({
      verdict: 'text-changed',
      sameState: true,
      recorded: { text: 'B-1' },
      replayed: { text: 'B-1!' },
    });
    expect(byText['B-2']).toMatchObject({ verdict: 'state-changed', recorded: { state: 'COMPLETED' }, replayed: { state: 'FAILED' } });
    expect(d.summary).toMatchObject({ requests: 3, same: 1, textChanged: 1, stateChanged: 1, transitions: { 'COMPLETED→FAILED': 1 } });
  });

  it('tail follows a topic decoded; a record that does not decode is one error line, and abort stops cleanly', async () => {
    const topic = `tail.rp${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: topic, partitions: 1, compacted: false }]);
    const producer = mesh.kafka.producer();
    await producer.connect();
    const value = await mesh.codec.encodeA2ARequest(topic, {
      requestId: 'r-1',
      method: 'GET_TASK',
      params: { id: 'task-1', tenant: '', historyLength: undefined },
    });
    await producer.send({ topic, messages: [{ value: Buffer.from('not avro at all') }, { value }] });
    await producer.disconnect();
    const stop = new AbortController();
    const seen: RecordView[] = [];
    await follow({
      kafka: mesh.kafka,
      codec: mesh.codec,
      topics: [topic],
      fromBeginning: true,
      signal: stop.signal,
      onRecord: (v) => {
        seen.push(v);
        if (seen.length === 2) stop.abort();
      },
    });
    expect(seen.map((v) => v.kind)).toEqual(['undecodable', 'request']);
    expect(formatLine(seen[0]!)).toMatch(/✗ undecodable at 0@0: CODEC_BAD_MAGIC/);
    expect(formatLine(seen[1]!)).toMatch(/→ GetTask task=task-1 #r-1$/);
  });

  it('the real CLI replays a window as JSON, and refuses to write without --yes when not on a terminal', async () => {
    const e = testEndpoints();
    const env = { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl };
    const w = middle();
    const bin = pkgPath('bin/kamf.js');
    const [ok, refused] = await Promise.all([
      run(process.execPath, [bin, 'replay', topicA, '--from', new Date(w.from.ms).toISOString(), '--to', `@${w.to.ms}`, '--json'], { env }),
      run(process.execPath, [bin, 'replay', topicA, '--into', topicB], { env }).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      ),
    ]);
    const out = JSON.parse(ok.stdout) as { count: number; records: RecordView[] };
    expect(out.count).toBe(3);
    expect(out.records.map((r) => r.text).sort()).toEqual(groups.B.texts);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/refusing to write to .*--yes/);
  });
});
