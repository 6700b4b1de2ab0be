/** Caller verifiers: bearer JWT (signature, audience, expiry, issuer) and API keys; refusals never echo credentials. */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { anyOf, apiKeyVerifier, bearerJwtVerifier } from '../../../src/security/index.js';

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const now = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>, key = issuerKey.privateKey, kid = 'k1') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
const bearer = bearerJwtVerifier({ keys: { k1: issuerKey.publicKey }, audience: 'agent:data', issuer: 'https://idp.example' });
const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);
const good = { sub: 'alice', aud: 'agent:data', iss: 'https://idp.example' };

describe('bearer JWT', () => {
  it('admits a valid token as its subject', async () => {
    const u = await bearer.authenticate({ authorization: `Bearer ${await token({ ...good, exp: now() + 60 })}` });
    expect([u.userName, u.isAuthenticated, u.scheme]).toEqual(['alice', true, 'bearer']);
  });

  it('refuses a missing, expired, wrong-audience, wrong-issuer, forged or exp-less token, without echoing it', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing', undefined, /bearer token is required/],
      ['expired', await token({ ...good, exp: now() - 3600 }), /expired/],
      ['audience', await token({ ...good, aud: 'agent:cs', exp: now() + 60 }), /claim aud/],
      ['issuer', await token({ ...good, iss: 'https://evil', exp: now() + 60 }), /claim iss/],
      ['forged', await token({ ...good, exp: now() + 60 }, otherKey.privateKey), /bad signature/],
      ['no exp', await token(good), /claim exp/],
    ];
    for (const [what, t, why] of cases) {
      const r = await refusal(bearer.authenticate(t ? { authorization: `Bearer ${t}` } : {}));
      expect(r, what).toMatch(/^A2A_UNAUTHENTICATED: Unauthenticated: /);
      expect(r, what).toMatch(why);
      if (t) expect(r, what).not.toContain(t.slice(-20));
    }
  });

  it('takes keys from a JWKS by kid', async () => {
    const jwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'k1', alg: 'ES256' };
    const v = bearerJwtVerifier({ jwks: { keys: [jwk] }, audience: 'agent:data' });
    expect((await v.authenticate({ authorization: `Bearer ${await token({ sub: 'bob', aud: 'agent:data', exp: now() + 60 })}` })).userName).toBe('bob');
    expect(await refusal(v.authenticate({ authorization: `Bearer ${await token({ sub: 'bob', aud: 'agent:data', exp: now() + 60 }, issuerKey.privateKey, 'k9')}` }))).toMatch(/no matching key/);
  });

  it('declares an HTTP bearer scheme and requires it', () => {
    expect(bearer.securitySchemes.bearer?.scheme).toEqual({ $case: 'httpAuthSecurityScheme', value: { description: 'JWT bearer token', scheme: 'Bearer', bearerFormat: 'JWT' } });
    expect(bearer.securityRequirements).toEqual([{ schemes: { bearer: { list: [] } } }]);
  });

  it('needs exactly one key source', () => {
    expect(() => bearerJwtVerifier({ audience: 'a' })).toThrow(/exactly one of jwksUrl, jwks or keys/);
  });
});

describe('API keys', () => {
  const keys = apiKeyVerifier({ keys: { 'k-alice-0123456789abcdef': 'alice', 'k-bob-0123456789abcdef00': 'bob' } });
  it('maps each key to its user and refuses others', async () => {
    expect((await keys.authenticate({ 'x-api-key': 'k-bob-0123456789abcdef00' })).userName).toBe('bob');
    const r = await refusal(keys.authenticate({ 'x-api-key': 'k-mallory-0123456789abcd' }));
    expect(r).toMatch(/API key was not accepted/);
    expect(r).not.toContain('mallory');
    expect(await refusal(keys.authenticate({}))).toMatch(/API key is required \(header x-api-key\)/);
  });
  it('refuses short keys in the configuration', () => {
    expect(() => apiKeyVerifier({ keys: { short: 'x' } })).toThrow(/at least 16/);
  });
  it('anyOf admits either scheme and declares both as alternatives', async () => {
    const v = anyOf(bearer, keys);
    expect((await v.authenticate({ 'x-api-key': 'k-alice-0123456789abcdef' })).userName).toBe('alice');
    expect(Object.keys(v.securitySchemes)).toEqual(['bearer', 'apiKey']);
    expect(v.securityRequirements).toHaveLength(2);
    expect(await refusal(v.authenticate({}))).toMatch(/bearer token is required .*; or an API key is required/);
  });
});
