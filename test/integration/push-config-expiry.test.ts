/**
 * Push-notification configs go with their task: when a finished task expires (its tombstone on the task topic), the
 * delivery stage that reads the tombstone tombstones the task's configs, once, and every instance forgets them. A
 * task that can still change keeps its config. Real Kafka, registry, SDK client and a real webhook on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Task, TaskPushNotificationConfig } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import type { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { KafkaPushConfigStore, kafkaPush, type KafkaPush } from '../../src/push/index.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { testConfig } from '../support/infra.js';
import { readTopic } from '../support/delivery.js';
import { startTwoInstances } from '../support/two-instances.js';
import { startReceiver, until, type Receiver } from '../support/webhook-receiver.js';

const suffix = randomUUID().slice(0, 6);
const name = `pexp-${suffix}`;
const tasksTopic = `a2a.tasks.${suffix}`;
const configsTopic = `a2a.push-configs.${suffix}`;
const RETENTION_MS = 3000;
let mesh: MeshConnection;
let card: AgentCard;
let rt: KafkaClientRuntime;
let client: Client;
let receiver: Receiver;
let servers: KafkaAgentServer[] = [];
let pushes: KafkaPush[] = [];
const stores: KafkaPushConfigStore[] = [];

const hook = (): TaskPushNotificationConfig => ({ tenant: '', id: '', taskId: '', url: receiver.url, token: 't', authentication: undefined });
const sendWithHook = async (text: string): Promise<Task> => {
  const r = await client.sendMessage({
    tenant: '',
    message: { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] },
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: hook(), returnImmediately: false },
    metadata: undefined,
  });
  if (!('status' in r)) throw new Error('expected a task');
  return r as Task;
};

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  receiver = await startReceiver();
  await ensureTopics(mesh.kafka, [{ name: configsTopic, partitions: 3, compacted: true }]);
  const push = kafkaPush({ policy: { allowHosts: ['127.0.0.1'] }, configsTopic, dlqTopic: `a2a.push-dlq.${suffix}`, deliveriesTopic: `a2a.push-deliveries.${suffix}`, log: () => {} });
  const started = await startTwoInstances(mesh, { name, tasksTopic, executor: () => new EchoExecutor(), server: { taskRetentionMs: RETENTION_MS }, push });
  card = started.card;
  servers = [started.a, started.b];
  pushes = started.pushes;
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 20_000 });
  client = await rt.clientFactory().createFromAgentCard(card);
}, 120_000);
afterAll(async () => {
  await rt?.close();
  for (const s of stores) await s.stop();
  for (const s of servers) await s.stop(2000);
  for (const p of pushes) await p.stop();
  await receiver?.close();
});

describe('push configs of expired tasks', () => {
  it('are tombstoned once when their task expires, forgotten by every instance, and kept for a task still open', async () => {
    const done = await sendWithHook('expiring');
    const waiting = await sendWithHook('greet');
    expect(done.status?.state).toBe(3);
    expect(waiting.status?.state).toBe(6);
    const [pa, pb] = pushes as [KafkaPush, KafkaPush];
    await until(() => pa.store.all().length === 2 && pb.store.all().length === 2, 15_000, 'both instances to hold both configs');
    // the finished task's snapshot was delivered before it expired
    await until(() => receiver.delivered().some((h) => h.body.task?.id === done.id), 15_000, 'the finished task\'s delivery');

    await until(() => servers[0]!.store.expired === 1, 15_000, 'A to expire the finished task');
    await until(() => pa.store.forgotten + pb.store.forgotten === 1, 15_000, 'its config to be tombstoned');
    await until(() => pa.store.all().length === 1 && pb.store.all().length === 1, 15_000, 'both instances to forget it');
    expect(pa.store.all()[0]!.taskId).toBe(waiting.id);
    expect(pb.store.all()[0]!.taskId).toBe(waiting.id);

    // on the topic: one tombstone, for the finished task's config key, none for the open task's
    const tombstones = (await readTopic(mesh, configsTopic)).filter((m) => m.value === null).map((m) => m.key?.toString() ?? '');
    expect(tombstones).toHaveLength(1);
    expect(tombstones[0]!.startsWith(`${name}/${done.id}/`)).toBe(true);

    // a store started now reads the configs and the tombstone: only the open task's config is left
    const fresh = new KafkaPushConfigStore({ kafka: mesh.kafka, agentName: name, topic: configsTopic });
    stores.push(fresh);
    await fresh.start();
    expect(fresh.all().map((e) => e.taskId)).toEqual([waiting.id]);
  }, 60_000);
});
