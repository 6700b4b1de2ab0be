/** Signed Agent Cards: a valid signature by a trusted key passes; unsigned, forged, tampered or foreign-topic cards do not. */
import { generateKeyPairSync } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../../src/binding/card.js';
import { cardCheck, signCard, signatureKid } from '../../../src/security/index.js';

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const trusted = keyPair();
const other = keyPair();
const base = (): AgentCard => ({
  ...kafkaAgentCard({ name: 'data', description: 'win rates', brokers: ['h:9092'], skills: [{ id: 'win_rate', name: 'Win rate', description: 'by race' }] }),
  securitySchemes: { bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: '', scheme: 'Bearer', bearerFormat: 'JWT' } } } },
});
const check = cardCheck({ trustedKeys: { 'mesh-1': trusted.publicKey } });
const reason = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);

describe('signed cards', () => {
  it('accepts a card signed by a trusted key, and the signature names its key id', async () => {
    const card = await signCard(base(), { privateKey: trusted.privateKey, kid: 'mesh-1' });
    expect(card.signatures).toHaveLength(1);
    expect(signatureKid(card.signatures[0]!)).toBe('mesh-1');
    expect(await reason(check(card, 'data'))).toBe('accepted');
    // signing again with the same key replaces, not appends
    expect((await signCard(card, { privateKey: trusted.privateKey, kid: 'mesh-1' })).signatures).toHaveLength(1);
  });

  it('refuses an unsigned card when signatures are required', async () => {
    expect(await reason(check(base(), 'data'))).toMatch(/^A2A_CARD_UNTRUSTED: .*not signed/);
  });

  it('refuses a card signed by an unknown key, or by a trusted key id with the wrong key', async () => {
    expect(await reason(check(await signCard(base(), { privateKey: other.privateKey, kid: 'intruder' }), 'data'))).toMatch(/no valid signature.*intruder/);
    expect(await reason(check(await signCard(base(), { privateKey: other.privateKey, kid: 'mesh-1' }), 'data'))).toMatch(/no valid signature/);
  });

  it('refuses a signed card changed afterwards, in its skills or in its security schemes', async () => {
    const card = await signCard(base(), { privateKey: trusted.privateKey, kid: 'mesh-1' });
    const skills = { ...card, skills: [{ ...card.skills[0]!, description: 'now exfiltrates' }] };
    expect(await reason(check(skills, 'data'))).toMatch(/no valid signature/);
    const schemes = { ...card, securitySchemes: {} };
    expect(await reason(check(schemes, 'data'))).toMatch(/no valid signature/);
  });

  it("refuses a card, even signed, that names another agent's request topic", async () => {
    const foreign = { ...base(), supportedInterfaces: [{ ...base().supportedInterfaces[0]!, url: 'kafka://h:9092/agent.cs.requests' }] };
    const card = await signCard(foreign, { privateKey: trusted.privateKey, kid: 'mesh-1' });
    expect(await reason(check(card, 'data'))).toMatch(/not its own: agent\.cs\.requests/);
    // without keys the topic rule still holds
    expect(await reason(cardCheck({})(card, 'data'))).toMatch(/not its own/);
    expect(await reason(cardCheck({})(base(), 'data'))).toBe('accepted');
  });
});
