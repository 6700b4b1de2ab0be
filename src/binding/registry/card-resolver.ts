/**
 * KafkaAgentCardResolver: the SDK's `AgentCardResolver`, answered from `agent.registry` instead of
 * `/.well-known/agent-card.json`. Give it to `ClientFactory` (`cardResolver`) and
 * `factory.createFromUrl('agent://echo')` builds a client from the card the `echo` agent published.
 *
 * Accepted "base URLs": `agent://<name>` (a trailing `/` is ignored) or a bare agent name. `http(s)://` URLs go
 * to the `fallback` resolver when one is given (e.g. the SDK's `AgentCardResolver.default`), so one factory can
 * reach agents on Kafka and on HTTP. The `path` argument has no meaning on Kafka and is ignored.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentCardResolver } from '@a2a-js/sdk/client';
import { z } from 'zod';
import { KamfError } from '../../core/errors.js';
import { cardCheck, type CardCheck, type CardPolicy } from '../../security/card-signing.js';
import { AGENT_NAME_PATTERN, parseOptions } from './common.js';
import type { AgentDirectory } from './directory.js';

/** URL scheme of a registry reference. */
export const AGENT_URL_SCHEME = 'agent:';

/** What the resolver needs of a directory (an `AgentDirectory` fits). */
export type CardDirectory = Pick<AgentDirectory, 'waitFor'>;

export interface KafkaAgentCardResolverOptions {
  /** A started directory (the resolver does not start or stop it). */
  directory: CardDirectory;
  /** How long to wait for the agent to appear, ms. Default 10 000. */
  timeoutMs?: number;
  /** Resolver for `http://` and `https://` URLs. Without one, such URLs are refused. */
  fallback?: AgentCardResolver;
  /** Refuse (A2A_CARD_UNTRUSTED) a card this policy does not accept: unsigned, forged, or naming foreign topics. */
  cardPolicy?: CardPolicy;
}

const optionsSchema = z.object({
  directory: z.custom<CardDirectory>((v) => typeof (v as { waitFor?: unknown } | null)?.waitFor === 'function', {
    message: 'expected an AgentDirectory',
  }),
  timeoutMs: z.number().int().nonnegative().default(10_000),
  fallback: z
    .custom<AgentCardResolver>((v) => typeof (v as { resolve?: unknown } | null)?.resolve === 'function', {
      message: 'expected an AgentCardResolver',
    })
    .optional(),
  cardPolicy: z.custom<CardPolicy>((v) => typeof v === 'object' && v !== null, { message: 'expected a card policy' }).optional(),
});

/** `agent://<name>`, `agent://<name>/` or `<name>` → the agent name; anything else → CONFIG_INVALID. */
export function agentNameFromUrl(url: string): string {
  const trimmed = url.trim();
  const name = trimmed.toLowerCase().startsWith(`${AGENT_URL_SCHEME}//`)
    ? trimmed.slice(AGENT_URL_SCHEME.length + 2).replace(/\/+$/, '')
    : trimmed;
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new KamfError('CONFIG_INVALID', `"${url}" does not name an agent: expected agent://<name> or <name>, the name made of letters, digits, ".", "_", "-"`, {
      details: { url },
    });
  }
  return name;
}

/** `agent://<name>`: how to refer to an agent of the registry. */
export function agentUrl(agentName: string): string {
  return `${AGENT_URL_SCHEME}//${agentName}`;
}

export class KafkaAgentCardResolver implements AgentCardResolver {
  private readonly directory: CardDirectory;
  private readonly timeoutMs: number;
  private readonly fallback: AgentCardResolver | undefined;
  private readonly check: CardCheck | undefined;

  constructor(options: KafkaAgentCardResolverOptions) {
    const o = parseOptions('KafkaAgentCardResolver', optionsSchema, options);
    this.directory = o.directory;
    this.timeoutMs = o.timeoutMs;
    this.fallback = o.fallback;
    this.check = o.cardPolicy ? cardCheck(o.cardPolicy) : undefined;
  }

  /**
   * The card of the agent's newest live instance. Waits up to `timeoutMs` for the agent to appear, then rejects
   * with REGISTRY_AGENT_NOT_FOUND naming the agent and the live agents the directory knows.
   */
  async resolve(baseUrl: string, path?: string): Promise<AgentCard> {
    if (/^https?:\/\//i.test(baseUrl.trim())) {
      if (this.fallback) return this.fallback.resolve(baseUrl, path);
      throw new KamfError('CONFIG_INVALID', `${baseUrl} is an HTTP URL: this resolver reads agent.registry (agent://<name>) and has no HTTP fallback`, {
        details: { url: baseUrl },
      });
    }
    const agent = await this.directory.waitFor(agentNameFromUrl(baseUrl), { timeoutMs: this.timeoutMs });
    // a client never calls an agent whose card it does not trust, whatever its directory offered
    await this.check?.(agent.card, agent.agentName);
    // callers may normalise or decorate the card: hand out a copy, never the directory's state
    return structuredClone(agent.card);
  }
}
