/**
 * RoutesProjector: keeps `agent.routes`, a flat projection of `agent.registry` that routing SQL can join on both
 * engines (Flink cannot read the registry's Avro cards: enums, nested arrays).
 *
 * - `agent.routes` is compacted, one record per route key (raw UTF-8 key), value JSON `{"route": "<key>",
 *   "agents": "<a>,<b>"}`:
 *   - `skill:<id>` (the skill id in lower case): the live agents whose newest card offers the skill, sorted;
 *   - `agent:<name>`: the agent itself, while it has a live instance (so SQL can check a named target).
 *   A key no live agent backs any more gets `"agents": ""`, an update rather than a tombstone: on Flink 1.20 a
 *   tombstone made the temporal join lose the key's last version also for requests from before it (docs/routing.md).
 *   Routing SQL declares the topic as an `upsert-kafka` table and joins it `FOR SYSTEM_TIME AS OF`
 *   (flink-sql/routing-dynamic.sql).
 * - The projector follows the registry (an AgentDirectory: liveness included) and the projection itself, and
 *   writes whatever differs from what the registry says. So several projectors (one per router) converge on the
 *   same content, a projector that starts late repairs what changed while none ran, and a record another
 *   projector wrote from an older view is overwritten once the views agree.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import { ensureTopics } from '../../core/admin.js';
import { AgentDirectory } from './directory.js';
import { DEFAULT_REGISTRY_TOPIC, connectionSchema, consoleLogger, loggerSchema, parseOptions, resolveConnection, topicSchema, type RegistryConnection, type RegistryLogger } from './common.js';
import type { LiveAgent } from './view.js';

export const DEFAULT_ROUTES_TOPIC = 'agent.routes';

/** One row of `agent.routes`. */
export interface RouteRow {
  /** `skill:<id>` or `agent:<name>`. */
  route: string;
  /** Comma-separated agent names, sorted. */
  agents: string;
}

/** The projection the live agents call for: route key -> its row. */
export function routeRows(agents: readonly LiveAgent[]): Map<string, RouteRow> {
  const byKey = new Map<string, Set<string>>();
  const add = (key: string, agent: string) => {
    let set = byKey.get(key);
    if (!set) byKey.set(key, (set = new Set()));
    set.add(agent);
  };
  for (const a of agents) {
    add(`agent:${a.agentName}`, a.agentName);
    for (const s of a.card.skills ?? []) if (s.id) add(`skill:${s.id.toLowerCase()}`, a.agentName);
  }
  const out = new Map<string, RouteRow>();
  for (const key of [...byKey.keys()].sort()) out.set(key, { route: key, agents: [...byKey.get(key)!].sort().join(',') });
  return out;
}

/** The value written for a row (and compared with what the topic holds). */
export function routeValue(row: RouteRow): string {
  return JSON.stringify({ route: row.route, agents: row.agents });
}

/**
 * The records that turn `current` (key -> value as the topic holds it) into `desired`: changed rows, and an empty
 * row (`"agents": ""`) for a key nothing backs any more.
 */
export function routeWrites(current: ReadonlyMap<string, string>, desired: ReadonlyMap<string, RouteRow>): Array<{ key: string; value: string | null }> {
  const writes: Array<{ key: string; value: string | null }> = [];
  for (const [key, row] of desired) {
    const value = routeValue(row);
    if (current.get(key) !== value) writes.push({ key, value });
  }
  for (const key of current.keys()) {
    const empty = routeValue({ route: key, agents: '' });
    if (!desired.has(key) && current.get(key) !== empty) writes.push({ key, value: empty });
  }
  return writes;
}

export interface RoutesProjectorOptions {
  connection: RegistryConnection;
  /** Default `agent.registry`. */
  registryTopic?: string;
  /** Default `agent.routes`. */
  topic?: string;
  /** Create the projection topic (compacted, 1 partition) when missing. Default true. */
  createTopic?: boolean;
  /** How long changes gather before the projection is written, ms. Default 50. */
  settleMs?: number;
  logger?: RegistryLogger;
}

