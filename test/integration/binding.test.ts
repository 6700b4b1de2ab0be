/**
 * The A2A Kafka binding end to end, with the SDK's own Client against real Kafka + registry:
 * every operation, typed errors, multi-turn, streaming, cross-instance cancel / get, restarts, DLQ.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import {
  PushNotificationNotSupportedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
  VersionNotSupportedError,
} from '@a2a-js/sdk/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS } from '../../src/binding/protocol.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { testConfig } from '../support/infra.js';

function userMessage(text: string, extra: Partial<Message> = {}): Message {
  return { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [], ...extra };
}
const send = (client: Client, text: string, extra: Partial<Message> = {}) =>
  client.sendMessage({ tenant: '', message: userMessage(text, extra), configuration: undefined, metadata: undefined }) as Promise<Task | Message>;
const asTask = (r: Task | Message): Task => {
  if (!('status' in r)) throw new Error('expected a task');
  return r;
};
const artifactText = (t: Task) => t.artifacts.flatMap((a) => a.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : ''))).join('');

let mesh: MeshConnection;
const suffix = randomUUID().slice(0, 6);
const tasksTopic = `a2a.tasks.${suffix}`;
const dlqTopic = `a2a.dlq.${suffix}`;
const runtimes: KafkaClientRuntime[] = [];
const servers: KafkaAgentServer[] = [];

async function startServer(name: string, executor: EchoExecutor | SlowExecutor, card: AgentCard, extra: { concurrency?: number } = {}) {
  const server = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor, tasksTopic, dlqTopic, ...extra });
  await server.start();
  servers.push(server);
  return server;
}
async function newClient(card: AgentCard, options: ConstructorParameters<typeof KafkaClientRuntime>[2] = {}) {
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000, ...options });
  runtimes.push(rt);
  return { rt, client: await rt.clientFactory().createFromAgentCard(card) };
}

const echoName = `echo-${suffix}`;
const slowName = `slow-${suffix}`;
let echoCard: AgentCard;
let slowCard: AgentCard;
let echo: EchoExecutor;
let client: Client;

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(echoName), partitions: 4, compacted: false },
    { name: agentRequestTopic(slowName), partitions: 4, compacted: false },
    { name: tasksTopic, partitions: 3, compacted: true },
    { name: dlqTopic, partitions: 1, compacted: false },
  ]);
  const brokers = testConfig().kafka.brokers;
  echoCard = kafkaAgentCard({ name: echoName, description: 'echo', brokers, skills: [{ id: 'echo', name: 'Echo', description: 'echoes' }] });
  slowCard = kafkaAgentCard({ name: slowName, description: 'slow', brokers, skills: [{ id: 'work', name: 'Work', description: 'works slowly' }] });
  echo = new EchoExecutor();
  await startServer(echoName, echo, echoCard);
  ({ client } = await newClient(echoCard));
});

afterAll(async () => {
  await Promise.allSettled(runtimes.map((r) => r.close()));
  await Promise.allSettled(servers.map((s) => s.stop(2000)));
});

describe('A2A over Kafka with the SDK Client', () => {
  it('SendMessage returns a completed task with the echoed artifact', async () => {
    const task = asTask(await send(client, 'héllo 세계 🌍'));
    expect(task.status?.state).toBe(3);
    expect(artifactText(task)).toBe('héllo 세계 🌍');
  });

  it('SendMessage can answer with a Message instead of a task', async () => {
    const r = await send(client, 'message');
    expect('role' in r && r.role).toBe(2);
  });

  it('GetTask and ListTasks see the task', async () => {
    const task = asTask(await send(client, 'remember me'));
    const got = await client.getTask({ id: task.id, tenant: '', historyLength: undefined });
    expect(got.id).toBe(task.id);
    expect(artifactText(got)).toBe('remember me');
    const list = await client.listTasks({ tenant: '', contextId: task.contextId, status: 0, pageToken: '', statusTimestampAfter: undefined });
    expect(list.tasks.map((t) => t.id)).toEqual([task.id]);
  });

  it('multi-turn: a missing argument gives INPUT_REQUIRED, the next message in the context completes it', async () => {
    const first = asTask(await send(client, 'greet'));
    expect(first.status?.state).toBe(6);
    const second = asTask(await send(client, 'Ada', { contextId: first.contextId, taskId: first.id }));
    expect(second.id).toBe(first.id);
    expect(second.status?.state).toBe(3);
    expect(artifactText(second)).toBe('Hello, Ada!');
  });

  it('streaming yields status and chunked artifact events in order, then ends', async () => {
    const events = [];
    for await (const ev of client.sendMessageStream({ tenant: '', message: userMessage('chunks 5'), configuration: undefined, metadata: undefined })) events.push(ev);
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds[0]).toBe('task');
    expect(kinds.at(-1)).toBe('statusUpdate');
    const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value] : []));
    expect(chunks.map((c) => [c.append, c.lastChunk])).toEqual([
      [false, false],
      [true, false],
      [true, false],
      [true, false],
      [true, true],
    ]);
    expect(chunks.map((c) => (c.artifact?.parts[0]?.content as { value: string }).value).join('')).toBe('chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;');
    const last = events.at(-1)!.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(3);
  });

  it('errors surface as the SDK typed errors with the spec codes', async () => {
    await expect(client.getTask({ id: 'no-such-task', tenant: '', historyLength: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
    const done = asTask(await send(client, 'done'));
    await expect(client.cancelTask({ id: done.id, tenant: '', metadata: undefined })).rejects.toBeInstanceOf(TaskNotCancelableError);
    const pushConfig = { tenant: '', taskId: done.id, id: 'cfg', url: 'http://127.0.0.1:1/hook', token: '', authentication: undefined };
    // the SDK Client refuses this itself (the card says no push notifications); the transport shows the server agrees
    await expect(Promise.resolve().then(() => client.createTaskPushNotificationConfig(pushConfig))).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    const transport = (client as unknown as { transport: Client['transport'] }).transport;
    await expect(transport.createTaskPushNotificationConfig(pushConfig)).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    await expect(transport.getTaskPushNotificationConfig({ tenant: '', taskId: done.id, id: 'cfg' })).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    await expect(transport.listTaskPushNotificationConfig({ tenant: '', taskId: done.id, pageSize: 10, pageToken: '' })).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    await expect(transport.deleteTaskPushNotificationConfig({ tenant: '', taskId: done.id, id: 'cfg' })).rejects.toBeInstanceOf(PushNotificationNotSupportedError);
    // the card does not declare an extended card, so the SDK answers UnsupportedOperation (not ...NotConfigured)
    await expect(transport.getExtendedAgentCard({ tenant: '' })).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(client.resubscribeTask({ tenant: '', id: done.id }).next()).rejects.toBeInstanceOf(UnsupportedOperationError);
    const err = await client.getTask({ id: 'no-such-task', tenant: '', historyLength: undefined }).catch((e: unknown) => e);
    expect((err as { code?: number }).code ?? (err as { envelopeCode?: number }).envelopeCode).toBe(-32001);
  });

  it('a request for an unsupported A2A version is refused with VersionNotSupportedError', async () => {
    const r = await send(client, 'x').then(() => null);
    expect(r).toBeNull();
    const transport = (client as unknown as { transport: { sendMessage: Client['sendMessage'] } }).transport;
    await expect(
      transport.sendMessage({ tenant: '', message: userMessage('hi'), configuration: undefined, metadata: undefined }, { serviceParameters: { [HEADERS.version]: '9.9' } } as never),
    ).rejects.toBeInstanceOf(VersionNotSupportedError);
  });
});

describe('durability and scale-out', () => {
  it('a running task is canceled from a different client instance and ends CANCELED', async () => {
    const slow = new SlowExecutor();
    await startServer(slowName, slow, slowCard);
    const a = await newClient(slowCard);
    const b = await newClient(slowCard);
    const stream = a.client.sendMessageStream({ tenant: '', message: userMessage('work 20000'), configuration: undefined, metadata: undefined });
    const first = await stream.next();
    const task = first.value?.payload?.$case === 'task' ? first.value.payload.value : undefined;
    expect(task).toBeDefined();
    const canceled = await b.client.cancelTask({ id: task!.id, tenant: '', metadata: undefined });
    expect(canceled.status?.state).toBe(5);
    const rest = [];
    for await (const ev of stream) rest.push(ev);
    const last = rest.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(5);
  });

  it('GetTask for a task run by instance A is answered by instance B, after A is gone', async () => {
    const name = `restart-${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: agentRequestTopic(name), partitions: 2, compacted: false }]);
    const card = kafkaAgentCard({ name, description: 'r', brokers: testConfig().kafka.brokers, skills: [{ id: 'echo', name: 'Echo', description: 'e' }] });
    const a = await startServer(name, new EchoExecutor(), card);
    const { client: c } = await newClient(card);
    const task = asTask(await send(c, 'survive restarts'));
    await a.stop();
    const b = await startServer(name, new EchoExecutor(), card);
    expect(b.instanceId).not.toBe(a.instanceId);
    const got = await c.getTask({ id: task.id, tenant: '', historyLength: undefined });
    expect(got.status?.state).toBe(3);
    expect(artifactText(got)).toBe('survive restarts');
  });

  it('a redelivered request with a known messageId is answered from the store, not executed again', async () => {
    const message = userMessage('only once');
    const first = asTask(await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }) as Task);
    const again = asTask(await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }) as Task);
    expect(again.id).toBe(first.id);
    expect(echo.executions.get(message.messageId)).toBe(1);
  });
});

describe('agents sharing the task topic', () => {
  it('the same message sent to two agents (a fan-out) runs once on each, and each answers with its own task', async () => {
    const name2 = `echo2-${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: agentRequestTopic(name2), partitions: 2, compacted: false }]);
    const card2 = kafkaAgentCard({ name: name2, description: 'e2', brokers: testConfig().kafka.brokers, skills: [] });
    const echo2 = new EchoExecutor();
    await startServer(name2, echo2, card2);
    const message = userMessage('to both');
    const { rt } = await newClient(echoCard);
    const [a, b] = (await Promise.all([
      rt.transportTo(agentRequestTopic(echoName), echoCard).sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }),
      rt.transportTo(agentRequestTopic(name2), card2).sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }),
    ])) as Task[];
    expect(a!.id).not.toBe(b!.id);
    expect(echo.executions.get(message.messageId)).toBe(1);
    expect(echo2.executions.get(message.messageId)).toBe(1);
    // and neither answers for the other's task
    await expect(rt.transportTo(agentRequestTopic(name2), card2).getTask({ id: a!.id, tenant: '', historyLength: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
  });
});

describe('bad input', () => {
  it('a garbage record lands in the DLQ with a reason, the caller gets an error within a second, the agent keeps serving', async () => {
    const { rt } = await newClient(echoCard);
    const correlationId = randomUUID();
    const replies: unknown[] = [];
    const unregister = rt.inbox.register(correlationId, { push: (r) => replies.push(r), fail: () => {} });
    const producer = mesh.kafka.producer();
    await producer.connect();
    const sentAt = Date.now();
    await producer.send({
      topic: agentRequestTopic(echoName),
      messages: [{ key: 'k', value: Buffer.from('definitely not avro'), headers: { [HEADERS.replyTo]: rt.inbox.topic, [HEADERS.correlationId]: correlationId } }],
    });
    while (replies.length === 0 && Date.now() - sentAt < 10_000) await new Promise((r) => setTimeout(r, 10));
    const elapsed = Date.now() - sentAt;
    unregister();
    await producer.disconnect();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ requestId: correlationId, endOfStream: true, error: { code: -32700 } });
    expect(elapsed).toBeLessThan(1000);

    const consumer = mesh.kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    const dead = await new Promise<{ value: string; reason: string; source: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          resolve({ value: message.value!.toString(), reason: String(message.headers?.[HEADERS.dlqReason]), source: String(message.headers?.[HEADERS.dlqTopic]) });
        },
      });
    });
    await consumer.disconnect();
    expect(dead.value).toBe('definitely not avro');
    expect(dead.reason).toMatch(/undecodable A2ARequest/);
    expect(dead.source).toBe(agentRequestTopic(echoName));

    expect(artifactText(asTask(await send(client, 'still here')))).toBe('still here');
  });
});
