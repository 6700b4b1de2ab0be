/**
 * Bounded reads of one or more topics: resolve `--from` / `--to` into a start and a stop offset per partition
 * (times through the broker's offset-for-time lookup), then read exactly that range with a throwaway consumer
 * group (unique id + seek, no commits) that is deleted afterwards. Every partition stops at its stop offset, so a
 * bounded read always ends, whatever is being written meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { readHeaders, type Headers } from '../binding/protocol.js';
import type { Position } from './positions.js';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Record timestamp (CreateTime: the producer's clock), epoch millis. */
  timestamp: number;
  key: string | null;
  headers: Headers;
  value: Buffer | null;
}

/** Read `[start, stop)` of one partition. */
export interface PartitionRange {
  topic: string;
  partition: number;
  start: number;
  stop: number;
}

export interface WindowSpec {
  from?: Position;
  to?: Position;
}

/**
 * Start and stop offsets per partition of `topic`. Times map to the first offset whose timestamp is at or after
 * the time (`fetchTopicOffsetsByTimestamp`, which answers the end offset when there is none); an offset position
 * without an entry for a partition leaves that partition at its beginning (`--from`) or end (`--to`). Ranges are
 * clamped to what the log still holds.
 */
export async function resolveRanges(admin: Admin, topic: string, spec: WindowSpec): Promise<PartitionRange[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const at = async (p: Position | undefined, fallback: 'beginning' | 'end'): Promise<Map<number, number>> => {
    const out = new Map<number, number>();
    const edge = (e: 'beginning' | 'end') => {
      for (const x of ends) out.set(x.partition, Number(e === 'beginning' ? x.low : x.high));
    };
    if (!p) edge(fallback);
    else if (p.kind === 'edge') edge(p.edge);
    else if (p.kind === 'time') {
      for (const x of await admin.fetchTopicOffsetsByTimestamp(topic, p.ms)) out.set(x.partition, Number(x.offset));
    } else {
      edge(fallback);
      for (const x of ends) {
        const o = p.all ?? p.partitions?.get(x.partition);
        if (o !== undefined) out.set(x.partition, o);
      }
    }
    return out;
  };
  const starts = await at(spec.from, 'beginning');
  const stops = await at(spec.to, 'end');
  return ends
    .map((x) => {
      const low = Number(x.low);
      const high = Number(x.high);
      const start = Math.min(Math.max(starts.get(x.partition) ?? low, low), high);
      const stop = Math.min(Math.max(stops.get(x.partition) ?? high, start), high);
      return { topic, partition: x.partition, start, stop };
    })
    .sort((a, b) => a.partition - b.partition);
}

export async function resolveAllRanges(kafka: Kafka, topics: readonly string[], spec: WindowSpec): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: PartitionRange[] = [];
    for (const t of topics) out.push(...(await resolveRanges(admin, t, spec)));
    return out;
  } finally {
    await admin.disconnect();
  }
}

export const rangeSize = (ranges: readonly PartitionRange[]): number => ranges.reduce((n, r) => n + (r.stop - r.start), 0);

export interface ReadOptions {
  /** Called for every record in range, in offset order per partition. */
  onRecord: (r: RawRecord) => void | Promise<void>;
  /** Called with the number of records read so far (for progress bars). */
  onProgress?: (read: number) => void;
  /** Give up when nothing arrives for this long although ranges are still open (default 15 s). */
  idleTimeoutMs?: number;
  /** Records whose timestamp is outside [fromMs, toMs) are skipped (time windows over unordered timestamps). */
  fromMs?: number;
  toMs?: number;
  groupPrefix?: string;
}

export interface ReadResult {
  read: number;
  delivered: number;
  /** Partitions not finished when the idle timeout hit (should be empty). */
  incomplete: Array<{ topic: string; partition: number; at: number; stop: number }>;
}

export function toRawRecord(
  topic: string,
  partition: number,
  m: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: unknown },
): RawRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key ? m.key.toString('utf8') : null,
    headers: readHeaders(m.headers as Record<string, unknown>),
    value: m.value,
  };
}

