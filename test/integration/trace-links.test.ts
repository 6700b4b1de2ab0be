/**
 * `kamf trace` and `kamf stats` on a conversation with a sub-request, in processes without an OpenTelemetry SDK:
 * the coordinator-style executor asks another agent through MeshCaller, the sub-request carries the caller's trace
 * id and the skill header, so the trace of the caller's context holds the sub-request too, and stats name the skill.
 * The caller's reply topic is gone when the trace is read: its outcome comes from a2a.tasks.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { artifactEvent, statusEvent, taskEvent, textPart, TaskStates } from '../../src/agent-kit/events.js';
import { MeshCaller } from '../../src/agent-kit/mesh-skills.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { AgentDirectory } from '../../src/binding/registry/index.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { runStats, runTrace } from '../../src/replay/analyze.js';
import { testConfig } from '../support/infra.js';

const P = `links-${randomUUID().slice(0, 6)}.`;
const topics = { tasks: `${P}a2a.tasks`, dlq: `${P}a2a.dlq`, registry: `${P}agent.registry` };
let mesh: MeshConnection;
let directory: AgentDirectory;
const agents: RunningAgent[] = [];
const runtimes: KafkaClientRuntime[] = [];
let caller: MeshCaller;

class AskEcho implements AgentExecutor {
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    bus.publish(taskEvent(ctx));
    const r = await caller.call(`${P}echo/echo`, { text: 'x' }, { plain: true, text: 'sub-request', parent: ctx });
    bus.publish(artifactEvent(ctx, { artifactId: 'a', parts: [textPart(r.text)] }));
    bus.publish(statusEvent(ctx, TaskStates.completed, r.text));
    bus.finished();
  }
  async cancelTask(): Promise<void> {}
}

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  for (const [name, executor] of [
    [`${P}echo`, new EchoExecutor()],
    [`${P}coord`, new AskEcho()],
  ] as const) {
    agents.push(await serveAgent({ config, mesh, name, description: name, skills: [{ id: 'echo', name: 'echo', description: 'echo' }], executor, partitions: 1, topics }));
  }
  directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, topic: topics.registry });
  await directory.start();
  await directory.waitFor(`${P}echo`, { timeoutMs: 30_000 });
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
  runtimes.push(rt);
  caller = new MeshCaller(rt, directory);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(runtimes.map((r) => r.close()));
  await Promise.allSettled(agents.map((a) => a.stop(2_000)));
  await directory?.stop().catch(() => {});
});

describe('causal links without an SDK', () => {
  it('one trace holds the sub-request; the caller outcome comes from a2a.tasks once its reply topic is gone', async () => {
    const since = Date.now() - 1000;
    // the caller: its own runtime, closed after the answer, which deletes its reply topic
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
    const client = await rt.clientFactory().createFromAgentCard(agents[1]!.card);
    const contextId = `ctx-${randomUUID()}`;
    const message: Message = { messageId: randomUUID(), contextId, taskId: '', role: 1, parts: [textPart('go')], metadata: undefined, extensions: [], referenceTaskIds: [] };
    const task = (await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined })) as Task;
    expect(task.status?.state).toBe(3);
    await rt.close();

    const requestTopics = [`agent.${P}echo.requests`, `agent.${P}coord.requests`];
    const t = await runTrace({ kafka: mesh.kafka, codec: mesh.codec, topics: [...requestTopics, topics.tasks], since, id: contextId });
    const byAgent = t.requests.map((r) => r.agent).sort();
    expect(byAgent).toEqual([`${P}coord`, `${P}echo`]);
    const outer = t.requests.find((r) => r.agent === `${P}coord`)!;
    expect(outer.state).toBe('COMPLETED');
    expect(outer.settledMs).toBeGreaterThanOrEqual(0);

    const stats = await runStats({ kafka: mesh.kafka, codec: mesh.codec, topics: [...requestTopics, topics.tasks], since });
    const echoRow = stats.rows.find((r) => r.agent === `${P}echo`)!;
    expect(echoRow).toMatchObject({ skill: 'echo', requests: 1, answered: 1 });
    const coordRow = stats.rows.find((r) => r.agent === `${P}coord`)!;
    expect(coordRow).toMatchObject({ requests: 1, answered: 1, answeredFrom: { replies: 0, tasks: 1 } });
  });
});
