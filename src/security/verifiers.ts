/**
 * Caller verifiers for the binding's `authenticate` hook: bearer JWTs (JWKS URL, a local JWKS, or static keys;
 * signature, audience, issuer and expiry checked by `jose`) and API keys. Each also says what an Agent Card must
 * declare (`securitySchemes` and `securityRequirements`, A2A §4.5), so a card and its agent never disagree.
 *
 * The identity is the verified token's subject (or another claim): a signed identity, so no header a caller writes
 * can make it speak for someone else. Tasks are scoped to that user by the task store. Tokens and keys are never
 * logged or put in error messages.
 */
import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { SecurityRequirement, SecurityScheme } from '@a2a-js/sdk';
import type { User } from '@a2a-js/sdk/server';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { KamfError } from '../core/errors.js';

/** A verified caller (the SDK's `User`), with the claims it was verified from. */
export interface VerifiedUser extends User {
  readonly claims?: Readonly<JWTPayload>;
  readonly scheme: string;
}

export interface CallerVerifier {
  /** The binding's `authenticate` hook: request headers (lower-case names) → user, or throws A2A_UNAUTHENTICATED. */
  authenticate(headers: Record<string, string>): Promise<VerifiedUser>;
  /** What the agent's card declares for it. */
  securitySchemes: Record<string, SecurityScheme>;
  securityRequirements: SecurityRequirement[];
}

const user = (userName: string, scheme: string, claims?: JWTPayload): VerifiedUser => ({ isAuthenticated: true, userName, scheme, ...(claims ? { claims } : {}) });

/** The refusal a caller gets (JSON-RPC -32040 through the binding): why, never the credential. */
export function unauthenticated(why: string): KamfError {
  return new KamfError('A2A_UNAUTHENTICATED', `Unauthenticated: ${why}`);
}

const bearerOptionsSchema = z
  .object({
    /** Name of the scheme in the card. Default "bearer". */
    name: z.string().min(1).default('bearer'),
    /** The issuer's JWKS (fetched and cached by jose, keys rotated by kid). */
    jwksUrl: z.string().url().optional(),
    /** A JWKS held locally. */
    jwks: z.custom<JSONWebKeySet>((v) => Array.isArray((v as { keys?: unknown } | null)?.keys), { message: 'expected { keys: [...] }' }).optional(),
    /** Static public keys by kid (KeyObjects or public JWKs), or one key for every token. */
    keys: z.record(z.string(), z.custom<KeyObject | JWK>((v) => typeof v === 'object' && v !== null)).optional(),
    /** Required `aud`: a token for another audience is refused. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Required `iss`, when given. */
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Accepted algorithms. Default: asymmetric ones only (no `none`, no HMAC with a public key). */
    algorithms: z.array(z.string()).default(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']),
    /** The claim that names the user. Default `sub`. */
    userClaim: z.string().min(1).default('sub'),
    /** Clock skew tolerated on exp / nbf, seconds. Default 30. */
    clockToleranceSec: z.number().int().min(0).max(600).default(30),
  })
  .refine((o) => [o.jwksUrl, o.jwks, o.keys].filter((k) => k !== undefined).length === 1, {
    message: 'give exactly one of jwksUrl, jwks or keys',
  });
export interface BearerOptions {
  /** Name of the scheme in the card. Default "bearer". */
  name?: string;
  /** The issuer's JWKS URL (fetched and cached by jose; keys rotate by kid). */
  jwksUrl?: string;
  /** A JWKS held locally. */
  jwks?: JSONWebKeySet;
  /** Static public keys by kid (one key serves tokens without a kid). */
  keys?: Record<string, KeyObject | JWK>;
  /** Required audience. */
  audience: string | string[];
  /** Required issuer, when given. */
  issuer?: string | string[];
  /** Accepted algorithms (default: asymmetric only). */
  algorithms?: string[];
  /** The claim naming the user (default `sub`). */
  userClaim?: string;
  /** Clock skew tolerated, seconds (default 30). */
  clockToleranceSec?: number;
}

function parse<T extends z.ZodType>(what: string, schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new KamfError('CONFIG_INVALID', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Bearer JWT in the `authorization` header (`Bearer <jwt>`): signature, `aud`, `exp` (and `iss`, `nbf`) checked. */
export function bearerJwtVerifier(options: BearerOptions): CallerVerifier {
  const o = parse('bearerJwtVerifier', bearerOptionsSchema, options);
  let getKey: JWTVerifyGetKey;
  if (o.jwksUrl) getKey = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.jwks) getKey = createLocalJWKSet(o.jwks);
  else {
    const keys = o.keys!;
    const only = Object.keys(keys).length === 1 ? Object.values(keys)[0] : undefined;
    getKey = async (header) => {
      const k = (header.kid !== undefined ? keys[header.kid] : undefined) ?? only;
      if (!k) throw unauthenticated(`no key for the token's key id${header.kid ? ` "${header.kid}"` : ''}`);
      return k as never;
    };
  }
  return {
    securitySchemes: { [o.name]: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: 'JWT bearer token', scheme: 'Bearer', bearerFormat: 'JWT' } } } },
    securityRequirements: [{ schemes: { [o.name]: { list: [] } } }],
    async authenticate(headers) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
      if (!m) throw unauthenticated('a bearer token is required (authorization: Bearer <JWT>)');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(m[1]!, getKey, {
          audience: o.audience,
          ...(o.issuer ? { issuer: o.issuer } : {}),
          algorithms: o.algorithms,
          clockTolerance: o.clockToleranceSec,
          requiredClaims: ['exp', o.userClaim],
        }));
      } catch (err) {
        throw unauthenticated(`the bearer token was not accepted (${tokenProblem(err)})`);
      }
      const name = payload[o.userClaim];
      if (typeof name !== 'string' || !name) throw unauthenticated(`the token has no ${o.userClaim} claim`);
      return user(name, o.name, payload);
    },
  };
}

