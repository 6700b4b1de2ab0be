/**
 * Fan-out through the router: one request for `kamf-target-agent: data,cs` on a2a.ingress reaches both agents,
 * each produces a task, and a caller using the SDK's own Client gets both answers (the first as the reply to its
 * SendMessage, both through ListTasks on each agent). Also: priority lanes route to `.high`, and unknown targets go
 * to a2a.unroutable with the request untouched.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';

const id = randomUUID().slice(0, 6);
const P = `fan-${id}.`;
let mesh: MeshConnection;
let router: RunningRouter;
let rt: KafkaClientRuntime;
const agents: Record<string, { agent: RunningAgent; executor: SlowExecutor }> = {};

const message = (text: string, contextId: string): Message => ({
  messageId: randomUUID(),
  contextId,
  taskId: '',
  role: 1,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  await ensureTopics(mesh.kafka, [{ name: `${P}a2a.ingress`, partitions: 3, compacted: false }]);
  for (const name of ['data', 'cs']) {
    const executor = new SlowExecutor();
    const agent = await serveAgent({
      config,
      mesh,
      name,
      description: `${name} (fan-out test)`,
      skills: [{ id: 'work', name: 'Work', description: 'works' }],
      executor,
      partitions: 2,
      lanes: ['high', ''],
      requestTopic: `${P}agent.${name}.requests`,
      groupId: `${P}agent.${name}`,
      topics: { tasks: `${P}a2a.tasks.${name}`, dlq: `${P}a2a.dlq`, registry: `${P}agent.registry` },
    });
    agents[name] = { agent, executor };
  }
  router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await rt?.close().catch(() => {});
  await router?.stop().catch(() => {});
  for (const { agent } of Object.values(agents)) await agent.stop(2000).catch(() => {});
});

describe('router fan-out', () => {
  it('one request to data,cs makes two tasks, and the SDK client gets both answers', async () => {
    // a card for "the mesh through the router": its name is the target list, its topic the ingress
    const fanoutCard = kafkaAgentCard({ name: 'data,cs', description: 'fan-out through the router', skills: [], brokers: mesh.endpoints.brokers, topic: `${P}a2a.ingress` });
    const client = await rt.clientFactory().createFromAgentCard(fanoutCard);
    const contextId = `ctx-${id}`;
    const request = message('work 100', contextId);
    const first = (await client.sendMessage({ tenant: '', message: request, configuration: undefined, metadata: undefined })) as Task;
    expect(first.status?.state).toBe(3); // TASK_STATE_COMPLETED

    // both agents executed the same message, each as its own task
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !Object.values(agents).every((a) => a.executor.completions.get(request.messageId) === 1)) await new Promise((r) => setTimeout(r, 100));
    for (const { executor } of Object.values(agents)) expect(executor.completions.get(request.messageId)).toBe(1);

    // the caller collects both answers with the SDK client: ListTasks on each agent, by context
    const answers: Task[] = [];
    for (const { agent } of Object.values(agents)) {
      const c = await rt.clientFactory().createFromAgentCard(agent.card);
      const list = await c.listTasks({ tenant: '', contextId, status: 0, pageToken: '' } as never);
      // ListTasks returns a compact view: GetTask gives the artifacts
      for (const t of list.tasks) answers.push(await c.getTask({ tenant: '', id: t.id } as never));
    }
    expect(answers).toHaveLength(2);
    expect(new Set(answers.map((t) => t.id)).size).toBe(2);
    expect(answers.map((t) => t.id)).toContain(first.id);
    for (const t of answers) {
      expect(t.status?.state).toBe(3);
      expect(t.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'worked 100 ms' });
    }
    const instances = answers.map((t) => t.artifacts[0]?.metadata?.instance).sort();
    expect(instances).toEqual(Object.values(agents).map((a) => a.agent.server.instanceId).sort());
    expect(router.stats!().produced).toBeGreaterThanOrEqual(2);
  });

  it('routes kamf-priority: high to the high lane, unknown targets to a2a.unroutable', async () => {
    const high = await rt.clientFactory().createFromAgentCard(
      kafkaAgentCard({ name: 'cs', description: 'cs via the router', skills: [], brokers: mesh.endpoints.brokers, topic: `${P}a2a.ingress` }),
    );
    const task = (await high.sendMessage({ tenant: '', message: message('work 10', `hi-${id}`), configuration: undefined, metadata: undefined }, { serviceParameters: { 'kamf-priority': 'high' } })) as Task;
    expect(task.status?.state).toBe(3);
    const admin = mesh.kafka.admin();
    await admin.connect();
    const count = async (t: string) => (await admin.fetchTopicOffsets(t)).reduce((s, o) => s + Number(o.high), 0);
    expect(await count(`${P}agent.cs.requests.high`)).toBe(1);

    const nobody = await rt.clientFactory().createFromAgentCard(
      kafkaAgentCard({ name: 'nobody', description: 'nobody', skills: [], brokers: mesh.endpoints.brokers, topic: `${P}a2a.ingress` }),
    );
    const KafkaRuntimeTimeout = nobody.sendMessage({ tenant: '', message: message('hello', `no-${id}`), configuration: undefined, metadata: undefined }, { signal: AbortSignal.timeout(3000) });
    await expect(KafkaRuntimeTimeout).rejects.toThrow();
    expect(await count(`${P}a2a.unroutable`)).toBe(1);
    await admin.disconnect();
  });
});
