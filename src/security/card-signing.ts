/**
 * Signed Agent Cards (A2A §8.4): a JWS over the RFC 8785 canonical card, made and checked with the SDK's
 * `generateAgentCardSignature` / `verifyAgentCardSignature` (on `jose`).
 *
 * The SDK canonicalises a card with `AgentCard.fromJSON`, which expects the ProtoJSON form. KAMF holds cards in the
 * SDK's TypeScript form (oneofs as `{ $case, value }`), where `securitySchemes` would not survive `fromJSON` and so
 * would not be covered by the signature. Both sides therefore hand the SDK `AgentCard.toJSON(card)`: every field of
 * the card, security schemes included, is signed.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AgentCard as AgentCardFns, generateAgentCardSignature, verifyAgentCardSignature, type AgentCard, type AgentCardSignature } from '@a2a-js/sdk';
import type { JWK } from 'jose';
import { KamfError } from '../core/errors.js';
import { foreignRequestTopics } from './card-topics.js';

type Key = KeyObject | JWK;

export interface CardSigningKey {
  /** The private key (a Node KeyObject or a private JWK). */
  privateKey: Key;
  /** Key id: verifiers look the public key up by it. */
  kid: string;
  /** JWS algorithm. Default ES256 (P-256 keys); RS256, EdDSA... as the key allows. */
  alg?: string;
  /** Optional URL of the signer's JWKS, carried in the protected header. */
  jku?: string;
}

/** Trusted public keys, by key id (KeyObjects, public JWKs, or PEM strings). */
export type TrustedCardKeys = Record<string, Key | string>;

/** The card in ProtoJSON form, which the SDK's canonicalisation reads completely. */
const asJson = (card: AgentCard) => AgentCardFns.toJSON({ ...card, signatures: [] }) as unknown as AgentCard;

/** Signs a card: returns it with one more signature (earlier ones by the same key id are replaced). */
export async function signCard(card: AgentCard, key: CardSigningKey): Promise<AgentCard> {
  const header = { alg: key.alg ?? 'ES256', kid: key.kid, typ: 'JOSE', ...(key.jku ? { jku: key.jku } : {}) };
  const signed = await generateAgentCardSignature(key.privateKey, header)(asJson(card));
  const signature = signed.signatures.at(-1) as AgentCardSignature;
  const kept = (card.signatures ?? []).filter((s) => signatureKid(s) !== key.kid);
  return { ...card, signatures: [...kept, { protected: signature.protected, signature: signature.signature, header: signature.header ?? undefined }] };
}

export function signatureKid(s: AgentCardSignature): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(s.protected, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

export interface CardPolicy {
  /** Cards must carry a signature by one of these keys; unsigned or forged cards are refused. */
  trustedKeys?: TrustedCardKeys;
  /** Refuse cards that name request topics other than the agent's own (default true when a policy is given). */
  ownTopicsOnly?: boolean;
}

/** Checks a card against a policy; throws A2A_CARD_UNTRUSTED with why. `agentName` is its registry name. */
export type CardCheck = (card: AgentCard, agentName: string) => Promise<void>;

/**
 * The check a directory and a card resolver apply: a valid signature by a trusted key (when keys are given), and
 * request topics that are the agent's own.
 */
export function cardCheck(policy: CardPolicy): CardCheck {
  const keys = new Map<string, Key>();
  for (const [kid, k] of Object.entries(policy.trustedKeys ?? {})) keys.set(kid, typeof k === 'string' ? createPublicKey(k) : k);
  const verify = verifyAgentCardSignature(async (kid) => {
    const k = keys.get(kid);
    if (!k) throw new KamfError('A2A_CARD_UNTRUSTED', `no trusted key with id "${kid}"`);
    return k;
  });
  const ownTopicsOnly = policy.ownTopicsOnly ?? true;
  return async (card, agentName) => {
    if (ownTopicsOnly) {
      const foreign = foreignRequestTopics(card, agentName);
      if (foreign.length) {
        throw new KamfError('A2A_CARD_UNTRUSTED', `the card of ${agentName} names request topics that are not its own: ${foreign.join(', ')}`, {
          details: { agentName, foreign },
        });
      }
    }
    if (!policy.trustedKeys) return;
    if (!card.signatures?.length) {
      throw new KamfError('A2A_CARD_UNTRUSTED', `the card of ${agentName} is not signed, and signatures are required`, { details: { agentName } });
    }
    try {
      await verify({ ...asJson(card), signatures: card.signatures });
    } catch (cause) {
      const kids = card.signatures.map(signatureKid).filter(Boolean).join(', ') || 'none';
      throw new KamfError('A2A_CARD_UNTRUSTED', `the card of ${agentName} has no valid signature by a trusted key (key ids on the card: ${kids})`, {
        cause,
        details: { agentName, kids },
      });
    }
  };
}
