/** From a request record to what the SDK handler needs: the decoded A2ARequest and a version-checked ServerCallContext. */
import type { AgentCard } from '@a2a-js/sdk';
import { ServerCallContext, validateVersion, type User } from '@a2a-js/sdk/server';
import type { A2ACodec } from '../../codec/index.js';
import type { A2ARequest } from '../../codec/mapping/envelopes.js';
import { KamfError, isKamfError, type KamfErrorCode } from '../../core/errors.js';
import { REPLY_PREFIX } from '../../security/acl.js';
import { HEADERS, KAFKA_BINDING_URI, type Headers } from '../protocol.js';

/** ServerCallContext.state keys set by the Kafka binding. */
export const STATE_HEADERS_KEY = 'headers';
export const STATE_INSTANCE_KEY = 'kamf.instance';

/** Maps request headers to a user; throws (e.g. `UnauthenticatedError`) to refuse the request. */
export type Authenticate = (headers: Headers) => Promise<User | undefined> | User | undefined;

/**
 * Decodes a request record's value. An unreachable schema registry is not a poison record: retry (holding this
 * request's slot, so the agent slows down instead of dead-lettering good requests) before giving up. Bad bytes
 * fail at once.
 */
export async function decodeRequest(codec: A2ACodec, value: Buffer | null, stopping: () => boolean): Promise<A2ARequest> {
  if (!value) throw new KamfError('A2A_EMPTY_RECORD', 'record has no value');
  for (let attempt = 0; ; attempt++) {
    try {
      return await codec.decodeA2ARequest(value);
    } catch (err) {
      const transient = isKamfError(err, 'SCHEMA_REGISTRY_ERROR');
      if (!transient || attempt >= 5 || stopping()) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/**
 * Why a request's `kamf-reply-to` is refused, or undefined when it is fine: replies go only to topics under
 * `prefix` (default `a2a.replies.`), so a request cannot make an agent write into another agent's request topic,
 * the task store or the registry. An empty prefix turns the check off. Such a request is dead-lettered unread.
 */
export function replyToRefusal(replyTopic: string | undefined, prefix: string = REPLY_PREFIX): KamfError | undefined {
  if (replyTopic === undefined || prefix === '') return undefined;
  if (replyTopic.startsWith(prefix) && replyTopic.length > prefix.length) return undefined;
  const shown = replyTopic.slice(0, 300);
  return new KamfError('A2A_REPLY_TO_REFUSED', `refused: ${HEADERS.replyTo} "${shown}" is not a reply topic (replies go only to topics under "${prefix}")`, {
    details: { replyTo: shown, prefix },
  });
}

/** The dead-letter code of a record decodeRequest refused: the KamfError's code, else CODEC_DECODE_FAILED. */
export function undecodableCode(err: unknown): KamfErrorCode {
  return isKamfError(err) ? err.code : 'CODEC_DECODE_FAILED';
}

/**
 * The call context of one request: user (from the `authenticate` hook), extensions, tenant, and the request headers
 * plus the serving instance in `state`. Throws when the hook refuses the caller or the requested A2A version is not
 * one the card supports.
 */
export async function callContext(
  request: A2ARequest,
  headers: Headers,
  opts: { card: AgentCard; instanceId: string; authenticate?: Authenticate | undefined },
): Promise<ServerCallContext> {
  // credentials travel in the authorization header; the agent decides who that is (tasks are scoped per user)
  const user = opts.authenticate ? await opts.authenticate(headers) : undefined;
  const extensions = headers[HEADERS.extensions]?.split(',').map((s) => s.trim()).filter(Boolean);
  const tenant = request.tenant ?? headers[HEADERS.tenant];
  const context = new ServerCallContext({
    requestedVersion: headers[HEADERS.version] ?? '0.3',
    ...(extensions?.length ? { requestedExtensions: extensions as never } : {}),
    ...(tenant ? { tenant } : {}),
    ...(user ? { user } : {}),
    // same key the SDK's HTTP transports use for request headers, plus where the request ran
    state: new Map<string, unknown>([
      [STATE_HEADERS_KEY, headers],
      [STATE_INSTANCE_KEY, opts.instanceId],
    ]),
  });
  validateVersion(context.requestedVersion, opts.card, KAFKA_BINDING_URI);
  return context;
}
