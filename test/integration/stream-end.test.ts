/**
 * A caller that stops reading a stream tells the agent (a `kamf-end-stream` control record), and the agent lets the
 * stream go at once: a SubscribeToTask left early frees its concurrency slot while the task is still working
 * (before, it held it until the task settled), and a SendStreamingMessage left early still runs its task to the end
 * (its events, read unwritten, are what save the task).
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const name = `ends-${suffix}`;
let mesh: MeshConnection;
let server: KafkaAgentServer;
let rt: KafkaClientRuntime;

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  const tasksTopic = `a2a.tasks.ends-${suffix}`;
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(name), partitions: 2, compacted: false },
    { name: tasksTopic, partitions: 1, compacted: true },
  ]);
  const card = kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [] });
  server = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor: new SlowExecutor(), tasksTopic, dlqTopic: `a2a.dlq.ends-${suffix}`, concurrency: 8, log: () => {} });
  await server.start();
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await rt?.close();
  await server?.stop(2_000);
});

const msg = (text: string): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });
const until = async (ok: () => boolean | Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
};

it('a SubscribeToTask left early frees its slot while the task still works; a SendStreamingMessage left early still finishes its task', async () => {
  const client = await rt.clientFactory().createFromAgentCard(kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [] }));
  const task = (await client.sendMessage({
    tenant: '',
    message: msg('work 8000'),
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, historyLength: undefined, returnImmediately: true },
    metadata: undefined,
  })) as Task;
  // the background task holds one slot while it runs
  expect(await until(() => server.slotsInUse === 1, 5_000)).toBe(true);

  const sub = client.resubscribeTask({ tenant: '', id: task.id });
  const first = await sub.next();
  expect(first.done).toBe(false);
  expect(server.slotsInUse).toBe(2);
  await sub.return(undefined); // the caller leaves
  expect(await until(() => server.slotsInUse === 1, 5_000)).toBe(true);
  const meanwhile = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
  expect(meanwhile.status?.state).toBe(2); // still working: the slot came back with the end, not with the task

  const stream = client.sendMessageStream({ tenant: '', message: msg('work 1500'), configuration: undefined, metadata: undefined });
  const ev = await stream.next();
  expect(ev.done).toBe(false);
  const streamedTask = ev.value!.payload?.$case === 'task' ? ev.value!.payload.value : undefined;
  expect(streamedTask?.id).toBeTruthy();
  await stream.return(undefined);
  // its task runs to the end and is saved, although nobody reads its events any more
  expect(await until(async () => (await client.getTask({ tenant: '', id: streamedTask!.id, historyLength: undefined })).status?.state === 3, 15_000)).toBe(true);
}, 60_000);
