/**
 * Router metrics: a stats object the engine updates in place, per-second rates derived from it, and the same
 * numbers published on `node:diagnostics_channel` so a process can observe its router without holding a reference:
 *
 *   import diagnostics_channel from 'node:diagnostics_channel';
 *   diagnostics_channel.subscribe('kamf:router:stats', (s) => console.log(s));
 *
 * Channels: `kamf:router:stats` (a RouterStatsSnapshot every `statsIntervalMs`), `kamf:router:dead-letter`
 * (one message per dead letter: reason, code, source topic/partition/offset), `kamf:router:flow` (pause and
 * resume of the consumer, with the in-flight count that caused it).
 */
import diagnostics_channel from 'node:diagnostics_channel';

export const ROUTER_CHANNELS = {
  stats: 'kamf:router:stats',
  deadLetter: 'kamf:router:dead-letter',
  flow: 'kamf:router:flow',
} as const;

export const statsChannel = diagnostics_channel.channel(ROUTER_CHANNELS.stats);
export const deadLetterChannel = diagnostics_channel.channel(ROUTER_CHANNELS.deadLetter);
export const flowChannel = diagnostics_channel.channel(ROUTER_CHANNELS.flow);

export interface DestinationStats {
  produced: number;
  /** Records waiting in this destination's rate limiter, batcher or produce call. */
  queued: number;
  batches: number;
}

export interface RouterStats {
  /** Records read from the source topics. */
  consumed: number;
  /** Records every route skipped (no INSERT matched): they are committed and go nowhere. */
  filtered: number;
  /** Records written to sinks (a fanned-out record counts once per sink). */
  produced: number;
  deadLettered: number;
  /** Records read and not yet fully written: the buffer the in-flight bound applies to. */
  inFlight: number;
  maxInFlight: number;
  /** Highest in-flight count seen. */
  peakInFlight: number;
  /** Sum over the source partitions of (high watermark - next offset), as of the last fetch. */
  lag: number;
  paused: boolean;
  pauses: number;
  committed: number;
  /** Produce requests sent again after a transient failure (the records are not dead-lettered). */
  retries: number;
  /** Offset commits that failed and were tried again. */
  commitFailures: number;
  destinations: Record<string, DestinationStats>;
}

export interface RouterStatsSnapshot extends RouterStats {
  at: number;
  rates: { consumedPerSec: number; producedPerSec: number; deadLetteredPerSec: number };
}

export function emptyStats(maxInFlight: number): RouterStats {
  return {
    consumed: 0,
    filtered: 0,
    produced: 0,
    deadLettered: 0,
    inFlight: 0,
    maxInFlight,
    peakInFlight: 0,
    lag: 0,
    paused: false,
    pauses: 0,
    committed: 0,
    retries: 0,
    commitFailures: 0,
    destinations: {},
  };
}

/** Turns successive stats into per-second rates. */
export class RateMeter {
  private last?: { at: number; consumed: number; produced: number; deadLettered: number };

  snapshot(stats: RouterStats, now = Date.now()): RouterStatsSnapshot {
    const prev = this.last;
    const dt = prev ? Math.max(1, now - prev.at) / 1000 : 0;
    const rate = (cur: number, before: number | undefined) => (prev && dt > 0 ? Math.round(((cur - (before ?? 0)) / dt) * 10) / 10 : 0);
    const snap: RouterStatsSnapshot = {
      ...stats,
      destinations: Object.fromEntries(Object.entries(stats.destinations).map(([k, v]) => [k, { ...v }])),
      at: now,
      rates: {
        consumedPerSec: rate(stats.consumed, prev?.consumed),
        producedPerSec: rate(stats.produced, prev?.produced),
        deadLetteredPerSec: rate(stats.deadLettered, prev?.deadLettered),
      },
    };
    this.last = { at: now, consumed: stats.consumed, produced: stats.produced, deadLettered: stats.deadLettered };
    return snap;
  }
}
