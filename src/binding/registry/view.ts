/**
 * The directory's state, without Kafka: registry records in, liveness transitions out. Pure and synchronous so
 * the rules are unit-testable with a fake clock.
 *
 * An instance is live while its last registration says `UP` and `heartbeatAt + ttlMs >= now` (the directory's
 * clock against the publisher's: keep clocks in sync, or give the TTL room for the skew). Transitions:
 * - not live → live: `joined` (first registration, or a heartbeat after an expiry or a drain);
 * - live → live with a different card: `updated` (heartbeats that change nothing but timestamps are no event);
 * - live → not live: `left`, with the reason: `tombstone` (clean shutdown), `draining`, or `expired`.
 * Entries that are not live are kept (a later heartbeat brings them back) until a tombstone removes them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentRegistration } from '../../codec/index.js';

/** One live instance: its last registration, the record key it came under, and when it expires. */
export interface LiveInstance extends AgentRegistration {
  key: string;
  /** `heartbeatAt + ttlMs`: past this instant without a new heartbeat, the instance has left. */
  expiresAt: number;
}

/** A live agent: every live instance of it, newest first. */
export interface LiveAgent {
  agentName: string;
  /** The card of the newest instance (latest `startedAt`): during a rolling upgrade, the new card wins. */
  card: AgentCard;
  /** Newest first (by `startedAt`, then `heartbeatAt`). */
  instances: LiveInstance[];
}

export type LeftReason = 'tombstone' | 'draining' | 'expired';

interface EventBase {
  agentName: string;
  instanceId: string;
  key: string;
  /** The instance as it is now (for `left`: as it was last seen). */
  instance: LiveInstance;
}
export interface JoinedEvent extends EventBase {
  type: 'joined';
}
export interface UpdatedEvent extends EventBase {
  type: 'updated';
  previous: LiveInstance;
}
export interface LeftEvent extends EventBase {
  type: 'left';
  reason: LeftReason;
  /** Live instances of the agent that remain: 0 means the agent itself is gone. */
  remaining: number;
}
export type DirectoryEvent = JoinedEvent | UpdatedEvent | LeftEvent;

interface Entry {
  instance: LiveInstance;
  live: boolean;
}

export class RegistryView {
  private readonly entries = new Map<string, Entry>();

  /** Applies one record (`null` = tombstone) of `key`; returns the transitions it caused. */
  apply(key: string, registration: AgentRegistration | null, now: number): DirectoryEvent[] {
    const prev = this.entries.get(key);
    if (registration === null) {
      this.entries.delete(key);
      return prev?.live ? [this.left(prev.instance, 'tombstone')] : [];
    }
    const instance: LiveInstance = { ...registration, key, expiresAt: registration.heartbeatAt + registration.ttlMs };
    const live = registration.status === 'UP' && instance.expiresAt >= now;
    this.entries.set(key, { instance, live });
    if (!prev?.live) return live ? [event('joined', instance)] : [];
    if (!live) return [this.left(instance, registration.status === 'DRAINING' ? 'draining' : 'expired')];
    if (prev.instance.agentName !== instance.agentName) {
      // the same key now names another agent: for readers, one instance left and another joined
      return [this.left(prev.instance, 'tombstone'), event('joined', instance)];
    }
    if (!isDeepStrictEqual(prev.instance.card, instance.card)) return [{ ...event('updated', instance), previous: prev.instance }];
    return [];
  }

  /** Marks every live instance whose TTL ran out as left. */
  expire(now: number): DirectoryEvent[] {
    const out: DirectoryEvent[] = [];
    for (const entry of this.entries.values()) {
      if (entry.live && entry.instance.expiresAt < now) {
        entry.live = false;
        out.push(this.left(entry.instance, 'expired'));
      }
    }
    return out;
  }

  /** A `joined` event for every live instance (what a new watcher has missed). */
  snapshot(): JoinedEvent[] {
    return this.liveInstances().map((i) => event('joined', i));
  }

  liveInstances(): LiveInstance[] {
    const out: LiveInstance[] = [];
    for (const e of this.entries.values()) if (e.live) out.push(e.instance);
    return out;
  }

  /** Live agents, by name. */
  agents(): LiveAgent[] {
    const byName = new Map<string, LiveInstance[]>();
    for (const i of this.liveInstances()) {
      const list = byName.get(i.agentName);
      if (list) list.push(i);
      else byName.set(i.agentName, [i]);
    }
    return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, list]) => toAgent(name, list));
  }

  agent(agentName: string): LiveAgent | undefined {
    const list = this.liveInstances().filter((i) => i.agentName === agentName);
    return list.length ? toAgent(agentName, list) : undefined;
  }

  /**
   * Agents with a skill whose id equals `query`, or whose name, description or one of whose tags contains it
   * (case-insensitive). An empty query matches nothing.
   */
  findBySkill(query: string): LiveAgent[] {
    return this.agents().filter((a) => cardHasSkill(a.card, query));
  }

  /** Number of entries held, live or not (for stats). */
  get size(): number {
    return this.entries.size;
  }

  private left(instance: LiveInstance, reason: LeftReason): LeftEvent {
    let remaining = 0;
    for (const e of this.entries.values()) {
      if (e.live && e.instance.key !== instance.key && e.instance.agentName === instance.agentName) remaining++;
    }
    return { ...event('left', instance), reason, remaining };
  }
}

export function cardHasSkill(card: AgentCard, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return false;
  return (card.skills ?? []).some(
    (s) =>
      (s.id ?? '').toLowerCase() === q ||
      (s.name ?? '').toLowerCase().includes(q) ||
      (s.description ?? '').toLowerCase().includes(q) ||
      (s.tags ?? []).some((t) => t.toLowerCase().includes(q)),
  );
}

function event<T extends DirectoryEvent['type']>(type: T, instance: LiveInstance): EventBase & { type: T } {
  return { type, agentName: instance.agentName, instanceId: instance.instanceId, key: instance.key, instance };
}

function toAgent(agentName: string, list: LiveInstance[]): LiveAgent {
  const instances = [...list].sort((a, b) => b.startedAt - a.startedAt || b.heartbeatAt - a.heartbeatAt || (a.key < b.key ? -1 : 1));
  return { agentName, card: instances[0]!.card, instances };
}
