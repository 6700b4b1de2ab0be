/**
 * Priority lanes for an agent server: `requestTopics` lists the agent's request topics highest priority first
 * (e.g. `agent.data.requests.high`, `agent.data.requests`), and a high-priority request waiting behind a backlog
 * of normal ones is served next.
 *
 * Policy:
 * - One consumer per lane. kafkajs' assigners hand every subscribed topic to all members of a group, so lanes with
 *   their own consumers need their own groups: the lowest lane keeps the agent's group (`agent.<name>`, so a server
 *   that gains lanes keeps its committed offsets), a higher lane uses `<group>.lane-<n>` (n = its index).
 *   With separate consumers a backlog in one lane never delays fetching another.
 * - All lanes share the server's `concurrency` slots through `PrioritySlots`: when a slot frees up, the waiter from
 *   the highest lane gets it. A lower lane's fetch loop waits for a slot while a higher lane has work, so the
 *   backlog stays in Kafka and a high request waits at most for one running request to finish.
 * - Offsets are tracked per topic and partition (`TopicOffsets`): partition numbers repeat across lane topics.
 */
import { KamfError } from '../../core/errors.js';
import { PartitionOffsets } from '../../core/offsets.js';

export interface Lane {
  topic: string;
  groupId: string;
  /** 0 = highest. */
  priority: number;
}

/** The consumer layout of a server's request topics (highest priority first). One topic: one lane, the agent's group. */
export function laneLayout(topics: readonly string[], groupId: string): Lane[] {
  if (topics.length <= 1) return topics.map((topic) => ({ topic, groupId, priority: 0 }));
  return topics.map((topic, i) => ({ topic, groupId: i === topics.length - 1 ? groupId : `${groupId}.lane-${i}`, priority: i }));
}

/** Lane topics of an agent: `agent.<name>.requests.<lane>` for each named lane, `''` for the plain topic. */
export function laneTopics(requestTopic: string, lanes: readonly string[]): string[] {
  return lanes.map((lane) => (lane ? `${requestTopic}.${lane}` : requestTopic));
}

/**
 * Bounded concurrency with priorities: `acquire(p)` waits while `limit` holders are active; a released slot goes to
 * the waiter with the lowest `p` (FIFO within a priority).
 */
export class PrioritySlots {
  private active = 0;
  private readonly waiters = new Map<number, Array<() => void>>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new KamfError('CONFIG_INVALID', `limit must be a positive integer, got ${limit}`);
  }

  async acquire(priority = 0): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return now;
    await new Promise<void>((resolve) => {
      const list = this.waiters.get(priority) ?? [];
      list.push(resolve);
      this.waiters.set(priority, list);
    });
    return this.releaser();
  }

  /** A slot now, or undefined when all are taken (`acquire` waits for one instead). */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.limit) return undefined;
    this.active++;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.nextWaiter();
      // the slot passes straight to the next waiter; `active` only drops when nobody waits
      if (next) next();
      else this.active--;
    };
  }

  private nextWaiter(): (() => void) | undefined {
    const priorities = [...this.waiters.keys()].sort((a, b) => a - b);
    for (const p of priorities) {
      const list = this.waiters.get(p)!;
      const w = list.shift();
      if (list.length === 0) this.waiters.delete(p);
      if (w) return w;
    }
    return undefined;
  }

  get inUse(): number {
    return this.active;
  }

  /** Waiters per priority (for tests and stats). */
  waiting(priority?: number): number {
    if (priority !== undefined) return this.waiters.get(priority)?.length ?? 0;
    let n = 0;
    for (const l of this.waiters.values()) n += l.length;
    return n;
  }
}

/** PartitionOffsets per topic: what may be committed when records of several lane topics finish out of order. */
export class TopicOffsets {
  private readonly byTopic = new Map<string, PartitionOffsets>();

  begin(topic: string, partition: number, offset: string): void {
    this.of(topic).begin(partition, offset);
  }

  finish(topic: string, partition: number, offset: string): string | undefined {
    return this.of(topic).finish(partition, offset);
  }

  inFlight(): number {
    let n = 0;
    for (const o of this.byTopic.values()) n += o.inFlight();
    return n;
  }

  private of(topic: string): PartitionOffsets {
    let o = this.byTopic.get(topic);
    if (!o) this.byTopic.set(topic, (o = new PartitionOffsets()));
    return o;
  }
}
