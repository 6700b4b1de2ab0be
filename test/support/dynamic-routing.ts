/**
 * The dynamic-routing scenario both engines run (test/integration/router-dynamic.test.ts on the embedded engine,
 * test/integration/router-flink.test.ts on Flink): flink-sql/routing-dynamic.sql routes while a routes projector
 * keeps agent.routes from agent.registry; an agent the SQL never names announces its card after the router started,
 * then stops. Returns every output topic's record keys (sorted: a multiset) after each phase.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import type { MeshConnection } from '../../src/binding/mesh.js';
import { AgentPublisher, RoutesProjector } from '../../src/binding/registry/index.js';
import { ensureTopics } from '../../src/core/admin.js';

const quiet = { warn: () => {} };

export const DYNAMIC_TOPICS = ['agent.alpha.requests', 'agent.alpha.requests.high', 'agent.newbie.requests', 'agent.newbie.requests.high', 'a2a.unroutable'];

/** What both engines must write: after newbie joined, and after it left. */
export const DYNAMIC_EXPECTED = {
  joined: {
    'agent.alpha.requests': ['a1', 's1', 's3'],
    'agent.alpha.requests.high': ['s2'],
    'agent.newbie.requests': ['n2', 's3'],
    'agent.newbie.requests.high': ['t2'],
    'a2a.unroutable': ['n1', 't1'],
  },
  left: {
    'agent.alpha.requests': ['a1', 's1', 's3', 's4'],
    'agent.alpha.requests.high': ['s2'],
    'agent.newbie.requests': ['n2', 's3'],
    'agent.newbie.requests.high': ['t2'],
    'a2a.unroutable': ['n1', 'n3', 't1'],
  },
};

export interface DynamicScenario {
  /** The scenario's own projector (started by `setUp` when asked for); it also shows what agent.routes holds. */
  projector: RoutesProjector;
  /** Creates the topics, announces `alpha` and (if asked for) starts the projector, before the router starts. */
  setUp(): Promise<void>;
  /** Runs the phases once the router runs; `seen(key, agents)` tells when the router can see a route row. */
  run(seen: (key: string, agents: string | undefined) => boolean): Promise<{ joined: Record<string, string[]>; left: Record<string, string[]> }>;
  tearDown(): Promise<void>;
}

export function dynamicScenario(mesh: MeshConnection, prefix: string, opts: { ownProjector: boolean }): DynamicScenario {
  const kafka: Kafka = mesh.kafka;
  const P = prefix;
  const publishers: AgentPublisher[] = [];
  const projector = new RoutesProjector({ connection: { kafka: mesh.kafka, codec: mesh.codec }, registryTopic: `${P}agent.registry`, topic: `${P}agent.routes`, logger: quiet });

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

  /** Keys on each topic once the expected total has arrived and nothing more came for a while (duplicates show). */
  async function readKeys(expected: number, quietMs = 2000): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = Object.fromEntries(DYNAMIC_TOPICS.map((t) => [t, []]));
    const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    for (const t of DYNAMIC_TOPICS) await consumer.subscribe({ topic: `${P}${t}`, fromBeginning: true });
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
    while (Date.now() - t0 < 60_000 && !(n >= expected && Date.now() - last > quietMs)) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    for (const t of DYNAMIC_TOPICS) out[t]!.sort();
    return out;
  }

  async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    projector,
    async setUp() {
      await ensureTopics(kafka, [
        { name: `${P}a2a.ingress`, partitions: 2, compacted: false },
        { name: `${P}a2a.unroutable`, partitions: 1, compacted: false },
        { name: `${P}agent.registry`, partitions: 1, compacted: true },
      ]);
      await announce('alpha', ['shared', 'alpha_only']);
      if (opts.ownProjector) await projector.start();
    },
    async run(seen) {
      await send([
        { key: 's1', headers: { 'kamf-skill': 'shared' } },
        { key: 's2', headers: { 'kamf-skill': 'SHARED', 'kamf-priority': 'high' } },
        { key: 'a1', headers: { 'kamf-skill': 'alpha_only' } },
        { key: 'n1', headers: { 'kamf-skill': 'new_skill' } }, // nobody offers it yet
        { key: 't1', headers: { 'kamf-target-agent': 'newbie' } }, // not live yet
      ]);
      const newbie = await announce('newbie', ['new_skill', 'shared']);
      await until('the router to see newbie', () => seen('skill:new_skill', 'newbie') && seen('skill:shared', 'alpha,newbie') && seen('agent:newbie', 'newbie'));
      await send([
        { key: 'n2', headers: { 'kamf-skill': 'new_skill' } },
        { key: 's3', headers: { 'kamf-skill': 'shared' } },
        { key: 't2', headers: { 'kamf-target-agent': 'newbie', 'kamf-priority': 'urgent' } },
      ]);
      const joined = await readKeys(9);
      // newbie leaves: its keys are emptied, and its skill is unroutable again
      await newbie.stop();
      await until('the router to see newbie leave', () => seen('skill:new_skill', '') && seen('agent:newbie', '') && seen('skill:shared', 'alpha'));
      await send([
        { key: 'n3', headers: { 'kamf-skill': 'new_skill' } },
        { key: 's4', headers: { 'kamf-skill': 'shared' } },
      ]);
      const left = await readKeys(11);
      return { joined, left };
    },
    async tearDown() {
      if (opts.ownProjector) await projector.stop().catch(() => {});
      for (const p of publishers) await p.stop().catch(() => {});
    },
  };
}
