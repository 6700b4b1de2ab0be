/**
 * Push notifications on Kafka, end to end: two instances of one agent share the task topic and the push-config
 * topic; real webhooks on 127.0.0.1 receive the POSTs. Configs created through one instance are read and used by
 * the other; every snapshot of a task arrives in order; failures are retried; a dead webhook ends in the push DLQ
 * while another task's webhook keeps receiving; a host outside the allow list is refused when the config is created.
 * The stage's OpenTelemetry metrics (read with an in-process reader) count the same attempts and deliveries, and
 * each delivery is a span under its snapshot's, whose context every POST of it carries.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Task, TaskPushNotificationConfig } from '@a2a-js/sdk';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { spawnSync } from 'node:child_process';
import { pkgPath } from '../../src/core/paths.js';
import { deadLetters, deliveryStatus, kafkaPush, replayDeadLetter, type DeliveryRecord, type KafkaPush, type WebhookStatus } from '../../src/push/index.js';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { testConfig, testEndpoints } from '../support/infra.js';
import { idOf, parentOf, startTestMetrics, startTestTracing, traceOf, type TestMetrics, type TestTracing } from '../support/otel.js';
import { startReceiver, until, type Receiver } from '../support/webhook-receiver.js';

const suffix = randomUUID().slice(0, 6);
const name = `push-${suffix}`;
const topicA = agentRequestTopic(name);
const topicB = agentRequestTopic(name, 'b');
const tasksTopic = `a2a.tasks.${suffix}`;
const dlqTopic = `a2a.push-dlq.${suffix}`;
const deliveriesTopic = `a2a.push-deliveries.${suffix}`;
const configsTopic = `a2a.push-configs.${suffix}`;
let mesh: MeshConnection;
let card: AgentCard;
let rt: KafkaClientRuntime;
const servers: KafkaAgentServer[] = [];
const pushes: KafkaPush[] = [];
const receivers: Receiver[] = [];
let meters: TestMetrics;
let tracing: TestTracing;

beforeAll(async () => {
  // before the delivery stages start: they make their instruments then
  meters = startTestMetrics();
  tracing = startTestTracing();
  mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [
    { name: topicA, partitions: 1, compacted: false },
    { name: topicB, partitions: 1, compacted: false },
    { name: tasksTopic, partitions: 3, compacted: true },
    // made here once rather than by both instances at the same time
    { name: configsTopic, partitions: 3, compacted: true },
    { name: dlqTopic, partitions: 1, compacted: false },
    { name: deliveriesTopic, partitions: 1, compacted: false },
  ]);
  card = kafkaAgentCard({ name, description: 'x', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'w', description: 'w' }] });
  card = { ...card, capabilities: { ...card.capabilities!, pushNotifications: true } };
  const factory = kafkaPush({ policy: { allowHosts: ['127.0.0.1', 'localhost'] }, maxAttempts: 4, backoffMs: 100, timeoutMs: 1500, dlqTopic, deliveriesTopic, configsTopic, log: () => {} });
  await Promise.all(
    (
      [
        [topicA, `agent.${name}`, 'a'],
        [topicB, `agent.${name}.b`, 'b'],
      ] as const
    ).map(async ([topic, group, id]) => {
      const instanceId = `${name}.${id}`;
      const push = factory({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, instanceId, tasksTopic });
      await push.start();
      const s = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor: new SlowExecutor(), requestTopics: [topic], groupId: group, tasksTopic, instanceId, pushNotificationStore: push.store });
      await s.start();
      servers.push(s);
      pushes.push(push);
    }),
  );
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 20_000 });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  for (const s of servers) await s.stop(2000);
  for (const p of pushes) await p.stop();
  for (const r of receivers) await r.close();
  await meters?.shutdown();
  await tracing?.shutdown();
});

const via = (topic: string) => rt.transportTo(topic, card);
const hookConfig = (url: string, token = 'tok'): TaskPushNotificationConfig => ({ tenant: '', id: '', taskId: '', url, token, authentication: { scheme: 'Bearer', credentials: 'secret-1' } });

async function receiver(behaviour: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(behaviour);
  receivers.push(r);
  return r;
}

/** Starts "work <ms>" through `topic`, optionally with a webhook registered in the same request; resolves with the task. */
async function startWork(topic: string, ms: number, push?: TaskPushNotificationConfig): Promise<Task> {
  const r = await via(topic).sendMessage({
    tenant: '',
    message: { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(`work ${ms}`)], metadata: undefined, extensions: [], referenceTaskIds: [] },
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: push, returnImmediately: true },
    metadata: undefined,
  });
  if (!r || !('id' in r) || !('status' in r)) throw new Error('expected a task');
  return r as Task;
}

