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
/** Keys of the tick records (routed to nobody, never compared). */
const TICK = 'tick-';

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
  run(seen: (key: string, agents: string | undefined) => boolean, ticks?: boolean): Promise<{ joined: Record<string, string[]>; left: Record<string, string[]> }>;
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

  /**
   * Keys on each topic once the expected total has arrived and nothing more came for a while (duplicates show).
   * `ticks`: meanwhile a record every 500 ms on each ingress partition, routed to nobody and left out of the keys:
   * Flink's event-time join emits a request only once event time passes it, which on a quiet ingress waits for
   * the next record.
   */
  async function readKeys(expected: number, ticks: boolean, quietMs = 2000): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = Object.fromEntries(DYNAMIC_TOPICS.map((t) => [t, []]));
    const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    for (const t of DYNAMIC_TOPICS) await consumer.subscribe({ topic: `${P}${t}`, fromBeginning: true });
    let n = 0;
    let last = Date.now();
    void consumer.run({
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString() ?? 'null';
        if (key.startsWith(TICK)) return;
        out[topic.slice(P.length)]!.push(key);
        n++;
        last = Date.now();
      },
    });
    const producer = ticks ? kafka.producer() : undefined;
    await producer?.connect();
    let tick = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000 && !(n >= expected && Date.now() - last > quietMs)) {
      await new Promise((r) => setTimeout(r, 500));
      const now = Date.now();
      await producer?.send({ topic: `${P}a2a.ingress`, messages: [0, 1].map((partition) => ({ key: `${TICK}${tick++}`, value: 'tick', partition, timestamp: String(now), headers: { 'kamf-target-agent': 'nobody' } })) });
    }
    await producer?.disconnect();
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
    async run(seen, ticks = false) {
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
      const joined = await readKeys(9, ticks);
      // newbie leaves: its keys are emptied, and its skill is unroutable again
      await newbie.stop();
      await until('the router to see newbie leave', () => seen('skill:new_skill', '') && seen('agent:newbie', '') && seen('skill:shared', 'alpha'));
      await send([
        { key: 'n3', headers: { 'kamf-skill': 'new_skill' } },
        { key: 's4', headers: { 'kamf-skill': 'shared' } },
      ]);
      const left = await readKeys(11, ticks);
      return { joined, left };
    },
    async tearDown() {
      if (opts.ownProjector) await projector.stop().catch(() => {});
      for (const p of publishers) await p.stop().catch(() => {});
    },
  };
}