/** Reads every range to its stop offset, then leaves and deletes the throwaway group. */
export async function readRanges(kafka: Kafka, ranges: readonly PartitionRange[], opts: ReadOptions): Promise<ReadResult> {
  const open = new Map<string, PartitionRange & { at: number }>();
  for (const r of ranges) if (r.stop > r.start) open.set(`${r.topic}\u0000${r.partition}`, { ...r, at: r.start });
  const result: ReadResult = { read: 0, delivered: 0, incomplete: [] };
  if (open.size === 0) return result;

  const groupId = `${opts.groupPrefix ?? 'kamf-replay'}-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    allowAutoTopicCreation: false,
  });
  const topics = [...new Set(ranges.map((r) => r.topic))];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let lastActivity = Date.now();
  const idleTimeoutMs = opts.idleTimeoutMs ?? 15_000;
  try {
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat }) => {
        const key = `${batch.topic}\u0000${batch.partition}`;
        const range = open.get(key);
        if (!range) return;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < range.start) continue;
          if (offset >= range.stop) {
            range.at = range.stop;
            break;
          }
          range.at = offset + 1;
          result.read++;
          const rec = toRawRecord(batch.topic, batch.partition, m);
          const inTime =
            (opts.fromMs === undefined || rec.timestamp >= opts.fromMs) && (opts.toMs === undefined || rec.timestamp < opts.toMs);
          if (inTime) {
            result.delivered++;
            await opts.onRecord(rec);
          }
          if (range.at >= range.stop) break;
        }
        lastActivity = Date.now();
        opts.onProgress?.(result.read);
        if (range.at >= range.stop) {
          open.delete(key);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (open.size === 0) finish();
        }
        await heartbeat();
      },
    });
    // seek after run(): kafkajs applies the seeks once the (single-member) group has its assignment
    for (const r of open.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.start) });
    // partitions with nothing to read stay paused
    const idle = ranges.filter((r) => !open.has(`${r.topic}\u0000${r.partition}`));
    for (const t of topics) {
      const ps = idle.filter((r) => r.topic === t).map((r) => r.partition);
      if (ps.length) consumer.pause([{ topic: t, partitions: ps }]);
    }
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (Date.now() - lastActivity > idleTimeoutMs) {
          clearInterval(timer);
          resolve();
        }
      }, 250);
      void finished.then(() => {
        clearInterval(timer);
        resolve();
      });
    });
    result.incomplete = [...open.values()].map((r) => ({ topic: r.topic, partition: r.partition, at: r.at, stop: r.stop }));
    return result;
  } finally {
    await consumer.disconnect().catch(() => {});
    await deleteGroup(kafka, groupId);
  }
}

export async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // an empty group without committed offsets may already be gone
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Convenience: resolve the window over `topics` and collect every record, sorted by timestamp. */
export async function readWindow(
  kafka: Kafka,
  topics: readonly string[],
  spec: WindowSpec,
  opts: Omit<ReadOptions, 'onRecord'> & { onRanges?: (ranges: PartitionRange[]) => void } = {},
): Promise<{ records: RawRecord[]; ranges: PartitionRange[]; result: ReadResult }> {
  const ranges = await resolveAllRanges(kafka, topics, spec);
  opts.onRanges?.(ranges);
  const records: RawRecord[] = [];
  const timeBounds = {
    ...(spec.from?.kind === 'time' ? { fromMs: spec.from.ms } : {}),
    ...(spec.to?.kind === 'time' ? { toMs: spec.to.ms } : {}),
  };
  const result = await readRanges(kafka, ranges, { ...timeBounds, ...opts, onRecord: (r) => void records.push(r) });
  records.sort(compareRecords);
  return { records, ranges, result };
}

type Ordered = Pick<RawRecord, 'timestamp' | 'topic' | 'partition' | 'offset'>;

export function compareRecords(a: Ordered, b: Ordered): number {
  return a.timestamp - b.timestamp || a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset;
}
