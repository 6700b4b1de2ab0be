/**
 * A stopped agent server, a closed client runtime and a stopped router are no longer observed: their instruments
 * (slots, in flight, lag, pending effects, the breaker state, the router's counts) are reported while they run and
 * not after they stop (read with a delta reader, which reports only what was observed in the collection).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { pkgPath } from '../../src/core/paths.js';
import { startRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';
import { startTestMetrics } from '../support/otel.js';

const meters = startTestMetrics();
afterAll(() => meters.shutdown());

it('a stopped server and a closed client report no gauges', async () => {
  const suffix = randomUUID().slice(0, 6);
  const name = `metrics-stop-${suffix}`;
  const mesh = connectMesh(testConfig());
  const tasksTopic = `a2a.tasks.stop-${suffix}`;
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(name), partitions: 1, compacted: false },
    { name: tasksTopic, partitions: 1, compacted: true },
  ]);
  const card = kafkaAgentCard({ name, description: 'echo', brokers: testConfig().kafka.brokers, skills: [] });
  const server = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor: new EchoExecutor(), tasksTopic, dlqTopic: `a2a.dlq.stop-${suffix}`, log: () => {} });
  await server.start();
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
  const client = await rt.clientFactory().createFromAgentCard(card);
  await client.sendMessage({ tenant: '', message: { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart('hi')], metadata: undefined, extensions: [], referenceTaskIds: [] }, configuration: undefined, metadata: undefined });

  const agentGauges = ['kamf.agent.slots.limit', 'kamf.agent.slots.used', 'kamf.agent.requests.in_flight', 'kamf.agent.effects.pending'];
  const ours = async (metric: string) => (await meters.points(metric, 'delta')).filter((p) => p.attributes['gen_ai.agent.name'] === name);
  const breaker = async () => (await meters.points('kamf.client.breaker.state', 'delta')).filter((p) => p.attributes['kamf.client.instance'] === rt.instanceId);
  for (const g of agentGauges) expect((await ours(g)).length, g).toBe(1);
  expect((await breaker()).length).toBe(1);

  await rt.close();
  await server.stop(2_000);
  for (const g of agentGauges) expect(await ours(g), g).toEqual([]);
  expect(await breaker()).toEqual([]);
}, 60_000);

it('a stopped router reports no instruments', async () => {
  const P = `rstop-${randomUUID().slice(0, 6)}.`;
  const config = testConfig();
  await ensureTopics(connectMesh(config).kafka, [{ name: `${P}a2a.ingress`, partitions: 1, compacted: false }]);
  const router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
  const names = ['kamf.router.in_flight', 'kamf.router.consumer.lag', 'kamf.router.records.in'];
  for (const n of names) expect((await meters.points(n, 'delta')).length, n).toBe(1);
  await router.stop();
  for (const n of names) expect(await meters.points(n, 'delta'), n).toEqual([]);
}, 60_000);
