/**
 * Lookup tables of the embedded engine: each upsert-kafka table a SELECT joins (`FOR SYSTEM_TIME AS OF`) is read
 * from the beginning of its compacted topic and then followed, so the join sees the newest row of every key (a
 * tombstone deletes it). `start()` resolves once every table has been read up to the end offsets it had then, so
 * the first routed record already sees what was published before the router started.
 *
 * Flink runs the same join as an event-time temporal join (the row valid at the record's timestamp); the embedded
 * engine joins the newest row it has read. They differ only for a record that races a change of its key.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { KamfError } from '../core/errors.js';
import { lookupRef, lookupRows, type LookupRow } from './lookup-state.js';
import type { RouterPlan, TablePlan } from './plan.js';

export interface LookupFollowerOptions {
  plan: RouterPlan;
  kafkaFor: (brokers: string[]) => Kafka;
  log?: (line: string) => void;
  /** A follower stopped for good (its consumer crashed and will not restart): the joins would go stale. */
  fail?: (err: Error) => void;
  /** Upper bound of the catch-up at start, ms. Default 30 000. */
  startTimeoutMs?: number;
}

/** A lookup table's record -> its row (undefined: a tombstone). Throws on a value that is not a JSON object. */
export function lookupRow(t: TablePlan, m: Pick<KafkaMessage, 'key' | 'value' | 'timestamp'>): { key: string; row: LookupRow | undefined } | undefined {
  if (!m.key) return undefined; // upsert-kafka needs a key; Flink skips keyless records too
  const key = m.key.toString('utf8');
  if (!m.value) return { key, row: undefined };
  const json = JSON.parse(m.value.toString('utf8')) as unknown;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new KamfError('ROUTER_DECODE_FAILED', `lookup table ${t.name}: the value of key ${key} is not a JSON object`);
  const row: Record<string, unknown> = {};
  for (const c of t.columns) {
    if (c.kind === 'metadata') {
      row[c.name] = (c.metadataKey ?? c.name) === 'timestamp' ? Number(m.timestamp) : null;
      continue;
    }
    if (c.name === t.keyField && !t.valueFields.includes(c.name)) {
      row[c.name] = key;
      continue;
    }
    row[c.name] = jsonValue((json as Record<string, unknown>)[c.name], c.type.name);
  }
  row[t.keyField!] ??= key;
  return { key, row };
}

/** A JSON field as the SQL type reads it (Flink's json format: numbers for numeric types, NULL when absent). */
function jsonValue(v: unknown, type: string): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'STRING':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'BOOLEAN':
      return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null;
    case 'INT':
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    case 'BIGINT':
      return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
    case 'DOUBLE':
      return typeof v === 'number' ? v : null;
    default:
      return null;
  }
}

/** Follows every lookup table of a plan into the shared rows (lookup-state.ts). */
export class LookupFollower {
  private readonly consumers: Array<{ consumer: Consumer; kafka: Kafka; groupId: string }> = [];

  constructor(private readonly opts: LookupFollowerOptions) {}

  async start(): Promise<void> {
    for (const name of this.opts.plan.lookups ?? []) await this.follow(this.opts.plan.tables[name]!);
  }

  private async follow(t: TablePlan): Promise<void> {
    const kafka = this.opts.kafkaFor(t.brokers);
    const rows = lookupRows(lookupRef(t.brokers, t.topic));
    const admin = kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(t.topic).catch((err: Error) => {
        throw new KamfError('KAFKA_ERROR', `The router cannot read the lookup table ${t.name} (topic ${t.topic}): ${err.message}`, {
          cause: err,
          hint: 'Create the topic (compacted) first; the routes projector (RoutesProjector, kamf route with a file that joins agent.routes) creates and fills agent.routes.',
        });
      });
      ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    } finally {
      await admin.disconnect();
    }
    // a group of its own, never committed: every router reads the whole table
    const groupId = `kamf-lookup-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    this.consumers.push({ consumer, kafka, groupId });
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart) return; // kafkajs restarts it
      this.opts.fail?.(new KamfError('KAFKA_ERROR', `The router stopped following the lookup table ${t.name} (topic ${t.topic}): ${e.payload.error.message}`, { cause: e.payload.error }));
    });
    await consumer.connect();
    await consumer.subscribe({ topic: t.topic, fromBeginning: true });
    const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if (pending.size === 0) caughtUp();
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        try {
          const r = lookupRow(t, message);
          if (r) {
            if (r.row) rows.set(r.key, r.row);
            else rows.delete(r.key);
          }
        } catch (err) {
          // Flink's json format fails the job here (unless 'json.ignore-parse-errors'); a router keeps the last good row
          this.opts.log?.(`lookup table ${t.name}: skipped offset ${message.offset} of partition ${partition}: ${(err as Error).message}`);
        }
        if (pending.has(partition) && BigInt(message.offset) + 1n >= ends.get(partition)!) {
          pending.delete(partition);
          if (pending.size === 0) caughtUp();
        }
      },
    });
    const timeoutMs = this.opts.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KamfError('KAFKA_ERROR', `The router did not catch up with the lookup table ${t.name} (topic ${t.topic}) within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    this.opts.log?.(`lookup table ${t.name}: ${rows.size} rows from ${t.topic}, following`);
  }

  /** Stops following and deletes the followers' consumer groups (best effort: they never committed anything). */
  async stop(): Promise<void> {
    for (const { consumer, kafka, groupId } of this.consumers.splice(0)) {
      await consumer.disconnect().catch(() => {});
      const admin = kafka.admin();
      await admin
        .connect()
        .then(() => admin.deleteGroups([groupId]))
        .catch(() => {})
        .finally(() => admin.disconnect().catch(() => {}));
    }
  }
}
