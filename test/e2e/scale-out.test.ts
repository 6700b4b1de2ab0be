/**
 * Scale-out and crash recovery: two slow-agent processes in one consumer group share 1,000 requests; one is
 * killed with SIGKILL mid-load. Every request must complete, and none may run to completion twice. Executions
 * are counted from the task snapshots the agents themselves wrote to their task topic.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh } from '../../src/binding/mesh.js';
import type { TaskSnapshot } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { testConfig } from '../support/infra.js';

const N = 1000;
const suffix = randomUUID().slice(0, 6);
const name = `scale-${suffix}`;
const topics = { tasks: `a2a.tasks.${suffix}`, dlq: `a2a.dlq.${suffix}`, registry: `agent.registry.${suffix}` };
const procs: AgentProcess[] = [];

afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

async function readSnapshots(mesh: ReturnType<typeof connectMesh>, tasksTopic = topics.tasks): Promise<TaskSnapshot[]> {
  const admin = mesh.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(tasksTopic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const out: TaskSnapshot[] = [];
  const consumer = mesh.kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: tasksTopic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const check = () => [...remaining.values()].every((v) => v <= 0) && resolve();
    check();
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (message.value) out.push(await mesh.codec.decodeTaskSnapshot(message.value));
        if (Number(message.offset) + 1 >= Number(ends.find((e) => e.partition === partition)!.high)) remaining.set(partition, 0);
        check();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('scale-out and crash recovery', () => {
  it(`${N} requests over two instances, one killed with SIGKILL: all complete, none completes twice`, async () => {
    const mesh = connectMesh(testConfig());
    await ensureTopics(mesh.kafka, [
      { name: agentRequestTopic(name), partitions: 6, compacted: false },
      { name: topics.tasks, partitions: 3, compacted: true },
      { name: topics.dlq, partitions: 1, compacted: false },
      { name: topics.registry, partitions: 1, compacted: true },
    ]);
    const env = {
      KAMF_AGENT_NAME: name,
      KAMF_AGENT_CONCURRENCY: '32',
      KAMF_TASKS_TOPIC: topics.tasks,
      KAMF_DLQ_TOPIC: topics.dlq,
      KAMF_REGISTRY_TOPIC: topics.registry,
    };
    const [a, b] = await Promise.all([spawnAgent('slow', env), spawnAgent('slow', env)]);
    procs.push(a!, b!);

    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
    const card = kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'w', description: 'w' }] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const messages: Message[] = Array.from({ length: N }, (_, i) => ({
      messageId: `m-${suffix}-${i}`,
      contextId: `ctx-${i}`, // spread over partitions, one conversation each
      taskId: '',
      role: 1,
      parts: [textPart('work 150')],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    }));
    const started = Date.now();
    const results = Promise.all(messages.map((message) => client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }) as Promise<Task>));
    // kill -9 one instance while both are busy
    await new Promise((r) => setTimeout(r, 2500));
    a!.child.kill('SIGKILL');
    await a!.exited;
    const tasks = await results;
    const elapsed = Date.now() - started;
    await rt.close();

    expect(tasks).toHaveLength(N);
    expect(tasks.every((t) => t.status?.state === 3)).toBe(true);
    const ranOn = new Set(tasks.map((t) => t.artifacts[0]?.metadata?.instance as string));
    expect(ranOn).toEqual(new Set([a!.instanceId, b!.instanceId])); // both instances took work

    const snaps = await readSnapshots(mesh);
    const completedTasksPerMessage = new Map<string, Set<string>>();
    const tasksPerMessage = new Map<string, Set<string>>();
    for (const s of snaps) {
      const mid = s.task.history[0]?.messageId ?? '';
      if (!tasksPerMessage.has(mid)) tasksPerMessage.set(mid, new Set());
      tasksPerMessage.get(mid)!.add(s.task.id);
      if (s.task.status?.state === 3) {
        if (!completedTasksPerMessage.has(mid)) completedTasksPerMessage.set(mid, new Set());
        completedTasksPerMessage.get(mid)!.add(s.task.id);
      }
    }
    for (const m of messages) expect(completedTasksPerMessage.get(m.messageId)?.size, m.messageId).toBe(1);
    const interrupted = [...tasksPerMessage.values()].filter((s) => s.size > 1).length;
    // requests the killed instance had started but not finished run again on the survivor: at most its concurrency
    expect(interrupted).toBeLessThanOrEqual(32);
    console.info(`scale-out: ${N} requests in ${elapsed} ms; ${interrupted} interrupted by the kill were re-run; instances ${[...ranOn].join(', ')}`);

    b!.child.kill('SIGTERM');
    expect(await b!.exited).toBe(0); // graceful shutdown exits cleanly
  });

  it('an instance joining mid-load takes over partitions without running anything twice', async () => {
    const mesh = connectMesh(testConfig());
    const id = randomUUID().slice(0, 6);
    const agentName = `scaleup-${id}`;
    const t = { tasks: `a2a.tasks.${id}`, dlq: `a2a.dlq.${id}`, registry: `agent.registry.${id}` };
    await ensureTopics(mesh.kafka, [
      { name: agentRequestTopic(agentName), partitions: 6, compacted: false },
      { name: t.tasks, partitions: 3, compacted: true },
      { name: t.dlq, partitions: 1, compacted: false },
      { name: t.registry, partitions: 1, compacted: true },
    ]);
    const env = { KAMF_AGENT_NAME: agentName, KAMF_AGENT_CONCURRENCY: '32', KAMF_TASKS_TOPIC: t.tasks, KAMF_DLQ_TOPIC: t.dlq, KAMF_REGISTRY_TOPIC: t.registry };
    const first = await spawnAgent('slow', env);
    procs.push(first);
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
    const card = kafkaAgentCard({ name: agentName, description: 'slow', brokers: testConfig().kafka.brokers, skills: [] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const M = 600;
    const ids = Array.from({ length: M }, (_, i) => `u-${id}-${i}`);
    const results = Promise.all(
      ids.map((messageId, i) =>
        client.sendMessage({
          tenant: '',
          message: { messageId, contextId: `ctx-${i}`, taskId: '', role: 1, parts: [textPart('work 200')], metadata: undefined, extensions: [], referenceTaskIds: [] },
          configuration: undefined,
          metadata: undefined,
        }) as Promise<Task>,
      ),
    );
    // a second instance joins while the first is busy: partitions move, in-flight work of the first is redelivered
    await new Promise((r) => setTimeout(r, 1500));
    const second = await spawnAgent('slow', env);
    procs.push(second);
    const tasks = await results;
    await rt.close();
    expect(tasks.every((x) => x.status?.state === 3)).toBe(true);
    const ranOn = new Set(tasks.map((x) => x.artifacts[0]?.metadata?.instance as string));
    expect(ranOn.size).toBe(2);
    const perMessage = new Map<string, Set<string>>();
    for (const snap of await readSnapshots(mesh, t.tasks)) {
      const mid = snap.task.history[0]?.messageId ?? '';
      if (!perMessage.has(mid)) perMessage.set(mid, new Set());
      perMessage.get(mid)!.add(snap.task.id);
    }
    // every request ran exactly once: one task per message, nothing re-run after the rebalance
    for (const m of ids) expect(perMessage.get(m)?.size, m).toBe(1);
    for (const p of [first, second]) p.child.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  });
});
