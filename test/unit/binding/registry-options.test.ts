/** Option validation and the card resolver, against fakes (no Kafka). */
import { AgentCard } from '@a2a-js/sdk';
import type { Kafka } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import {
  AgentDirectory,
  AgentPublisher,
  KafkaAgentCardResolver,
  agentNameFromUrl,
  agentUrl,
  type CardDirectory,
  type LiveAgent,
  type RegistryConnection,
} from '../../../src/binding/registry/index.js';
import { KamfError, isKamfError } from '../../../src/core/errors.js';

const fakeConnection: RegistryConnection = {
  kafka: { producer: () => ({}), consumer: () => ({}), admin: () => ({}) } as unknown as Kafka,
  codec: { encodeAgentRegistration: vi.fn(), decodeAgentRegistration: vi.fn() },
};
const card = AgentCard.fromJSON({ name: 'Echo', description: 'echo', version: '1' });

function configError(fn: () => unknown): KamfError {
  try {
    fn();
  } catch (err) {
    expect(isKamfError(err, 'CONFIG_INVALID')).toBe(true);
    return err as KamfError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('AgentPublisher options', () => {
  it('defaults: heartbeat 5 s, TTL 3 heartbeats, a fresh instance id, key <agent>/<instance>', () => {
    const p = new AgentPublisher({ connection: fakeConnection, agentName: 'echo', card });
    expect(p.heartbeatMs).toBe(5_000);
    expect(p.ttlMs).toBe(15_000);
    expect(p.topic).toBe('agent.registry');
    expect(p.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.key).toBe(`echo/${p.instanceId}`);
    expect(p.state).toBe('new');
    expect(new AgentPublisher({ connection: fakeConnection, agentName: 'echo', card }).instanceId).not.toBe(p.instanceId);
  });

  it('refuses bad names, a TTL shorter than the heartbeat, and a missing connection, naming each field', () => {
    expect(configError(() => new AgentPublisher({ connection: fakeConnection, agentName: 'my agent', card })).message).toMatch(/agentName/);
    expect(configError(() => new AgentPublisher({ connection: fakeConnection, agentName: 'a/b', card })).message).toMatch(/agentName/);
    expect(configError(() => new AgentPublisher({ connection: fakeConnection, agentName: 'echo', card, instanceId: 'x/y' })).message).toMatch(/instanceId/);
    expect(configError(() => new AgentPublisher({ connection: fakeConnection, agentName: 'echo', card, heartbeatMs: 1_000, ttlMs: 500 })).message).toMatch(
      /ttlMs: must be at least heartbeatMs/,
    );
    const err = configError(() => new AgentPublisher({ connection: {} as RegistryConnection, agentName: 'echo', card: undefined as unknown as AgentCard }));
    expect(err.message).toMatch(/connection/);
    expect(err.message).toMatch(/card/);
  });

  it('refuses updateCard / drain before start', async () => {
    const p = new AgentPublisher({ connection: fakeConnection, agentName: 'echo', card });
    await expect(p.updateCard(card)).rejects.toSatisfy((e) => isKamfError(e, 'REGISTRY_CLOSED'));
    await expect(p.drain()).rejects.toSatisfy((e) => isKamfError(e, 'REGISTRY_CLOSED'));
    await p.stop(); // stopping what never started is fine
    expect(p.state).toBe('stopped');
  });
});

describe('AgentDirectory options', () => {
  it('defaults to a group of its own on agent.registry, and validates', () => {
    const a = new AgentDirectory({ connection: fakeConnection });
    const b = new AgentDirectory({ connection: fakeConnection });
    expect(a.topic).toBe('agent.registry');
    expect(a.groupId).toMatch(/^kamf-directory-/);
    expect(a.groupId).not.toBe(b.groupId);
    expect(configError(() => new AgentDirectory({ connection: fakeConnection, topic: 'bad topic!' })).message).toMatch(/topic/);
    expect(configError(() => new AgentDirectory({ connection: fakeConnection, expiryCheckMs: 0 })).message).toMatch(/expiryCheckMs/);
  });

  it('waitFor rejects at once when stopped, and after the timeout naming the live agents', async () => {
    const d = new AgentDirectory({ connection: fakeConnection });
    const err = await d.waitFor('ghost', { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(isKamfError(err, 'REGISTRY_AGENT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(/agent "ghost" has no live instance in agent\.registry after 20 ms .*no agent is live/);
    const pending = d.waitFor('ghost', { timeoutMs: 10_000 });
    await d.stop();
    await expect(pending).rejects.toSatisfy((e) => isKamfError(e, 'REGISTRY_CLOSED'));
    await expect(d.waitFor('ghost')).rejects.toSatisfy((e) => isKamfError(e, 'REGISTRY_CLOSED'));
  });

  it('watch() ends when the directory stops or the signal aborts', async () => {
    const d = new AgentDirectory({ connection: fakeConnection });
    const ac = new AbortController();
    const a = d.watch({ signal: ac.signal });
    const b = d.watch();
    const nextA = a.next();
    ac.abort();
    expect(await nextA).toEqual({ value: undefined, done: true });
    const nextB = b.next();
    await d.stop();
    expect(await nextB).toEqual({ value: undefined, done: true });
    expect(d.listenerCount('joined')).toBe(0);
  });
});

describe('KafkaAgentCardResolver', () => {
  const agent = (name: string): LiveAgent => ({ agentName: name, card: AgentCard.fromJSON({ name }), instances: [] });

  it('parses agent:// URLs and bare names', () => {
    expect(agentNameFromUrl('agent://echo')).toBe('echo');
    expect(agentNameFromUrl('AGENT://echo/')).toBe('echo');
    expect(agentNameFromUrl(' echo.v2 ')).toBe('echo.v2');
    expect(agentUrl('echo')).toBe('agent://echo');
    expect(() => agentNameFromUrl('agent://')).toThrow(/does not name an agent/);
    expect(() => agentNameFromUrl('agent://a/b')).toThrow(/does not name an agent/);
    expect(() => agentNameFromUrl('kafka://h:9092/agent.echo.requests')).toThrow(/does not name an agent/);
  });

  it('asks the directory with its timeout and returns a copy of the card', async () => {
    const live = agent('echo');
    const directory: CardDirectory = { waitFor: vi.fn(async () => live) };
    const r = new KafkaAgentCardResolver({ directory, timeoutMs: 1_234 });
    const c = await r.resolve('agent://echo', '/ignored.json');
    expect(directory.waitFor).toHaveBeenCalledWith('echo', { timeoutMs: 1_234 });
    expect(c).toEqual(live.card);
    expect(c).not.toBe(live.card);
  });

  it('passes the directory error through, and HTTP URLs to the fallback only', async () => {
    const directory: CardDirectory = {
      waitFor: vi.fn(async (name: string) => {
        throw new KamfError('REGISTRY_AGENT_NOT_FOUND', `agent "${name}" has no live instance; live agents: echo`);
      }),
    };
    await expect(new KafkaAgentCardResolver({ directory }).resolve('ghost')).rejects.toThrow(/agent "ghost" .* live agents: echo/);
    await expect(new KafkaAgentCardResolver({ directory }).resolve('https://x.example')).rejects.toThrow(/no HTTP fallback/);
    const fallback = { resolve: vi.fn(async () => agent('web').card) };
    expect(await new KafkaAgentCardResolver({ directory, fallback }).resolve('https://x.example', '/card.json')).toEqual(agent('web').card);
    expect(fallback.resolve).toHaveBeenCalledWith('https://x.example', '/card.json');
    expect(configError(() => new KafkaAgentCardResolver({ directory: {} as CardDirectory })).message).toMatch(/directory/);
  });
});
