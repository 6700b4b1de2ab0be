/**
 * Client-side behaviour of the Kafka binding: per-call timeout, retries of safe operations, AbortSignal,
 * the per-agent circuit breaker, and many concurrent callers each getting exactly their own replies.
 */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { AgentDirectory, KafkaAgentCardResolver } from '../../src/binding/registry/index.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { ensureTopics } from '../../src/core/admin.js';
import { isKamfError } from '../../src/core/errors.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const topics = { tasks: `a2a.tasks.${suffix}`, dlq: `a2a.dlq.${suffix}`, registry: `agent.registry.${suffix}` };
let mesh: MeshConnection;
const closers: Array<() => Promise<unknown>> = [];

const msg = (text: string): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });

beforeAll(() => {
  mesh = connectMesh(testConfig());
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

describe('client resilience', () => {
  it('times out with a typed error, retries safe operations, then the circuit opens and fails fast', async () => {
    const name = `nobody-${suffix}`; // a topic no agent serves
    await ensureTopics(mesh.kafka, [{ name: agentRequestTopic(name), partitions: 1, compacted: false }]);
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 300, retries: 1, retryBackoffMs: 10, breakerThreshold: 2, breakerCooldownMs: 60_000 });
    closers.push(() => rt.close());
    const card = kafkaAgentCard({ name, description: 'n', brokers: testConfig().kafka.brokers, skills: [] });
    const client = await rt.clientFactory().createFromAgentCard(card);

    const err = await client.getTask({ id: 'x', tenant: '', historyLength: undefined }).catch((e: unknown) => e);
    expect(isKamfError(err, 'A2A_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain(agentRequestTopic(name));
    // GetTask is safe to repeat: 1 try + 1 retry, each produced as its own request record
    const admin = mesh.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(agentRequestTopic(name));
    await admin.disconnect();
    expect(Number(ends[0]!.high)).toBe(2);

    // CancelTask is not retried; the breaker counts calls, not attempts: this second failed call opens the circuit
    const cancel = await client.cancelTask({ id: 'x', tenant: '', metadata: undefined }).catch((e: unknown) => e);
    expect(isKamfError(cancel, 'A2A_TIMEOUT')).toBe(true);
    const fast = Date.now();
    const open = await client.getTask({ id: 'x', tenant: '', historyLength: undefined }).catch((e: unknown) => e);
    expect(isKamfError(open, 'A2A_CIRCUIT_OPEN')).toBe(true);
    expect(Date.now() - fast).toBeLessThan(300); // failed fast, did not wait for a timeout
    expect(rt.breakerStates()[agentRequestTopic(name)]).toBe('open');
  });

  it('timeouts of SendMessage (deduplicated by the server) never open the circuit', async () => {
    const name = `nobody3-${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: agentRequestTopic(name), partitions: 1, compacted: false }]);
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 200, retries: 1, retryBackoffMs: 10, breakerThreshold: 1, breakerCooldownMs: 60_000 });
    closers.push(() => rt.close());
    const card = kafkaAgentCard({ name, description: 'n', brokers: testConfig().kafka.brokers, skills: [] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const err = await client.sendMessage({ tenant: '', message: msg('anyone?'), configuration: undefined, metadata: undefined }).catch((e: unknown) => e);
      codes.push(isKamfError(err) ? err.code : String(err));
    }
    // each call was tried twice (its own safe retry was never refused) and the circuit stayed closed
    expect(codes).toEqual(['A2A_TIMEOUT', 'A2A_TIMEOUT', 'A2A_TIMEOUT']);
    expect(rt.breakerStates()[agentRequestTopic(name)]).toBe('closed');
    const admin = mesh.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(agentRequestTopic(name));
    await admin.disconnect();
    expect(Number(ends[0]!.high)).toBe(6);
  });

  it('honours an AbortSignal', async () => {
    const name = `nobody2-${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: agentRequestTopic(name), partitions: 1, compacted: false }]);
    const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
    closers.push(() => rt.close());
    const card = kafkaAgentCard({ name, description: 'n', brokers: testConfig().kafka.brokers, skills: [] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const ac = new AbortController();
    setTimeout(() => ac.abort('user gave up'), 200);
    const err = await client.getTask({ id: 'x', tenant: '', historyLength: undefined }, { signal: ac.signal }).catch((e: unknown) => e);
    expect(isKamfError(err, 'A2A_ABORTED')).toBe(true);
    expect((err as Error).message).toContain('user gave up');
    expect(rt.inbox.pending).toBe(0);
  });

  it('discovers the agent in the registry and many concurrent callers each get exactly their own replies', async () => {
    const name = `echo-${suffix}`;
    const agent: RunningAgent = await serveAgent({
      config: testConfig(),
      mesh,
      name,
      description: 'echo',
      skills: [{ id: 'echo', name: 'Echo', description: 'echo' }],
      executor: new EchoExecutor(),
      topics,
      partitions: 4,
    });
    closers.push(() => agent.stop(2000));
    const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, topic: topics.registry });
    await directory.start();
    closers.push(() => directory.stop());

    const callers = await Promise.all(Array.from({ length: 4 }, () => KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 })));
    for (const c of callers) closers.push(() => c.close());
    expect(new Set(callers.map((c) => c.inbox.topic)).size).toBe(4);
    const results = await Promise.all(
      callers.map(async (rt, i) => {
        // no address in the caller: the card comes from agent.registry
        const client = await rt.clientFactory(new KafkaAgentCardResolver({ directory })).createFromUrl(`agent://${name}`);
        const texts = Array.from({ length: 50 }, (_, j) => `caller ${i} request ${j}`);
        const tasks = (await Promise.all(texts.map((t) => client.sendMessage({ tenant: '', message: msg(t), configuration: undefined, metadata: undefined })))) as Task[];
        return { rt, texts, answers: tasks.map((t) => (t.artifacts[0]?.parts[0]?.content as { value: string }).value) };
      }),
    );
    for (const r of results) {
      expect(r.answers).toEqual(r.texts);
      expect(r.rt.inbox.stats.orphaned).toBe(0); // nobody received anyone else's replies
      expect(r.rt.inbox.stats.received).toBe(50);
    }

    // callers come and go: a closed client deletes its reply topic, and the agent must keep answering new ones
    await callers[0]!.close();
    const fresh = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000 });
    closers.push(() => fresh.close());
    const client = await fresh.clientFactory(new KafkaAgentCardResolver({ directory })).createFromUrl(`agent://${name}`);
    const after = (await client.sendMessage({ tenant: '', message: msg('after a client left'), configuration: undefined, metadata: undefined })) as Task;
    expect((after.artifacts[0]?.parts[0]?.content as { value: string }).value).toBe('after a client left');
  });
});
