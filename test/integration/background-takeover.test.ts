/**
 * A returnImmediately send is answered at once while its task goes on. When the instance running it is killed
 * with SIGKILL mid-task, the request comes back (its offset waited for the task) and the next instance takes the
 * task over, silently, even after the caller's deadline (that was for the reply): the task completes, the caller got
 * exactly one reply, and the executor ran on both instances with the same idempotency key (counted from the agents'
 * own execution logs).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@a2a-js/sdk';
import { afterAll, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh } from '../../src/binding/mesh.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { finalRepliesPerRequest } from '../support/delivery.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const name = `bg-${suffix}`;
const topics = { tasks: `a2a.tasks.${suffix}`, dlq: `a2a.dlq.${suffix}`, registry: `agent.registry.${suffix}` };
const procs: AgentProcess[] = [];

afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

it('a returnImmediately task whose instance is killed mid-task is taken over and completes; the caller got one reply', async () => {
  const mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(name), partitions: 1, compacted: false },
    { name: topics.tasks, partitions: 1, compacted: true },
    { name: topics.dlq, partitions: 1, compacted: false },
    { name: topics.registry, partitions: 1, compacted: true },
  ]);
  const logDir = mkdtempSync(join(tmpdir(), 'kamf-bg-'));
  const env = (log: string) => ({
    KAMF_AGENT_NAME: name,
    KAMF_TASKS_TOPIC: topics.tasks,
    KAMF_DLQ_TOPIC: topics.dlq,
    KAMF_REGISTRY_TOPIC: topics.registry,
    KAMF_EXECUTION_LOG: join(logDir, log),
  });
  const a = await spawnAgent('slow', env('a.log'));
  procs.push(a);
  // a short deadline: the takeover comes after it (session timeout), and must not drop the work for that
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 5_000 });
  try {
    const card = kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'w', description: 'w' }] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const messageId = `bg-${suffix}`;
    const first = (await client.sendMessage({
      tenant: '',
      message: { messageId, contextId: '', taskId: '', role: 1, parts: [textPart('work 3000')], metadata: undefined, extensions: [], referenceTaskIds: [] },
      configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, historyLength: undefined, returnImmediately: true },
      metadata: undefined,
    })) as Task;
    expect(first.status?.state).not.toBe(3); // answered before the work is done

    // kill -9 once the executor is running on A, then start B in the same group
    for (let i = 0; i < 200 && !lines(join(logDir, 'a.log')).some((l) => l.startsWith(`start ${messageId}`)); i++) await new Promise((r) => setTimeout(r, 50));
    a.child.kill('SIGKILL');
    await a.exited;
    const b = await spawnAgent('slow', env('b.log'));
    procs.push(b);

    // the task completes, run to its end by B
    let task: Task | undefined;
    for (let i = 0; i < 120 && task?.status?.state !== 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      task = await client.getTask({ tenant: '', id: first.id, historyLength: undefined });
    }
    expect(task?.status?.state).toBe(3);
    expect(task?.id).toBe(first.id);
    expect(task?.artifacts[0]?.metadata?.instance).toBe(b.instanceId);

    // executions, from the agents' own logs: started on A (killed), started and finished on B, same idempotency key
    const runs = (file: string, kind: string) => lines(join(logDir, file)).filter((l) => l.startsWith(`${kind} ${messageId} `));
    expect(runs('a.log', 'start')).toHaveLength(1);
    expect(runs('a.log', 'done')).toHaveLength(0);
    expect(runs('b.log', 'start')).toHaveLength(1);
    expect(runs('b.log', 'done')).toHaveLength(1);
    expect(runs('b.log', 'start')[0]!.split(' ')[2]).toBe(runs('a.log', 'start')[0]!.split(' ')[2]);

    // the caller heard once about the send: the takeover answered nobody again
    const replies = await finalRepliesPerRequest(mesh, rt.inbox.topic);
    const sendReplies = [...replies.values()].filter((n) => n > 0);
    expect(Math.max(...sendReplies)).toBe(1);
  } finally {
    await rt.close();
  }
}, 120_000);
