/**
 * SIGKILL of the instance that was delivering push notifications loses no update: the delivery stage commits a
 * snapshot's offset only once every webhook acknowledged it, so the instance that takes over delivers the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AgentCard, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { TaskStates, textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { testConfig, testEndpoints } from '../support/infra.js';
import { startReceiver, until, type Receiver } from '../support/webhook-receiver.js';

const suffix = randomUUID().slice(0, 6);
const name = `pushkill-${suffix}`;
const tasksTopic = `a2a.tasks.${suffix}`;
const env = {
  KAMF_AGENT_NAME: name,
  KAMF_TASKS_TOPIC: tasksTopic,
  KAMF_PUSH_CONFIGS_TOPIC: `a2a.push-configs.${suffix}`,
  KAMF_PUSH_DLQ_TOPIC: `a2a.push-dlq.${suffix}`,
  KAMF_PUSH_DELIVERIES_TOPIC: `a2a.push-deliveries.${suffix}`,
};
let mesh: MeshConnection;
let rt: KafkaClientRuntime;
let hook: Receiver;
let up = false;
const children: ChildProcess[] = [];

async function spawnPushAgent(): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
  const e = testEndpoints();
  const child = spawn(process.execPath, ['--import', 'tsx', pkgPath('test', 'support', 'push-agent-main.ts')], {
    env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(() => / serving /.test(out) || child.exitCode !== null, 60_000, 'push agent ready');
  if (child.exitCode !== null) throw new Error(`push agent exited during start:\n${out}`);
  return { child, exited, output: () => out };
}

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [{ name: tasksTopic, partitions: 1, compacted: true }]);
  // acknowledges the first call, then answers 503 until the webhook is "up" again
  hook = await startReceiver({ answer: (n) => (n === 1 || up ? 200 : 503) });
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rt?.close();
  await hook?.close();
});

/** savedAt of every snapshot of the task on the task topic, in topic order. */
async function snapshotTimes(taskId: string): Promise<number[]> {
  const admin = mesh.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(tasksTopic);
  await admin.disconnect();
  const consumer = mesh.kafka.consumer({ groupId: `push-test-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: tasksTopic, fromBeginning: true });
  const out: number[] = [];
  let last = -1;
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === `${name}/${taskId}` && message.value) out.push((await mesh.codec.decodeTaskSnapshot(message.value)).savedAt);
      last = Number(message.offset);
    },
  });
  await until(() => last >= Number(ends[0]!.high) - 1, 30_000, 'task topic read');
  await consumer.disconnect();
  return out;
}

it('SIGKILL of the delivering instance loses no update: the next instance delivers the rest, in order', async () => {
  const first = await spawnPushAgent();
  let card: AgentCard = kafkaAgentCard({ name, description: 'x', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'w', description: 'w' }] });
  card = { ...card, capabilities: { ...card.capabilities!, pushNotifications: true } };
  const sent = (await rt.transportTo(agentRequestTopic(name), card).sendMessage({
    tenant: '',
    message: { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart('work 300')], metadata: undefined, extensions: [], referenceTaskIds: [] },
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: { tenant: '', id: '', taskId: '', url: hook.url, token: 't', authentication: undefined }, returnImmediately: true },
    metadata: undefined,
  })) as Task;
  // the task ends on the first instance while its webhook is down: the first update is acknowledged, the next
  // is being retried, the rest wait behind it in the task's lane
  await until(() => hook.delivered().length >= 1 && hook.hits.some((h) => h.answered === 503), 30_000, 'a refused delivery');
  const transport = rt.transportTo(agentRequestTopic(name), card);
  let done = false;
  for (const deadline = Date.now() + 30_000; !done; ) {
    if (Date.now() > deadline) throw new Error('task not completed');
    done = (await transport.getTask({ tenant: '', id: sent.id, historyLength: 0 })).status?.state === TaskStates.completed;
    if (!done) await new Promise((r) => setTimeout(r, 100));
  }
  first.child.kill('SIGKILL');
  await first.exited;
  const acknowledgedBeforeKill = hook.delivered().length;
  up = true;
  await spawnPushAgent();
  await until(() => hook.delivered().some((h) => h.body.task?.status?.state === 'TASK_STATE_COMPLETED'), 90_000, 'completed delivery');

  const written = await snapshotTimes(sent.id);
  const delivered = hook.delivered().map((h) => Number(h.deliveryId.split('/').at(-1)));
  // every snapshot written (by the killed instance and by its successor) acknowledged once or more, in order
  expect(delivered).toEqual(written);
  expect(acknowledgedBeforeKill).toBeGreaterThanOrEqual(1);
  expect(acknowledgedBeforeKill).toBeLessThan(written.length);
}, 150_000);
