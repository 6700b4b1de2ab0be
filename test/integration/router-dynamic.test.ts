/**
 * Dynamic routing on the embedded engine, against the real broker and registry: flink-sql/routing-dynamic.sql runs
 * while the routes projector keeps agent.routes from agent.registry. An agent the SQL never names announces its card
 * after the router started; from then on requests for its skills (and naming it) reach its request topics, a skill
 * two agents offer fans out to both, and when the agent stops its requests are unroutable again. Every topic's
 * records are compared as multisets of keys (duplicates count).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { AgentPublisher, RoutesProjector } from '../../src/binding/registry/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { lookupRef, lookupRows } from '../../src/router/lookup-state.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';

const id = randomUUID().slice(0, 6);
const P = `dyn-${id}.`;
const quiet = { warn: () => {} };
let mesh: MeshConnection;
let kafka: Kafka;
let projector: RoutesProjector;
let router: RunningRouter;
const publishers: AgentPublisher[] = [];

async function announce(name: string, skills: string[]): Promise<AgentPublisher> {
  await ensureTopics(kafka, ['', '.high'].map((lane) => ({ name: `${P}agent.${name}.requests${lane}`, partitions: 2, compacted: false })));
  const card = kafkaAgentCard({ name, description: `${name} (dynamic routing test)`, skills: skills.map((s) => ({ id: s, name: s, description: s })), brokers: mesh.endpoints.brokers, topic: `${P}agent.${name}.requests` });
  const p = new AgentPublisher({ connection: { kafka: mesh.kafka, codec: mesh.codec }, agentName: name, card, topic: `${P}agent.registry`, heartbeatMs: 1000, logger: quiet });
  await p.start();
  publishers.push(p);
  return p;
}

async function send(records: Array<{ key: string; headers: Record<string, string> }>): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: `${P}a2a.ingress`, messages: records.map((r) => ({ key: r.key, value: `v-${r.key}`, headers: r.headers })) });
  await producer.disconnect();
}

/** Keys on each topic once the expected total has arrived and nothing more came for a while. */
async function readKeys(topics: string[], expected: number, quietMs = 1500): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = Object.fromEntries(topics.map((t) => [t, []]));
  const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const t of topics) await consumer.subscribe({ topic: `${P}${t}`, fromBeginning: true });
  let n = 0;
  let last = Date.now();
  void consumer.run({
    eachMessage: async ({ topic, message }) => {
      out[topic.slice(P.length)]!.push(message.key?.toString() ?? 'null');
      n++;
      last = Date.now();
    },
  });
  const t0 = Date.now();
  while (Date.now() - t0 < 25_000 && !(n >= expected && Date.now() - last > quietMs)) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  for (const t of topics) out[t]!.sort();
  return out;
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  kafka = mesh.kafka;
  await ensureTopics(kafka, [
    { name: `${P}a2a.ingress`, partitions: 2, compacted: false },
    { name: `${P}a2a.unroutable`, partitions: 1, compacted: false },
    { name: `${P}agent.registry`, partitions: 1, compacted: true },
  ]);
  await announce('alpha', ['shared', 'alpha_only']);
  projector = new RoutesProjector({ connection: { kafka: mesh.kafka, codec: mesh.codec }, registryTopic: `${P}agent.registry`, topic: `${P}agent.routes`, logger: quiet });
  await projector.start();
  router = await startRouter({ file: pkgPath('flink-sql', 'routing-dynamic.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
}, 120_000);

afterAll(async () => {
  await router?.stop().catch(() => {});
  await projector?.stop().catch(() => {});
  for (const p of publishers) await p.stop().catch(() => {});
});

describe('dynamic routing on the embedded engine', () => {
  it('a new agent is routable by skill and by name once its card is announced, and not after it left', { timeout: 120_000 }, async () => {
    const routes = lookupRows(lookupRef(mesh.endpoints.brokers, `${P}agent.routes`));
    await send([
      { key: 's1', headers: { 'kamf-skill': 'shared' } },
      { key: 's2', headers: { 'kamf-skill': 'SHARED', 'kamf-priority': 'high' } },
      { key: 'a1', headers: { 'kamf-skill': 'alpha_only' } },
      { key: 'n1', headers: { 'kamf-skill': 'new_skill' } }, // nobody offers it yet
      { key: 't1', headers: { 'kamf-target-agent': 'newbie' } }, // not live yet
    ]);
    const newbie = await announce('newbie', ['new_skill', 'shared']);
    await until('the router to see newbie', () => routes.get('skill:new_skill')?.agents === 'newbie' && routes.get('skill:shared')?.agents === 'alpha,newbie');
    await send([
      { key: 'n2', headers: { 'kamf-skill': 'new_skill' } },
      { key: 's3', headers: { 'kamf-skill': 'shared' } },
      { key: 't2', headers: { 'kamf-target-agent': 'newbie', 'kamf-priority': 'urgent' } },
    ]);
    const topics = ['agent.alpha.requests', 'agent.alpha.requests.high', 'agent.newbie.requests', 'agent.newbie.requests.high', 'a2a.unroutable'];
    expect(await readKeys(topics, 9)).toEqual({
      'agent.alpha.requests': ['a1', 's1', 's3'],
      'agent.alpha.requests.high': ['s2'],
      'agent.newbie.requests': ['n2', 's3'],
      'agent.newbie.requests.high': ['t2'],
      'a2a.unroutable': ['n1', 't1'],
    });

    // newbie leaves: its keys get tombstones, and its skill is unroutable again
    await newbie.stop();
    await until('the router to see newbie leave', () => !routes.has('skill:new_skill') && !routes.has('agent:newbie') && routes.get('skill:shared')?.agents === 'alpha');
    await send([{ key: 'n3', headers: { 'kamf-skill': 'new_skill' } }, { key: 's4', headers: { 'kamf-skill': 'shared' } }]);
    const after = await readKeys(topics, 11);
    expect(after['a2a.unroutable']).toEqual(['n1', 'n3', 't1']);
    expect(after['agent.alpha.requests']).toEqual(['a1', 's1', 's3', 's4']);
    expect(after['agent.newbie.requests']).toEqual(['n2', 's3']);
    expect(router.stats?.().deadLettered).toBe(0);
  });
});
