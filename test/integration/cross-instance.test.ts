/**
 * SubscribeToTask and CancelTask answered by an instance that does not run the task: instance B serves another
 * lane of the same agent and shares the task topic, so it has no local event bus for A's task.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, StreamResponse, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { testConfig } from '../support/infra.js';
import { startTwoInstances } from '../support/two-instances.js';

const suffix = randomUUID().slice(0, 6);
const name = `xi-${suffix}`;
const topicA = agentRequestTopic(name);
const topicB = agentRequestTopic(name, 'b');
const tasksTopic = `a2a.tasks.${suffix}`;
let mesh: MeshConnection;
let card: AgentCard;
let rt: KafkaClientRuntime;
const servers: KafkaAgentServer[] = [];

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  const started = await startTwoInstances(mesh, { name, tasksTopic, executor: () => new SlowExecutor() });
  card = started.card;
  servers.push(started.a, started.b);
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 20_000 });
});
afterAll(async () => {
  await rt?.close();
  for (const s of servers) await s.stop(2000);
});

async function startWork(ms: number): Promise<{ task: Task; rest: AsyncGenerator<StreamResponse> }> {
  const stream = rt.transportTo(topicA, card).sendMessageStream({
    tenant: '',
    message: { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(`work ${ms}`)], metadata: undefined, extensions: [], referenceTaskIds: [] },
    configuration: undefined,
    metadata: undefined,
  });
  const first = await stream.next();
  const p = first.value?.payload;
  if (p?.$case !== 'task') throw new Error('expected a task first');
  return { task: p.value, rest: stream };
}

async function collect(it: AsyncGenerator<StreamResponse>): Promise<StreamResponse[]> {
  const out: StreamResponse[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

const finalState = (events: StreamResponse[]) => {
  const last = events.at(-1)?.payload;
  return last?.$case === 'statusUpdate' ? last.value.status?.state : last?.$case === 'task' ? last.value.status?.state : undefined;
};

describe('across instances', () => {
  it('SubscribeToTask on the running instance and on another instance both follow the task to its end', async () => {
    const { task, rest } = await startWork(1500);
    const [local, remote, own] = await Promise.all([
      collect(rt.transportTo(topicA, card).resubscribeTask({ tenant: '', id: task.id })),
      collect(rt.transportTo(topicB, card).resubscribeTask({ tenant: '', id: task.id })),
      collect(rest),
    ]);
    for (const events of [local, remote]) {
      expect(events[0]?.payload?.$case).toBe('task');
      expect(finalState(events)).toBe(3);
    }
    expect(finalState(own)).toBe(3);
    // the remote follower saw the artifact too, rebuilt from the snapshots
    expect(remote.some((e) => e.payload?.$case === 'artifactUpdate')).toBe(true);
  });

  it('CancelTask through another instance stops the task where it runs', async () => {
    const { task, rest } = await startWork(20_000);
    await new Promise((r) => setTimeout(r, 200));
    const canceled = await rt.transportTo(topicB, card).cancelTask({ id: task.id, tenant: '', metadata: undefined });
    expect(canceled.status?.state).toBe(5);
    const started = Date.now();
    const events = await collect(rest);
    expect(finalState(events)).toBe(5);
    expect(Date.now() - started).toBeLessThan(10_000); // stopped, did not run its 20 s
    const after = await rt.transportTo(topicA, card).getTask({ id: task.id, tenant: '', historyLength: undefined });
    expect(after.status?.state).toBe(5);
  });
});
