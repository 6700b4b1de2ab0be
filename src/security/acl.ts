/**
 * Least-privilege Kafka ACLs for one principal of the mesh, derived from its role and (for agents) its card.
 *
 * An agent reads only its own request topics (each lane) in its own groups, writes replies only under the reply
 * prefix, and writes its task snapshots, its registry entry and dead letters. A caller writes requests and reads
 * only its own reply topics: those under `a2a.replies.<principal>.`, so a caller's client instance id must start
 * with `<principal>.` (see `callerInstanceId`). Everything else is denied by the StandardAuthorizer
 * (`allow.everyone.if.no.acl.found=false`). Kafka ACLs cannot restrict record keys: agents that share `a2a.tasks`
 * can read each other's task snapshots; give an agent a tasks topic of its own where that matters.
 */
import type { AgentCard } from '@a2a-js/sdk';
import { z } from 'zod';
import { KamfError } from '../core/errors.js';
import { TOPICS, agentRequestTopic } from '../core/topics.js';
import { cardRequestTopics, foreignRequestTopics } from './card-topics.js';

export type AclRole = 'agent' | 'caller' | 'coordinator' | 'router';
export type AclResource = 'topic' | 'group';
export type AclPattern = 'literal' | 'prefixed';
export type AclOperation = 'read' | 'write' | 'create' | 'delete' | 'describe';

/** One ALLOW rule for the principal, with why it is needed. */
export interface AclGrant {
  resource: AclResource;
  name: string;
  pattern: AclPattern;
  operation: AclOperation;
  why: string;
}

export interface PrincipalAcls {
  /** `User:<name>`. */
  principal: string;
  role: AclRole;
  grants: AclGrant[];
}

/** Prefix of every reply topic: agents may write under it, and only there. */
export const REPLY_PREFIX = 'a2a.replies.';

const nameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_", "-"');

const aclInputSchema = z.object({
  /** The agent's routing name (agent.<name>.requests); for a pure caller, any name (its principal by default). */
  agent: nameSchema,
  role: z.enum(['agent', 'caller', 'coordinator', 'router']),
  /** SCRAM user name; default: the agent name. */
  user: nameSchema.optional(),
  /** The agent's card: its request topics come from its Kafka interfaces, and must be its own. */
  card: z.custom<AgentCard>((v) => typeof v === 'object' && v !== null).optional(),
  /** Priority lanes the agent serves ('' = the plain request topic). Default ['', 'high']. */
  lanes: z.array(z.string().regex(/^[A-Za-z0-9_-]*$/)).default(['', 'high']),
  /** The consumer group of its request topic (default agent.<name>); lanes use <group>.lane-<i>. */
  groupId: nameSchema.optional(),
  topics: z
    .object({
      tasks: nameSchema.default(TOPICS.tasks.name),
      dlq: nameSchema.default(TOPICS.dlq.name),
      registry: nameSchema.default(TOPICS.registry.name),
      ingress: nameSchema.default(TOPICS.ingress.name),
    })
    .prefault({}),
  /** Router only: its consumer group. Default kamf-router. */
  routerGroup: nameSchema.default('kamf-router'),
});
/** What an ACL derivation takes (see the schema above for each field's meaning and default). */
export interface AclInput {
  agent: string;
  role: AclRole;
  user?: string;
  card?: AgentCard;
  lanes?: string[];
  groupId?: string;
  topics?: { tasks?: string; dlq?: string; registry?: string; ingress?: string };
  routerGroup?: string;
}

/** A caller's client instance id under its principal, so its reply topic is one the caller's ACLs let it read. */
export function callerInstanceId(user: string, suffix: string): string {
  return `${user}.${suffix}`;
}

