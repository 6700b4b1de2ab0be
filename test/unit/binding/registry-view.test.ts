/** Liveness rules of the directory, without Kafka: records in, transitions out, on a fake clock. */
import { AgentCard } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import type { AgentRegistration } from '../../../src/codec/index.js';
import { RegistryView, cardHasSkill, parseRegistryKey, registryKey } from '../../../src/binding/registry/index.js';

const card = (name: string, skills: Array<{ id: string; name?: string; description?: string; tags?: string[] }> = [], version = '1') =>
  AgentCard.fromJSON({ name, description: '', version, skills: skills.map((s) => ({ name: '', description: '', tags: [], ...s })) });

function reg(agentName: string, instanceId: string, over: Partial<AgentRegistration> = {}): AgentRegistration {
  return { agentName, instanceId, card: card(agentName), startedAt: 1_000, heartbeatAt: 1_000, ttlMs: 300, status: 'UP', ...over };
}
const key = (r: AgentRegistration) => registryKey(r.agentName, r.instanceId);

describe('registry keys', () => {
  it('are <agentName>/<instanceId>, split at the first slash', () => {
    expect(registryKey('echo', 'a/b')).toBe('echo/a/b');
    expect(parseRegistryKey('echo/a/b')).toEqual({ agentName: 'echo', instanceId: 'a/b' });
    expect(parseRegistryKey('echo')).toEqual({ agentName: 'echo', instanceId: undefined });
  });
});

describe('RegistryView', () => {
  it('joined on the first UP record, nothing on a plain heartbeat, updated when the card changes', () => {
    const v = new RegistryView();
    const r = reg('echo', 'i1');
    expect(v.apply(key(r), r, 1_000).map((e) => e.type)).toEqual(['joined']);
    expect(v.apply(key(r), { ...r, heartbeatAt: 1_200 }, 1_200)).toEqual([]);
    const changed = { ...r, heartbeatAt: 1_300, card: card('echo', [{ id: 'x' }], '2') };
    const [e] = v.apply(key(r), changed, 1_300);
    expect(e).toMatchObject({ type: 'updated', agentName: 'echo', instanceId: 'i1', key: 'echo/i1' });
    expect(e?.type === 'updated' && e.previous.card).toEqual(r.card);
    expect(v.agent('echo')?.card).toEqual(changed.card);
  });

  it('left on tombstone, on DRAINING and on expiry, with the instances that remain', () => {
    const v = new RegistryView();
    const a = reg('echo', 'a');
    const b = reg('echo', 'b');
    const c = reg('echo', 'c');
    for (const r of [a, b, c]) v.apply(key(r), r, 1_000);
    expect(v.agent('echo')?.instances).toHaveLength(3);

    expect(v.apply(key(a), null, 1_100)).toMatchObject([{ type: 'left', reason: 'tombstone', instanceId: 'a', remaining: 2 }]);
    expect(v.apply(key(b), { ...b, status: 'DRAINING', heartbeatAt: 1_100 }, 1_100)).toMatchObject([
      { type: 'left', reason: 'draining', instanceId: 'b', remaining: 1 },
    ]);
    expect(v.expire(1_300)).toEqual([]); // expiresAt = 1300 is still alive at 1300
    expect(v.expire(1_301)).toMatchObject([{ type: 'left', reason: 'expired', instanceId: 'c', remaining: 0 }]);
    expect(v.expire(5_000)).toEqual([]); // once
    expect(v.agents()).toEqual([]);
    expect(v.size).toBe(2); // drained and expired entries stay until their tombstone
    expect(v.apply(key(a), null, 5_000)).toEqual([]); // tombstone of what is already gone: no event
  });

  it('a heartbeat after an expiry or a drain joins again', () => {
    const v = new RegistryView();
    const r = reg('echo', 'i1');
    v.apply(key(r), r, 1_000);
    v.expire(2_000);
    expect(v.apply(key(r), { ...r, heartbeatAt: 2_000 }, 2_000).map((e) => e.type)).toEqual(['joined']);
    v.apply(key(r), { ...r, status: 'DRAINING', heartbeatAt: 2_100 }, 2_100);
    expect(v.apply(key(r), { ...r, heartbeatAt: 2_200 }, 2_200).map((e) => e.type)).toEqual(['joined']);
  });

  it('records that are already expired or draining when read are not live and emit nothing', () => {
    const v = new RegistryView();
    const old = reg('old', 'i1', { heartbeatAt: 100, ttlMs: 300 });
    const drain = reg('drain', 'i1', { status: 'DRAINING' });
    expect(v.apply(key(old), old, 1_000)).toEqual([]);
    expect(v.apply(key(drain), drain, 1_000)).toEqual([]);
    expect(v.agents()).toEqual([]);
    expect(v.apply(key(old), null, 1_000)).toEqual([]);
  });

  it('groups instances by agent, newest first, and the newest card represents the agent', () => {
    const v = new RegistryView();
    const old = reg('echo', 'old', { startedAt: 10, card: card('echo', [], 'v1') });
    const neu = reg('echo', 'new', { startedAt: 20, card: card('echo', [{ id: 'new-skill' }], 'v2') });
    const other = reg('alpha', 'x');
    for (const r of [old, neu, other]) v.apply(key(r), r, 1_000);
    expect(v.agents().map((a) => a.agentName)).toEqual(['alpha', 'echo']);
    const echo = v.agent('echo')!;
    expect(echo.instances.map((i) => i.instanceId)).toEqual(['new', 'old']);
    expect(echo.card.version).toBe('v2');
    expect(echo.instances[0]).toMatchObject({ key: 'echo/new', expiresAt: 1_300 });
    expect(v.snapshot().map((e) => [e.type, e.key]).sort()).toEqual([
      ['joined', 'alpha/x'],
      ['joined', 'echo/new'],
      ['joined', 'echo/old'],
    ]);
  });

  it('a key that changes agent reads as one instance leaving and another joining', () => {
    const v = new RegistryView();
    const r = reg('echo', 'i1');
    v.apply('shared', r, 1_000);
    expect(v.apply('shared', { ...r, agentName: 'other' }, 1_000).map((e) => [e.type, e.agentName])).toEqual([
      ['left', 'echo'],
      ['joined', 'other'],
    ]);
  });

  it('finds skills by id (exact), name, description or tag (substring), case-insensitively', () => {
    const c = card('x', [{ id: 'Translate', name: 'Translator', description: 'Turns French into English', tags: ['Language', 'i18n'] }]);
    expect(cardHasSkill(c, 'translate')).toBe(true);
    expect(cardHasSkill(c, 'TRANSLATOR')).toBe(true);
    expect(cardHasSkill(c, 'french')).toBe(true);
    expect(cardHasSkill(c, 'lang')).toBe(true);
    expect(cardHasSkill(c, 'I18N')).toBe(true);
    expect(cardHasSkill(c, 'Transl')).toBe(true); // through the name
    expect(cardHasSkill(card('y', [{ id: 'translate-v2' }]), 'translate')).toBe(false); // ids match exactly
    expect(cardHasSkill(c, 'german')).toBe(false);
    expect(cardHasSkill(c, '   ')).toBe(false);
    const v = new RegistryView();
    v.apply('a/1', reg('a', '1', { card: c }), 1_000);
    v.apply('b/1', reg('b', '1'), 1_000);
    expect(v.findBySkill('language').map((a) => a.agentName)).toEqual(['a']);
  });
});