const optionsSchema = z.object({
  connection: connectionSchema,
  registryTopic: topicSchema.default(DEFAULT_REGISTRY_TOPIC),
  topic: topicSchema.default(DEFAULT_ROUTES_TOPIC),
  createTopic: z.boolean().default(true),
  settleMs: z.number().int().min(0).max(60_000).default(50),
  logger: loggerSchema.default(consoleLogger),
});

export interface RoutesProjectorStats {
  /** Records written. */
  written: number;
  /** Rows the projection holds now, as read back. */
  rows: number;
}

export class RoutesProjector {
  readonly topic: string;
  readonly stats: RoutesProjectorStats = { written: 0, rows: 0 };
  private readonly o: z.infer<typeof optionsSchema>;
  private readonly kafka: Kafka;
  private readonly directory: AgentDirectory;
  private readonly current = new Map<string, string>();
  private consumer?: Consumer;
  private readonly groupId = `kamf-routes-projector-${randomUUID()}`;
  private producer?: Producer;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: RoutesProjectorOptions) {
    this.o = parseOptions('RoutesProjector', optionsSchema, options);
    this.topic = this.o.topic;
    const { kafka } = resolveConnection(this.o.connection, 'kamf-routes-projector');
    this.kafka = kafka;
    this.directory = new AgentDirectory({ connection: this.o.connection, topic: this.o.registryTopic, logger: this.o.logger });
  }

  /** Reads the projection and the registry, writes what differs, and keeps doing so until `stop()`. */
  async start(): Promise<void> {
    if (this.o.createTopic) await ensureTopics(this.kafka, [{ name: this.topic, partitions: 1, compacted: true }]);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.follow();
    await this.directory.start();
    for (const e of ['joined', 'updated', 'left'] as const) this.directory.on(e, () => this.schedule());
    this.schedule();
    await this.flush();
  }

  /** The projection as this projector last read or wrote it: route key -> JSON value. */
  get routes(): ReadonlyMap<string, string> {
    return this.current;
  }

  /** Resolves when everything the registry said so far is written. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.reconcile();
    }
    await this.writing;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.writing.catch(() => {});
    await this.directory.stop();
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
    // its group never committed anything: delete it (best effort), as the directory does its own
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => {})
      .finally(() => admin.disconnect().catch(() => {}));
  }

  /** Reads the projection from the beginning up to its end, then keeps following it. */
  private async follow(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.topic).finally(() => admin.disconnect());
    const pending = new Map(ends.filter((e) => BigInt(e.high) > 0n).map((e) => [e.partition, BigInt(e.high)]));
    const consumer = (this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100 }));
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if (pending.size === 0) caughtUp();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString('utf8');
        if (key !== undefined) {
          if (message.value) this.current.set(key, message.value.toString('utf8'));
          else this.current.delete(key);
          this.stats.rows = this.current.size;
        }
        const end = pending.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) {
          pending.delete(partition);
          if (pending.size === 0) caughtUp();
        }
        if (pending.size === 0 && this.directory.state === 'ready') this.schedule(); // someone else wrote: check it
      },
    });
    await ready;
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reconcile();
    }, this.o.settleMs);
  }

  private reconcile(): void {
    this.writing = this.writing.then(async () => {
      if (this.stopped) return;
      const writes = routeWrites(this.current, routeRows(this.directory.list()));
      if (writes.length === 0) return;
      try {
        await this.producer!.send({ topic: this.topic, acks: -1, messages: writes.map((w) => ({ key: w.key, value: w.value })) });
      } catch (err) {
        if (this.stopped) return;
        this.o.logger.warn(`cannot write ${this.topic}: ${(err as Error).message}; trying again`, { writes: writes.length });
        setTimeout(() => this.schedule(), 1000).unref?.();
        return;
      }
      this.stats.written += writes.length;
      // what was written is what the topic holds now (the follower reads it back and confirms)
      for (const w of writes) {
        if (w.value === null) this.current.delete(w.key);
        else this.current.set(w.key, w.value);
      }
    });
    this.writing.catch((err: unknown) => this.o.logger.warn(`routes projection failed: ${(err as Error).message}`));
  }
}
