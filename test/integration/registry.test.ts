/**
 * Discovery on a real broker and registry: publishers write to a compacted registry topic of their own per
 * test, directories read it back.
 */
import { isDeepStrictEqual } from 'node:util';
import { AgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AgentDirectory,
  AgentPublisher,
  KafkaAgentCardResolver,
  type AgentDirectoryOptions,
  type AgentPublisherOptions,
  type DirectoryEvent,
  type DirectoryEventMap,
  type RegistryConnection,
  type RegistryLogger,
} from '../../src/binding/registry/index.js';
import { A2ACodec, AvroSerde } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { isKamfError } from '../../src/core/errors.js';
import { createKafka, createRegistry } from '../../src/core/kafka.js';
import { frame } from '../../src/codec/index.js';
import { testConfig, testEndpoints, uniqueTopic } from '../support/infra.js';

let connection: Extract<RegistryConnection, { kafka: unknown }>;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(() => {
  const config = testConfig();
  const endpoints = testEndpoints();
  connection = {
    kafka: createKafka(config, endpoints, { clientId: 'kamf-registry-test' }),
    codec: new A2ACodec({ serde: new AvroSerde({ registry: createRegistry(config, endpoints) }) }),
  };
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function card(name: string, skills: Array<{ id: string; name: string; description: string; tags: string[] }>, version = '1.0.0'): AgentCard {
  return AgentCard.fromJSON({
    name: `${name} agent`,
    description: `the ${name} agent`,
    version,
    supportedInterfaces: [{ url: `kafka://127.0.0.1:9092/agent.${name}.requests`, protocolBinding: 'https://kamf.dev/a2a/bindings/kafka/v1', protocolVersion: '1.0' }],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills,
  });
}

const echoCard = () => card('echo', [{ id: 'echo', name: 'Echo', description: 'Repeats the text it gets', tags: ['text', 'Testing'] }]);
const plannerCard = () => card('planner', [{ id: 'plan', name: 'Plan a trip', description: 'Builds an itinerary', tags: ['travel', 'Scheduling'] }]);

async function registryTopic(): Promise<string> {
  const topic = uniqueTopic('agent.registry.test');
  await ensureTopics(connection.kafka, [{ name: topic, compacted: true, partitions: 1 }]);
  return topic;
}

function quietLogger() {
  return { warn: vi.fn<RegistryLogger['warn']>() };
}

async function publisher(topic: string, options: Partial<AgentPublisherOptions> & Pick<AgentPublisherOptions, 'agentName' | 'card'>): Promise<AgentPublisher> {
  const p = new AgentPublisher({ connection, topic, logger: quietLogger(), ...options });
  running.push(p);
  await p.start();
  return p;
}

async function directory(topic: string, options: Partial<AgentDirectoryOptions> = {}): Promise<AgentDirectory> {
  const d = new AgentDirectory({ connection, topic, logger: quietLogger(), ...options });
  running.push(d);
  await d.start();
  return d;
}

/** The next event of `type` matching `pred`, or a rejection after `timeoutMs`. */
function nextEvent<K extends 'joined' | 'updated' | 'left'>(
  dir: AgentDirectory,
  type: K,
  pred: (e: DirectoryEventMap[K][0]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<DirectoryEventMap[K][0]> {
  return new Promise((resolve, reject) => {
    const listener = (e: DirectoryEvent) => {
      if (!pred(e as DirectoryEventMap[K][0])) return;
      clearTimeout(timer);
      dir.off(type, listener as never);
      resolve(e as DirectoryEventMap[K][0]);
    };
    const timer = setTimeout(() => {
      dir.off(type, listener as never);
      reject(new Error(`no ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    dir.on(type, listener as never);
  });
}

describe('agent registry on a real broker', () => {
  it('a directory started later sees every instance, each card intact', async () => {
    const topic = await registryTopic();
    const a = await publisher(topic, { agentName: 'echo', card: echoCard(), instanceId: 'echo-a', heartbeatMs: 5_000 });
    await publisher(topic, { agentName: 'echo', card: echoCard(), instanceId: 'echo-b' });
    await publisher(topic, { agentName: 'planner', card: plannerCard() });

    const dir = await directory(topic);
    expect(dir.state).toBe('ready');
    expect(dir.list().map((x) => x.agentName)).toEqual(['echo', 'planner']);
    const echo = dir.get('echo')!;
    expect(echo.instances.map((i) => i.key).sort()).toEqual(['echo/echo-a', 'echo/echo-b']);
    expect(isDeepStrictEqual(echo.card, echoCard())).toBe(true);
    expect(dir.get('planner')!.card).toStrictEqual(plannerCard());
    const inst = echo.instances.find((i) => i.instanceId === 'echo-a')!;
    expect(inst).toMatchObject({ agentName: 'echo', status: 'UP', ttlMs: 15_000, startedAt: a.registration!.startedAt });
    expect(inst.expiresAt).toBe(inst.heartbeatAt + 15_000);

    // one instance leaving does not take the agent with it: each instance has its own key
    const left = nextEvent(dir, 'left');
    await a.stop();
    expect(await left).toMatchObject({ agentName: 'echo', instanceId: 'echo-a', reason: 'tombstone', remaining: 1 });
    expect(dir.get('echo')!.instances.map((i) => i.instanceId)).toEqual(['echo-b']);
    expect(dir.stats.tombstones).toBe(1);
  });

  it('finds agents by skill id, name, description or tag, case-insensitively', async () => {
    const topic = await registryTopic();
    await publisher(topic, { agentName: 'echo', card: echoCard() });
    await publisher(topic, { agentName: 'planner', card: plannerCard() });
    const dir = await directory(topic);
    const names = (q: string) => dir.findBySkill(q).map((a) => a.agentName);
    expect(names('echo')).toEqual(['echo']);
    expect(names('PLAN')).toEqual(['planner']);
    expect(names('schedul')).toEqual(['planner']);
    expect(names('itinerary')).toEqual(['planner']);
    expect(names('testing')).toEqual(['echo']);
    expect(names('e')).toEqual(['echo', 'planner']);
    expect(names('nothing-like-this')).toEqual([]);
    expect(names('  ')).toEqual([]);
  });

  it('emits joined, updated (new card) and left (draining, tombstone) as they happen', async () => {
    const topic = await registryTopic();
    const dir = await directory(topic);
    expect(dir.list()).toEqual([]);
    const events = dir.watch();

    const p = await publisher(topic, { agentName: 'echo', card: echoCard() });
    const joined = (await events.next()).value as DirectoryEvent;
    expect(joined).toMatchObject({ type: 'joined', agentName: 'echo', instanceId: p.instanceId, key: `echo/${p.instanceId}` });

    const newCard = card('echo', [...echoCard().skills, { id: 'shout', name: 'Shout', description: 'Repeats it louder', tags: ['text'] }], '1.1.0');
    await p.updateCard(newCard);
    const updated = (await events.next()).value as DirectoryEvent;
    expect(updated.type).toBe('updated');
    expect(updated.instance.card).toStrictEqual(newCard);
    expect(updated.type === 'updated' && updated.previous.card).toStrictEqual(echoCard());
    expect(dir.get('echo')!.card).toStrictEqual(newCard);
    expect(dir.findBySkill('shout').map((a) => a.agentName)).toEqual(['echo']);

    await p.drain();
    expect((await events.next()).value).toMatchObject({ type: 'left', reason: 'draining', remaining: 0 });
    expect(dir.get('echo')).toBeUndefined();

    const q = await publisher(topic, { agentName: 'planner', card: plannerCard() });
    expect((await events.next()).value).toMatchObject({ type: 'joined', agentName: 'planner' });
    await q.stop();
    expect((await events.next()).value).toMatchObject({ type: 'left', agentName: 'planner', reason: 'tombstone' });
    expect(dir.list()).toEqual([]);

    await events.return!();
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it('heartbeats keep an instance alive; one that stops heartbeating expires', async () => {
    const topic = await registryTopic();
    const dir = await directory(topic, { expiryCheckMs: 100 });
    const joined = nextEvent(dir, 'joined');
    const p = await publisher(topic, { agentName: 'flaky', card: echoCard(), heartbeatMs: 200, ttlMs: 700 });
    const first = await joined;

    let leftEarly = false;
    dir.once('left', () => (leftEarly = true));
    await new Promise((r) => setTimeout(r, 1_200)); // well past one TTL: only heartbeats keep it
    expect(leftEarly).toBe(false);
    expect(dir.get('flaky')!.instances[0]!.heartbeatAt).toBeGreaterThan(first.instance.heartbeatAt);
    expect(p.stats.published).toBeGreaterThan(3);

    dir.removeAllListeners('left');
    const killedAt = Date.now();
    const left = nextEvent(dir, 'left');
    await p.kill(); // no tombstone, like a crash
    const e = await left;
    expect(e).toMatchObject({ agentName: 'flaky', reason: 'expired', remaining: 0 });
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect(dir.get('flaky')).toBeUndefined();
    expect(dir.stats.tombstones).toBe(0);
  });

  it('skips poison records, counts them, and keeps going', async () => {
    const topic = await registryTopic();
    const producer = connection.kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'junk/1', value: Buffer.from('this is not avro') },
          { key: 'junk/2', value: frame(987_654, Buffer.from([1, 2, 3])) }, // unknown schema id
          { key: 'junk/empty', value: Buffer.alloc(0) }, // empty, which is not a tombstone (compacted topics refuse keyless records)
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await publisher(topic, { agentName: 'echo', card: echoCard() });

    const logger = quietLogger();
    const dir = await directory(topic, { logger });
    expect(dir.list().map((a) => a.agentName)).toEqual(['echo']);
    expect(dir.stats.decodeErrors).toBe(3);
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(logger.warn.mock.calls[0]![0]).toMatch(/skipping unreadable record .* key junk\/1/);

    // still consuming: a later agent joins, a later poison record is skipped
    const poisoned = new Promise((r) => dir.once('poison', r));
    const p2 = connection.kafka.producer();
    await p2.connect();
    await p2.send({ topic, messages: [{ key: 'junk/3', value: Buffer.from([0]) }] });
    await p2.disconnect();
    await poisoned;
    const joined = nextEvent(dir, 'joined', (e) => e.agentName === 'planner');
    await publisher(topic, { agentName: 'planner', card: plannerCard() });
    await joined;
    expect(dir.stats.decodeErrors).toBe(4);
    expect(dir.list().map((a) => a.agentName)).toEqual(['echo', 'planner']);
  });

  it('resolves cards for ClientFactory, waits for late agents, and names the live ones when it cannot', async () => {
    const topic = await registryTopic();
    await publisher(topic, { agentName: 'echo', card: echoCard() });
    const dir = await directory(topic);
    const resolver = new KafkaAgentCardResolver({ directory: dir, timeoutMs: 3_000 });

    expect(await resolver.resolve('agent://echo')).toStrictEqual(echoCard());
    expect(await resolver.resolve('echo')).toStrictEqual(echoCard());

    const late = resolver.resolve('agent://planner/');
    await publisher(topic, { agentName: 'planner', card: plannerCard() });
    expect(await late).toStrictEqual(plannerCard());

    const quick = new KafkaAgentCardResolver({ directory: dir, timeoutMs: 300 });
    const err = await quick.resolve('agent://ghost').catch((e: unknown) => e);
    expect(isKamfError(err, 'REGISTRY_AGENT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(/agent "ghost" has no live instance in agent\.registry\.test\.\S+ after 300 ms; live agents: echo, planner/);
    await expect(quick.resolve('https://example.com')).rejects.toThrow(/HTTP URL/);

    // the SDK's ClientFactory takes it as its card resolver
    const httpCard = AgentCard.fromJSON({
      ...AgentCard.toJSON(echoCard()) as object,
      supportedInterfaces: [{ url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    });
    await publisher(topic, { agentName: 'web', card: httpCard });
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { cardResolver: resolver }));
    const client = await factory.createFromUrl('agent://web');
    expect(client).toBeDefined();
  });

  it('refuses a topic that does not exist', async () => {
    const d = new AgentDirectory({ connection, topic: uniqueTopic('agent.registry.missing'), logger: quietLogger() });
    const err = await d.start().catch((e: unknown) => e);
    expect(isKamfError(err, 'KAFKA_ERROR')).toBe(true);
    expect((err as Error).message).toMatch(/does not exist/);
    expect(d.state).toBe('stopped');
    const p = new AgentPublisher({ connection, topic: uniqueTopic('agent.registry.missing'), agentName: 'echo', card: echoCard(), logger: quietLogger() });
    await expect(p.start()).rejects.toThrow(/registry topic agent\.registry\.missing\.\S+ does not exist/);
    expect(p.state).toBe('stopped');
  });
});