/** The ACLs of one principal. Throws CONFIG_INVALID when the card names request topics that are not the agent's. */
export function deriveAcls(input: AclInput): PrincipalAcls {
  const parsed = aclInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new KamfError('CONFIG_INVALID', `invalid ACL request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const o = parsed.data;
  const user = o.user ?? o.agent;
  const grants: AclGrant[] = [];
  const add = (resource: AclResource, name: string, pattern: AclPattern, operation: AclOperation, why: string) =>
    grants.push({ resource, name, pattern, operation, why });

  if (o.role === 'agent' || o.role === 'coordinator') {
    const base = agentRequestTopic(o.agent);
    const laneTopics = o.lanes.map((l) => (l ? `${base}.${l}` : base));
    const fromCard = o.card ? cardRequestTopics(o.card) : [];
    const foreign = o.card ? foreignRequestTopics(o.card, o.agent) : [];
    if (foreign.length) {
      throw new KamfError('CONFIG_INVALID', `the card of ${o.agent} names request topics that are not its own: ${foreign.join(', ')}`, {
        details: { agent: o.agent, foreign },
        hint: `An agent's request topics are ${base} and its lanes (${base}.<lane>).`,
      });
    }
    const requestTopics = [...new Set([...laneTopics, ...fromCard])];
    for (const t of requestTopics) add('topic', t, 'literal', 'read', 'its own request topic');
    // the intake's groups: the plain topic's group, and <group>.lane-<i> for the higher lanes (server/lanes.ts)
    const group = o.groupId ?? `agent.${o.agent}`;
    add('group', group, 'literal', 'read', 'its own request consumer group');
    if (requestTopics.length > 1) add('group', `${group}.lane-`, 'prefixed', 'read', 'its lanes\' consumer groups');
    add('topic', REPLY_PREFIX, 'prefixed', 'write', 'replies go only to reply topics');
    add('topic', o.topics.tasks, 'literal', 'read', 'the shared task store (task snapshots)');
    add('topic', o.topics.tasks, 'literal', 'write', 'its task snapshots');
    // the task store's consumer group is per instance: kamf-taskstore-<instance id>, ids start with <agent>.
    add('group', `kamf-taskstore-${o.agent}.`, 'prefixed', 'read', 'its task store consumers (instance ids start with <agent>.)');
    add('topic', o.topics.registry, 'literal', 'write', 'its Agent Card and liveness');
    add('topic', o.topics.dlq, 'literal', 'write', 'dead letters');
  }
  if (o.role === 'caller' || o.role === 'coordinator') {
    const replies = `${REPLY_PREFIX}${user}.`;
    add('topic', 'agent.', 'prefixed', 'write', 'requests to agents');
    add('topic', o.topics.ingress, 'literal', 'write', 'requests through the router');
    add('topic', replies, 'prefixed', 'create', 'creates its own reply topics');
    add('topic', replies, 'prefixed', 'read', 'reads only its own reply topics');
    add('topic', replies, 'prefixed', 'delete', 'removes its reply topics when it closes');
    add('group', `kamf-client-${user}.`, 'prefixed', 'read', 'its reply consumers');
    add('group', `kamf-client-${user}.`, 'prefixed', 'delete', 'removes its reply consumer groups when it closes');
    add('topic', o.topics.registry, 'literal', 'read', 'discovery: reads Agent Cards');
    add('group', `kamf-directory-${user}.`, 'prefixed', 'read', 'its directory consumers');
    add('group', `kamf-directory-${user}.`, 'prefixed', 'delete', 'removes its directory groups when it stops');
  }
  if (o.role === 'router') {
    add('topic', o.topics.ingress, 'literal', 'read', 'requests to route');
    add('group', o.routerGroup, 'literal', 'read', 'its consumer group');
    add('topic', 'agent.', 'prefixed', 'write', 'routes requests to agents\' request topics and lanes');
    add('topic', 'agent.', 'prefixed', 'create', 'creates lane topics');
    add('topic', o.topics.dlq, 'literal', 'write', 'dead letters');
  }
  return { principal: `User:${user}`, role: o.role, grants: dedupe(grants) };
}

function dedupe(grants: AclGrant[]): AclGrant[] {
  const seen = new Set<string>();
  return grants.filter((g) => {
    const k = `${g.resource}|${g.pattern}|${g.name}|${g.operation}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One line per grant, for `kamf acl show`. */
export function formatAcls(acls: PrincipalAcls): string[] {
  return acls.grants.map((g) => `ALLOW ${acls.principal} ${g.operation.toUpperCase()} ${g.resource.toUpperCase()} ${g.pattern.toUpperCase()} ${g.name}   # ${g.why}`);
}
