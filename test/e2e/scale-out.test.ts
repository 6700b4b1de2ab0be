/**
 * Scale-out and crash recovery: two slow-agent processes in one consumer group share 1,000 requests; one is
 * killed with SIGKILL mid-load. Every request completes; executions are counted by the agents themselves (a file
 * per process, one line per execution); only work in flight on the killed instance may run twice, with one
 * idempotency key; Kafka shows one task, one terminal snapshot and one final reply per request.
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
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { finalRepliesPerRequest, isTerminal, snapshotCounts } from '../support/delivery.js';
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
  it(`${N} requests over two instances, one killed with SIGKILL: all complete once, duplicates bounded, fast takeover`, async () => {
    const mesh = connectMesh(testConfig());
    await ensureTopics(mesh.kafka, [
      { name: agentRequestTopic(name), partitions: 6, compacted: false },
      { name: topics.tasks, partitions: 3, compacted: true },
      { name: topics.dlq, partitions: 1, compacted: false },
      { name: topics.registry, partitions: 1, compacted: true },
    ]);
    const logDir = mkdtempSync(join(tmpdir(), 'kamf-exec-'));
    const env = (log: string) => ({
      KAMF_AGENT_NAME: name,
      KAMF_AGENT_CONCURRENCY: '32',
      KAMF_TASKS_TOPIC: topics.tasks,
      KAMF_DLQ_TOPIC: topics.dlq,
      KAMF_REGISTRY_TOPIC: topics.registry,
      // the agents' own execution counters, readable after a SIGKILL
      KAMF_EXECUTION_LOG: join(logDir, log),
    });
    const [a, b] = await Promise.all([spawnAgent('slow', env('a.log')), spawnAgent('slow', env('b.log'))]);
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
    let lastDone = 0;
    const results = Promise.all(
      messages.map((message) =>
        (client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }) as Promise<Task>).then((t) => {
          lastDone = Date.now();
          return t;
        }),
      ),
    );
    // kill -9 one instance while both are busy
    await new Promise((r) => setTimeout(r, 2500));
    a!.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a!.exited;
    const tasks = await results;
    const elapsed = Date.now() - started;
    const replies = await finalRepliesPerRequest(mesh, rt.inbox.topic);
    await rt.close();

    expect(tasks).toHaveLength(N);
    expect(tasks.every((t) => t.status?.state === 3)).toBe(true);
    const ranOn = new Set(tasks.map((t) => t.artifacts[0]?.metadata?.instance as string));
    expect(ranOn).toEqual(new Set([a!.instanceId, b!.instanceId])); // both instances took work

    // executions, from the agents' own counters: `start|done <message id> <idempotency key> <task id> <instance>`
    const lines = ['a.log', 'b.log'].flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n')).filter(Boolean);
    const starts = new Map<string, string[]>();
    const startedOnKilled = new Map<string, number>();
    const doneOnKilled = new Set<string>();
    for (const line of lines) {
      const [kind, messageId, key, , instance] = line.split(' ') as [string, string, string, string, string];
      if (kind === 'start') {
        starts.set(messageId, [...(starts.get(messageId) ?? []), key]);
        if (instance === a!.instanceId) startedOnKilled.set(messageId, (startedOnKilled.get(messageId) ?? 0) + 1);
      } else if (instance === a!.instanceId) doneOnKilled.add(messageId);
    }
    const totalExecutions = [...starts.values()].reduce((n, k) => n + k.length, 0);
    const twice = [...starts].filter(([, keys]) => keys.length > 1);
    // what was in flight on the killed instance: started there, and its result not yet written (at most its slots)
    for (const m of messages) expect(starts.get(m.messageId)?.length ?? 0, m.messageId).toBeGreaterThanOrEqual(1);
    expect(twice.length).toBeLessThanOrEqual(32);
    for (const [messageId, keys] of twice) {
      expect(startedOnKilled.get(messageId), messageId).toBeGreaterThanOrEqual(1); // only work of the dead instance ran again
      // every run of one message got the same idempotency key: count the runs whose key differs from the first's
      expect(keys.filter((k) => k !== keys[0]), `${messageId}: one idempotency key for every run`).toEqual([]);
    }

    // Kafka shows one outcome per request: one task, one terminal snapshot, one final reply
    const snaps = await snapshotCounts(mesh, topics.tasks);
    for (const m of messages) expect(snaps.tasksPerMessage.get(m.messageId)?.size, m.messageId).toBe(1);
    expect([...snaps.terminalPerTask.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...snaps.lastState.values()].filter((s) => !isTerminal(s))).toEqual([]);
    expect([...replies.values()].filter((n) => n !== 1)).toEqual([]);
    expect(replies.size).toBe(N);
    const tail = lastDone - killedAt;
    console.info(
      `scale-out: ${N} requests in ${elapsed} ms; ${totalExecutions} executions, ${twice.length} messages ran twice ` +
        `(${[...twice].filter(([m]) => doneOnKilled.has(m)).length} of them had completed on the killed instance); ` +
        `last completion ${tail} ms after the kill; instances ${[...ranOn].join(', ')}`,
    );
    // the dead instance's work resumes within its session timeout (10 s) plus a few seconds
    expect(tail).toBeLessThanOrEqual(15_000);

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
          message: { messageId, contextId: `ctx-${i}`, taskId: '', role: 1, parts: [textPart('work 400')], metadata: undefined, extensions: [], referenceTaskIds: [] },
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
