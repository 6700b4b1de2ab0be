/** Least-privilege ACL derivation: what each role gets, and cards that name topics not their own. */
import { describe, expect, it } from 'vitest';
import { isKamfError } from '../../../src/core/errors.js';
import { deriveAcls, foreignRequestTopics, isOwnRequestTopic, type AclGrant } from '../../../src/security/index.js';
import type { AgentCard } from '@a2a-js/sdk';

const line = (g: AclGrant) => `${g.operation} ${g.resource} ${g.pattern} ${g.name}`;
const card = (...topics: string[]) => ({ supportedInterfaces: topics.map((t) => ({ url: `kafka://h:9092/${t}` })) }) as unknown as AgentCard;

describe('deriveAcls', () => {
  it('an agent reads only its own request topics and groups, and writes replies only under the prefix', () => {
    const acls = deriveAcls({ agent: 'data', role: 'agent', lanes: ['', 'high'] });
    expect(acls.principal).toBe('User:data');
    const lines = acls.grants.map(line);
    expect(lines.filter((l) => l.startsWith('read topic'))).toEqual([
      'read topic literal agent.data.requests',
      'read topic literal agent.data.requests.high',
      'read topic literal a2a.tasks',
    ]);
    expect(lines.filter((l) => l.startsWith('write topic'))).toEqual([
      'write topic prefixed a2a.replies.',
      'write topic literal a2a.tasks',
      'write topic literal agent.registry',
      'write topic literal a2a.dlq',
    ]);
    expect(lines).toContain('read group literal agent.data');
    expect(lines).toContain('read group prefixed agent.data.lane-');
    // nothing prefixed that reaches other agents' topics, and no CREATE / DELETE at all
    expect(lines.some((l) => / (prefixed|literal) agent\.$/.test(l))).toBe(false);
    expect(lines.some((l) => /^(create|delete)/.test(l))).toBe(false);
  });

  it('a caller writes requests and reads only reply topics under its own principal', () => {
    const lines = deriveAcls({ agent: 'cli', role: 'caller', user: 'alice' }).grants.map(line);
    expect(lines).toContain('write topic prefixed agent.');
    expect(lines).toContain('read topic prefixed a2a.replies.alice.');
    expect(lines).not.toContain('read topic prefixed a2a.replies.');
    expect(lines.filter((l) => l.startsWith('read topic'))).toEqual(['read topic prefixed a2a.replies.alice.', 'read topic literal agent.registry']);
  });

  it('a coordinator is both, without duplicates', () => {
    const acls = deriveAcls({ agent: 'balance', role: 'coordinator' });
    const lines = acls.grants.map(line);
    expect(lines.filter((l, i) => lines.indexOf(l) !== i)).toEqual([]); // each grant counted once
    expect(lines).toContain('read topic literal agent.balance.requests');
    expect(lines).toContain('read topic prefixed a2a.replies.balance.');
  });

  it("refuses a card that names another agent's request topic", () => {
    expect(() => deriveAcls({ agent: 'data', role: 'agent', card: card('agent.data.requests', 'agent.cs.requests') })).toThrow(/not its own: agent\.cs\.requests/);
    const err = (() => {
      try {
        deriveAcls({ agent: 'data', role: 'agent', card: card('a2a.ingress') });
      } catch (e) {
        return e;
      }
    })();
    expect(isKamfError(err, 'CONFIG_INVALID')).toBe(true);
  });

  it('refuses bad names', () => {
    expect(() => deriveAcls({ agent: 'a b', role: 'agent' })).toThrow(/invalid ACL request/);
  });
});

describe('own request topics', () => {
  it('is the plain topic or one lane segment of it', () => {
    expect(isOwnRequestTopic('agent.data.requests', 'data')).toBe(true);
    expect(isOwnRequestTopic('agent.data.requests.high', 'data')).toBe(true);
    // agent "data.requests.x"'s topic is not a lane of agent "data"
    expect(isOwnRequestTopic('agent.data.requests.x.requests', 'data')).toBe(false);
    expect(isOwnRequestTopic('agent.database.requests', 'data')).toBe(false);
    expect(foreignRequestTopics(card('agent.data.requests', 'a2a.replies.bob'), 'data')).toEqual(['a2a.replies.bob']);
  });
});