/** Every snapshot of a task on the task topic (what the delivery stage must deliver), in order. */
async function snapshotsOf(taskId: string): Promise<number> {
  const consumer = mesh.kafka.consumer({ groupId: `push-test-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: tasksTopic, fromBeginning: true });
  const admin = mesh.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(tasksTopic);
  await admin.disconnect();
  const at = new Map<number, number>();
  let count = 0;
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (message.key?.toString() === `${name}/${taskId}` && message.value) count++;
      at.set(partition, Number(message.offset));
    },
  });
  await until(() => ends.every((e) => Number(e.high) === 0 || (at.get(e.partition) ?? -1) >= Number(e.high) - 1), 30_000, 'task topic read');
  await consumer.disconnect();
  return count;
}

async function readRecords(topic: string, want: (r: DeliveryRecord) => boolean): Promise<DeliveryRecord[]> {
  const consumer = mesh.kafka.consumer({ groupId: `push-test-${randomUUID()}` });
  const out: DeliveryRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const r = JSON.parse(message.value!.toString()) as DeliveryRecord;
      if (want(r)) out.push(r);
    },
  });
  try {
    await until(() => out.length > 0, 30_000, `a record on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const savedAtOf = (deliveryId: string) => Number(deliveryId.split('/').at(-1));
const stateOf = (t: Task | undefined) => String(t?.status?.state ?? '');

describe('push notifications on Kafka', () => {
  it('a config created through one instance is listed and used on the other; every update arrives, in order', async () => {
    const hook = await receiver();
    // the task runs on A; its config is created through B while it runs
    const task = await startWork(topicA, 1500);
    const created = await via(topicB).createTaskPushNotificationConfig({ ...hookConfig(hook.url), taskId: task.id });
    expect(created.id).not.toBe('');
    const listedOnA = await via(topicA).listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 0, pageToken: '' });
    expect(listedOnA.configs.map((c) => c.id)).toEqual([created.id]);
    const got = await via(topicA).getTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: created.id });
    expect(got.url).toBe(hook.url);

    await until(() => hook.delivered().some((h) => h.body.task?.status?.state === 'TASK_STATE_COMPLETED'), 30_000, 'completed delivery');
    const delivered = hook.delivered();
    const ids = delivered.map((h) => savedAtOf(h.deliveryId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b)); // in order
    expect(delivered.at(-1)!.body.task!.id).toBe(task.id);
    expect(delivered.at(-1)!.body.task!.artifacts).toHaveLength(1);
    // the config's authentication and token travel on every POST
    for (const h of hook.hits) {
      expect(h.headers.authorization).toBe('Bearer secret-1');
      expect(h.headers['x-a2a-notification-token']).toBe('tok');
      expect(h.headers['content-type']).toContain('application/a2a+json');
    }

    // deleted through A, gone on B
    await via(topicA).deleteTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: created.id });
    const listedOnB = await via(topicB).listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 0, pageToken: '' });
    expect(listedOnB.configs).toHaveLength(0);
  }, 60_000);

  it('a receiver that fails its first 3 calls still gets every update of the task, in order, each once acknowledged', async () => {
    const hook = await receiver({ failFirst: 3 });
    const agent = { 'gen_ai.agent.name': name };
    const counts = async () => ({
      ok: await meters.sum('kamf.push.attempts', { ...agent, 'kamf.outcome': 'ok' }),
      failed: await meters.sum('kamf.push.attempts', { ...agent, 'kamf.outcome': 'failed' }),
      delivered: await meters.sum('kamf.push.deliveries', { ...agent, 'kamf.outcome': 'delivered' }),
      deadLettered: await meters.sum('kamf.push.deliveries', { ...agent, 'kamf.outcome': 'dead_lettered' }),
      timed: await meters.sum('kamf.push.delivery.duration', { ...agent, 'kamf.outcome': 'delivered' }),
    });
    const before = await counts();
    const task = await startWork(topicB, 300, hookConfig(hook.url));
    await until(() => hook.delivered().some((h) => h.body.task?.status?.state === 'TASK_STATE_COMPLETED'), 30_000, 'completed delivery');
    const snapshots = await snapshotsOf(task.id);
    const delivered = hook.delivered();
    // one acknowledged delivery per snapshot of the task, in the order they were written
    expect(delivered).toHaveLength(snapshots);
    const order = delivered.map((h) => savedAtOf(h.deliveryId));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // none twice: count the deliveries whose snapshot was already delivered before
    expect(order.filter((savedAt, i) => order.indexOf(savedAt) !== i)).toEqual([]);
    expect(hook.hits.filter((h) => h.answered === 503)).toHaveLength(3);
    expect(stateOf(delivered.at(-1)!.body.task as Task)).toBe('TASK_STATE_COMPLETED');
    expect(delivered[0]!.attempt).toBe(4); // the first update took the three failures, retried with the same id

    // the metrics count what the receiver saw: each POST an attempt, each snapshot one delivery with its duration
    // a delivery is counted just after its POST is answered
    let after = await counts();
    for (const end = Date.now() + 10_000; after.delivered - before.delivered < snapshots && Date.now() < end; after = await counts()) await new Promise((r) => setTimeout(r, 50));
    expect(after.delivered - before.delivered).toBe(snapshots);
    expect(after.timed - before.timed).toBe(snapshots);
    expect(after.ok - before.ok).toBe(delivered.length);
    expect(after.failed - before.failed).toBe(3);
    expect(after.deadLettered - before.deadLettered).toBe(0);

    // traced: the four POSTs of the first delivery carry one span's context; that span is a child of the snapshot's
    const firstPosts = hook.hits.filter((h) => h.deliveryId === delivered[0]!.deliveryId).map((h) => String(h.headers.traceparent));
    expect(firstPosts).toHaveLength(4);
    expect(firstPosts).toEqual(Array(4).fill(firstPosts[0]));
    const [, traceId, spanId] = firstPosts[0]!.split('-');
    const spans = await tracing.waitFor((all) => all.some((x) => idOf(x) === spanId));
    const post = spans.find((x) => idOf(x) === spanId);
    expect(post?.name).toBe('POST');
    expect(post?.kind).toBe(SpanKind.CLIENT);
    expect(post?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'http.request.resend_count': 3, 'a2a.task.id': task.id, 'url.full': hook.url });
    const snapshot = spans.find((x) => idOf(x) === parentOf(post!));
    expect(snapshot?.name).toBe(`send ${tasksTopic}`);
    expect(traceOf(snapshot!)).toBe(traceId);
  }, 60_000);

  it('a webhook that never answers ends in the push DLQ with the reason; another task keeps receiving meanwhile', async () => {
    let revived = false;
    const dead = await receiver({ answer: () => (revived ? 200 : 0) });
    const live = await receiver();
    const deadTask = await startWork(topicA, 100, hookConfig(dead.url));
    const liveTask = await startWork(topicB, 100, hookConfig(live.url));
    await until(() => live.delivered().some((h) => h.body.task?.status?.state === 'TASK_STATE_COMPLETED'), 30_000, 'live completed');
    const liveDone = Date.now();
    const letters = await readRecords(dlqTopic, (r) => r.taskId === deadTask.id);
    expect(letters.length).toBeGreaterThanOrEqual(1);
    expect(letters[0]!.reason).toBe('no answer within 1500 ms');
    expect(letters[0]!.attempts).toBe(4);
    expect(letters[0]!.url).toBe(dead.url);
    // the live task's every update was acknowledged before the dead webhook's first delivery ran out of attempts
    expect(liveDone).toBeLessThan(letters[0]!.at);
    expect(live.delivered()).toHaveLength(await snapshotsOf(liveTask.id));
    const outcomes = await readRecords(deliveriesTopic, (r) => r.taskId === liveTask.id && r.ok);
    expect(outcomes.length).toBeGreaterThanOrEqual(1);

    // the operator's view: kamf push status and dead, then a replay once the webhook is back
    const letter = (await deadLetters(mesh.kafka, { topic: dlqTopic, agent: name })).find((l) => l.taskId === deadTask.id)!;
    revived = true;
    const replayed = await replayDeadLetter(mesh.kafka, { deliveryId: letter.deliveryId, dlqTopic, configsTopic, deliveriesTopic });
    expect(replayed.ok).toBe(true);
    // the replayed POST: once, with the same delivery id and the config's credentials
    const replayHits = dead.hits.filter((h) => h.deliveryId === letter.deliveryId && h.answered === 200);
    expect(replayHits).toHaveLength(1);
    expect(replayHits[0]!.headers.authorization).toBe('Bearer secret-1');
    const status = await deliveryStatus(mesh.kafka, { topic: deliveriesTopic, agent: name });
    const deadRow = status.find((r) => r.taskId === deadTask.id)!;
    expect(deadRow.delivered).toBeGreaterThanOrEqual(1); // the replay (and any delivery after the webhook came back)
    expect(deadRow.deadLettered).toBeGreaterThanOrEqual(1);
    expect(deadRow.lastError).toBe('no answer within 1500 ms');
    const e = testEndpoints();
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(pkgPath('src', 'cli', 'main.ts'))}); await main();`, 'kamf', 'push', 'status', '--agent', name, '--topic', deliveriesTopic, '--json'],
      { env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const rows = JSON.parse(cli.stdout) as WebhookStatus[];
    expect(rows.find((r) => r.taskId === liveTask.id)!.delivered).toBe(live.delivered().length);
  }, 120_000);

  it('a webhook aimed at a host outside the allow list is refused when the config is created', async () => {
    const task = await startWork(topicA, 50);
    const refused = via(topicB).createTaskPushNotificationConfig({ ...hookConfig('https://internal.example.com/hook'), taskId: task.id });
    await expect(refused).rejects.toThrow(/not in the allow list/);
    const http = via(topicB).createTaskPushNotificationConfig({ ...hookConfig('http://10.0.0.8/hook'), taskId: task.id });
    await expect(http).rejects.toThrow(/https is required/);
    const listed = await via(topicA).listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 0, pageToken: '' });
    expect(listed.configs).toHaveLength(0);
  }, 30_000);

  it('a stopped delivery stage reports no gauges (its collection callbacks are removed)', async () => {
    const ours = async (metric: string) => (await meters.points(metric, 'delta')).filter((p) => p.attributes['gen_ai.agent.name'] === name);
    expect((await ours('kamf.push.lanes')).length).toBeGreaterThan(0);
    for (const p of pushes) await p.stop();
    expect(await ours('kamf.push.lanes')).toEqual([]);
    expect(await ours('kamf.push.deliveries.open')).toEqual([]);
  }, 30_000);
});
