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

async function readSnapshots(mesh: ReturnType<typeof connectMesh>): Promise<TaskSnapshot[]> {
  const admin = mesh.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.tasks);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const out: TaskSnapshot[] = [];
  const consumer = mesh.kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.tasks, fromBeginning: true });
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
});