/** What was wrong with a token, in words that reveal nothing about it. */
function tokenProblem(err: unknown): string {
  if (err instanceof KamfError) return err.message.replace(/^Unauthenticated: /, '');
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason === 'check_failed' ? 'not accepted' : err.reason}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid) return 'malformed';
  return 'not verifiable';
}

const apiKeyOptionsSchema = z.object({
  /** Name of the scheme in the card. Default "apiKey". */
  name: z.string().min(1).default('apiKey'),
  /** Header that carries the key. Default `x-api-key`. */
  header: z.string().min(1).default('x-api-key'),
  /** Accepted keys → the user each one is. Held as SHA-256 digests only, compared in constant time. */
  keys: z
    .record(z.string(), z.string().min(1))
    .refine((k) => Object.keys(k).length > 0 && Object.keys(k).every((key) => key.length >= 16), 'API keys must be at least 16 characters (and at least one given)'),
});
export interface ApiKeyOptions {
  /** Name of the scheme in the card. Default "apiKey". */
  name?: string;
  /** Header carrying the key. Default `x-api-key`. */
  header?: string;
  /** Accepted keys (at least 16 characters) → the user each one is. */
  keys: Record<string, string>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** API key in a header (default `x-api-key`), each key naming one user. */
export function apiKeyVerifier(options: ApiKeyOptions): CallerVerifier {
  const o = parse('apiKeyVerifier', apiKeyOptionsSchema, options);
  const header = o.header.toLowerCase();
  const known = Object.entries(o.keys).map(([k, userName]) => ({ digest: digest(k), userName }));
  return {
    securitySchemes: { [o.name]: { scheme: { $case: 'apiKeySecurityScheme', value: { description: 'API key', location: 'header', name: header } } } },
    securityRequirements: [{ schemes: { [o.name]: { list: [] } } }],
    async authenticate(headers) {
      const presented = headers[header];
      if (!presented) throw unauthenticated(`an API key is required (header ${header})`);
      const d = digest(presented);
      // compare with every key, so timing says nothing about which one nearly matched
      let match: string | undefined;
      for (const k of known) if (timingSafeEqual(k.digest, d)) match ??= k.userName;
      if (!match) throw unauthenticated('the API key was not accepted');
      return user(match, o.name);
    },
  };
}

/**
 * Several schemes, any one of which admits a caller (the card lists each as an alternative requirement). The
 * first verifier whose credential is present decides; without any credential the refusal names them all.
 */
export function anyOf(...verifiers: CallerVerifier[]): CallerVerifier {
  return {
    securitySchemes: Object.assign({}, ...verifiers.map((v) => v.securitySchemes)) as Record<string, SecurityScheme>,
    securityRequirements: verifiers.flatMap((v) => v.securityRequirements),
    async authenticate(headers) {
      const refusals: string[] = [];
      for (const v of verifiers) {
        try {
          return await v.authenticate(headers);
        } catch (err) {
          refusals.push((err as Error).message.replace(/^Unauthenticated: /, ''));
        }
      }
      throw unauthenticated(refusals.join('; or '));
    },
  };
}
