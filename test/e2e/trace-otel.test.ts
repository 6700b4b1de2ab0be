/**
 * The reference question as one OpenTelemetry trace: the caller sends "Is Terran too strong?" to a2a.ingress, the
 * router stage (flink-sql/routing.sql on the embedded engine) passes it to the balance coordinator, which asks the
 * data and cs tool agents, which call their MCP tools. Every span lands in the SDK's in-memory exporter; the test
 * checks the parent of each hop and that every hop lies inside the caller's measured latency.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BalanceCoordinator } from '../../agents/balance/executor.js';
import { agentConfigPath } from '../../agents/mesh.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { readAgentConfig } from '../../src/agent-kit/agent-config.js';
import { MeshCaller } from '../../src/agent-kit/mesh-skills.js';
import { DeterministicPlanner } from '../../src/agent-kit/planner/deterministic.js';
import { cardWithTools } from '../../src/agent-kit/skills.js';
import { ToolAgentExecutor } from '../../src/agent-kit/tool-agent.js';
import { ToolHub } from '../../src/agent-kit/tool-hub.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { AgentDirectory } from '../../src/binding/registry/index.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';
import { idOf, parentOf, startTestTracing, traceOf, type TestTracing } from '../support/otel.js';

const P = `otel-${randomUUID().slice(0, 6)}.`;
const topics = { tasks: `${P}a2a.tasks`, dlq: `${P}a2a.dlq`, registry: `${P}agent.registry` };
let tracing: TestTracing;
let mesh: MeshConnection;
let router: RunningRouter;
let directory: AgentDirectory;
const runtimes: KafkaClientRuntime[] = [];
const agents: RunningAgent[] = [];
const hubs: ToolHub[] = [];

async function toolAgent(name: 'data' | 'cs'): Promise<void> {
  const config = readAgentConfig(agentConfigPath(name));
  const hub = new ToolHub();
  hubs.push(hub);
  for (const [server, c] of Object.entries(config.mcpServers)) await hub.add(server, c);
  const agent = await serveAgent({
    config: testConfig(),
    mesh,
    name,
    description: config.description,
    skills: [],
    executor: new ToolAgentExecutor(hub, new DeterministicPlanner(), name),
    requestTopic: `${P}agent.${name}.requests`,
    groupId: `${P}agent.${name}`,
    partitions: 2,
    topics,
  });
  await agent.updateCard(cardWithTools(agent.card, hub.tools()));
  agents.push(agent);
}

beforeAll(async () => {
  tracing = startTestTracing();
  const config = testConfig();
  mesh = connectMesh(config);
  await ensureTopics(mesh.kafka, [{ name: `${P}a2a.ingress`, partitions: 2, compacted: false }]);
  await Promise.all([toolAgent('data'), toolAgent('cs')]);
  directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, topic: topics.registry });
  await directory.start();
  const coordinatorRuntime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
  runtimes.push(coordinatorRuntime);
  agents.push(
    await serveAgent({
      config,
      mesh,
      name: 'balance',
      description: 'coordinator',
      skills: [{ id: 'balance_verdict', name: 'Balance verdict', description: 'is a race too strong' }],
      executor: new BalanceCoordinator(directory, new MeshCaller(coordinatorRuntime, directory), 'balance'),
      requestTopic: `${P}agent.balance.requests`,
      groupId: `${P}agent.balance`,
      partitions: 2,
      topics,
    }),
  );
  await Promise.all([directory.waitFor('data', { timeoutMs: 30_000 }), directory.waitFor('cs', { timeoutMs: 30_000 })]);
  router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: topics.dlq } });
}, 180_000);

afterAll(async () => {
  await router?.stop().catch(() => {});
  await Promise.allSettled(runtimes.map((r) => r.close()));
  await Promise.allSettled(agents.map((a) => a.stop(2_000)));
  await Promise.allSettled(hubs.map((h) => h.close()));
  await directory?.stop().catch(() => {});
  await tracing?.shutdown();
});

const ns = (t: [number, number]) => t[0] * 1e9 + t[1];

describe('the reference question as one trace', () => {
  it('caller → router → coordinator → data and cs → MCP tools, correctly parented, inside the caller latency', async () => {
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
    runtimes.push(rt);
    const card = kafkaAgentCard({ name: 'balance', description: 'through the router', skills: [], brokers: mesh.endpoints.brokers, topic: `${P}a2a.ingress` });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const message: Message = { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart('Is Terran too strong?')], metadata: undefined, extensions: [], referenceTaskIds: [] };
    const t0 = process.hrtime.bigint();
    const { task, traceId } = await trace.getTracer('test').startActiveSpan('caller', async (root) => {
      const task = (await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined })) as Task;
      root.end();
      return { task, traceId: root.spanContext().traceId };
    });
    const measuredNs = Number(process.hrtime.bigint() - t0);
    expect(task.status?.state).toBe(3);

    const ingress = `${P}a2a.ingress`;
    const all = await tracing.waitFor((s) => {
      const mine = s.filter((x) => traceOf(x) === traceId);
      // an executor run ends when its execute() returns, which may be just after its reply: wait for one per receive
      const receives = mine.filter((x) => x.name.startsWith(`process ${P}agent.`)).length;
      return receives >= 3 && mine.filter((x) => x.name.startsWith('invoke_agent ')).length === receives && mine.some((x) => x.name === `send ${ingress}`);
    });
    const spans = all.filter((s) => traceOf(s) === traceId);
    const names = spans.map((s) => `${s.name}<-${spans.find((p) => idOf(p) === parentOf(s))?.name ?? parentOf(s) ?? 'root'}`).join('\n');
    const one = (pred: (s: ReadableSpan) => boolean, what: string) => {
      const found = spans.filter(pred);
      expect(found, `${what}\n${names}`).toHaveLength(1);
      return found[0]!;
    };
    const under = (parent: ReadableSpan, name: string) => one((s) => s.name === name && parentOf(s) === idOf(parent), `${name} under ${parent.name}`);

    const caller = one((s) => s.name === 'caller', 'caller');
    const send = under(caller, `send ${ingress}`);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    const route = under(send, `route ${ingress}`);
    expect(route.attributes['kamf.router.sink']).toMatch(/balance/);
    const coordinatorReceive = one((s) => s.name.startsWith(`process ${P}agent.balance.requests`) && parentOf(s) === idOf(route), 'coordinator receive under router');
    const coordinator = under(coordinatorReceive, 'invoke_agent balance');
    // the coordinator's calls: one send per sub-request, each continued by the tool agent it went to
    for (const agent of ['data', 'cs']) {
      const sends = spans.filter((s) => s.name.startsWith(`send ${P}agent.${agent}.requests`) && parentOf(s) === idOf(coordinator));
      expect(sends.length, `${agent} sends\n${names}`).toBeGreaterThanOrEqual(1);
      for (const s of sends) {
        const receive = one((r) => r.name.startsWith(`process ${P}agent.${agent}.requests`) && parentOf(r) === idOf(s), `${agent} receive`);
        const run = under(receive, `invoke_agent ${agent}`);
        const tools = spans.filter((t) => t.name.startsWith('execute_tool ') && parentOf(t) === idOf(run));
        expect(tools.length, `${agent} tool calls\n${names}`).toBeGreaterThanOrEqual(1);
        for (const t of tools) {
          expect(t.kind).toBe(SpanKind.CLIENT);
          expect(t.attributes['gen_ai.operation.name']).toBe('execute_tool');
        }
      }
    }
    // the answer's numbers came from these tools (win rate for the latest patch and overall; complaints)
    expect(spans.filter((s) => s.name === 'execute_tool win_rate').length).toBeGreaterThanOrEqual(1);
    expect(spans.filter((s) => s.name === 'execute_tool search_complaints').length).toBeGreaterThanOrEqual(1);

    // every hop lies inside the caller's span, and the caller's span inside the latency the test measured; the SDK
    // anchors each span's clock to Date.now() at its start, so span-to-span comparisons carry up to 1 ms of skew
    const skew = 1e6;
    for (const s of spans) {
      expect(ns(s.startTime), s.name).toBeGreaterThanOrEqual(ns(caller.startTime) - skew);
      // a reply reaches its reader before its producer hears the broker's ack, snapshots may follow the reply, and an
      // agent's receive span lasts until every effect of the request is acknowledged: their ends are not bounded here
      const op = s.attributes['messaging.operation.name'];
      if (op === 'reply' || op === 'snapshot' || op === 'process') continue;
      expect(ns(s.endTime), s.name).toBeLessThanOrEqual(ns(caller.endTime) + skew);
    }
    const d = (s: ReadableSpan) => ns(s.duration as [number, number]);
    expect(d(caller)).toBeLessThanOrEqual(measuredNs);
    // the hops on the way in add up within the caller's span: router pass, then the coordinator's run (its receive
    // span also waits for the broker's acknowledgements, which the caller need not wait for)
    expect(d(route) + d(coordinator)).toBeLessThanOrEqual(d(send));
  });
});
