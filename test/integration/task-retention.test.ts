/**
 * Finished tasks expire: after the retention the instance that wrote a task's last snapshot tombstones it, and
 * every instance (and every later start) forgets it, so neither the compacted topic nor an agent's memory grows
 * with every task served. Tasks that can still change (INPUT_REQUIRED) stay. Real Kafka, registry and SDK client.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS, readHeaders } from '../../src/binding/protocol.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { KafkaTaskStore } from '../../src/binding/server/task-store.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { testConfig } from '../support/infra.js';
import { readTopic } from '../support/delivery.js';
import { startTwoInstances } from '../support/two-instances.js';
import { until } from '../support/webhook-receiver.js';

const suffix = randomUUID().slice(0, 6);
const name = `ret-${suffix}`;
const tasksTopic = `a2a.tasks.${suffix}`;
// long enough for both instances to see all six tasks first, even on a loaded machine
const RETENTION_MS = 5000;
let mesh: MeshConnection;
let card: AgentCard;
let rt: KafkaClientRuntime;
let client: Client;
const servers: KafkaAgentServer[] = [];
const stores: KafkaTaskStore[] = [];

const message = (text: string, taskId = ''): Message => ({ messageId: randomUUID(), contextId: '', taskId, role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });
const sendTask = async (text: string): Promise<Task> => {
  const r = await client.sendMessage({ tenant: '', message: message(text), configuration: undefined, metadata: undefined });
  if (!('status' in r)) throw new Error('expected a task');
  return r as Task;
};

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  // A serves the requests; B is a second instance of the agent on another lane, sharing the task topic
  const started = await startTwoInstances(mesh, { name, tasksTopic, executor: () => new EchoExecutor(), server: { taskRetentionMs: RETENTION_MS } });
  card = started.card;
  servers.push(started.a, started.b);
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 20_000 });
  client = await rt.clientFactory().createFromAgentCard(card); // the card names agent.<name>.requests: A's topic
});
afterAll(async () => {
  await rt?.close();
  for (const s of stores) await s.stop();
  for (const s of servers) await s.stop(2000);
});

describe('task retention', () => {
  it('tombstones finished tasks once, forgets them on every instance and start, and keeps a task waiting for input', async () => {
    const [a, b] = servers as [KafkaAgentServer, KafkaAgentServer];
    const done = await Promise.all(Array.from({ length: 5 }, (_, i) => sendTask(`retained ${i}`)));
    const waiting = await sendTask('greet');
    expect(done.map((t) => t.status?.state)).toEqual([3, 3, 3, 3, 3]);
    expect(waiting.status?.state).toBe(6);
    await until(() => b.store.size === 6, 15_000, 'B to know all six tasks');

    await until(() => a.store.expired === 5, 15_000, 'A to expire the five finished tasks');
    expect(a.store.size).toBe(1);
    await until(() => b.store.size === 1, 15_000, 'B to forget them through the tombstones');
    // B's own clock would expire them only after a longer wait (they are A's): it wrote no tombstone
    expect(b.store.expired).toBe(0);

    for (const t of done) await expect(client.getTask({ id: t.id, tenant: '', historyLength: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
    const still = await client.getTask({ id: waiting.id, tenant: '', historyLength: undefined });
    expect(still.status?.state).toBe(6);

    // exactly one tombstone per finished task, written by A; none for the waiting task
    const records = (await readTopic(mesh, tasksTopic)).map((m) => ({ key: m.key?.toString() ?? '', tombstone: m.value === null, writer: readHeaders(m.headers as Record<string, unknown>)[HEADERS.writer] ?? '' }));
    const tombstones = new Map<string, string[]>();
    for (const r of records) if (r.tombstone && !r.key.includes('/answered/')) tombstones.set(r.key, [...(tombstones.get(r.key) ?? []), r.writer]);
    expect([...tombstones.keys()].sort()).toEqual(done.map((t) => `${name}/${t.id}`).sort());
    expect([...tombstones.values()].map((w) => w.join(','))).toEqual(done.map(() => a.instanceId));

    // a store starting now reads the snapshots and their tombstones: only the waiting task is left
    const fresh = new KafkaTaskStore({ kafka: mesh.kafka, codec: mesh.codec, topic: tasksTopic, agentName: name, retentionMs: 0 });
    stores.push(fresh);
    await fresh.start();
    expect(fresh.size).toBe(1);
  }, 60_000);

  it('expires a gone instance\'s finished task on another instance, after a longer wait', async () => {
    const b = servers[1]!;
    // a task written by an instance that is gone: a store of its own writes it, then stops
    const gone = new KafkaTaskStore({ kafka: mesh.kafka, codec: mesh.codec, topic: tasksTopic, agentName: name, retentionMs: 0 });
    await gone.start();
    const before = b.store.size;
    const ctx = new ServerCallContext({ user: { isAuthenticated: false, userName: 'unknown' } });
    const id = randomUUID();
    await gone.save({ id, contextId: 'c', status: { state: 3, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [], metadata: undefined }, ctx);
    await gone.settled(ctx);
    await gone.stop();
    await until(() => b.store.size === before + 1, 15_000, 'B to know the gone instance\'s task');

    const now = Date.now();
    expect(b.store.expire(now + RETENTION_MS + 1000)).toBe(0); // past the retention, but not B's task: not yet
    expect(b.store.expire(now + RETENTION_MS + 61_000)).toBe(1); // past the longer wait: B tombstones it
    expect(b.store.size).toBe(before);
  }, 60_000);
});
