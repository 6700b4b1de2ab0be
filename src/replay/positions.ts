/**
 * Parsing of the window arguments the analysis commands take: durations (`15m`, `2h`), points in time
 * (ISO-8601, `@<epoch ms>`, `now`, `-15m` = 15 minutes ago) and offsets (`<partition>:<offset>[,…]` or one plain
 * offset for every partition).
 */
import { KamfError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `15m`, `2h`, `1d`, also combined (`1h30m`) → milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) throw invalid(`not a duration: "${text}" (examples: 30s, 15m, 2h, 1h30m)`);
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** Where a window starts or ends: a wall-clock time, or offsets. */
export type Position =
  | { kind: 'time'; ms: number }
  | { kind: 'offset'; all?: number; partitions?: Map<number, number> }
  | { kind: 'edge'; edge: 'beginning' | 'end' };

/**
 * `--from` / `--to` values:
 * - `beginning`, `end`, `now` (= end for `--to`, a time for `--from`)
 * - ISO-8601 (`2026-01-01T12:00:00Z`, `2026-01-01 12:00:00`), or `@1767225600000` (epoch millis)
 * - a duration back from now: `15m` or `-15m`
 * - `<partition>:<offset>` pairs, comma-separated (`0:120,3:77`), or a plain offset for every partition (`120`)
 */
export function parsePosition(text: string, now = Date.now()): Position {
  const s = text.trim();
  if (s === 'beginning' || s === 'earliest') return { kind: 'edge', edge: 'beginning' };
  if (s === 'end' || s === 'latest') return { kind: 'edge', edge: 'end' };
  if (s === 'now') return { kind: 'time', ms: now };
  if (/^\d+$/.test(s)) return { kind: 'offset', all: Number(s) };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(s)) {
    const partitions = new Map<number, number>();
    for (const pair of s.split(',')) {
      const [p, o] = pair.split(':');
      partitions.set(Number(p), Number(o));
    }
    return { kind: 'offset', partitions };
  }
  if (/^@\d+$/.test(s)) return { kind: 'time', ms: Number(s.slice(1)) };
  const ago = /^-?((\d+(\.\d+)?(ms|s|m|h|d))+)$/.exec(s);
  if (ago) return { kind: 'time', ms: now - parseDuration(ago[1]!) };
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const ms = Date.parse(s.includes('T') || !s.includes(' ') ? s : s.replace(' ', 'T'));
    if (Number.isFinite(ms)) return { kind: 'time', ms };
  }
  throw invalid(
    `not a position: "${text}". Use a time (2026-01-01T12:00:00Z, @<epoch ms>, now, 15m = 15 minutes ago), ` +
      `an offset (120 for every partition, or 0:120,3:77), or beginning / end`,
  );
}

export function describePosition(p: Position): string {
  switch (p.kind) {
    case 'edge':
      return p.edge;
    case 'time':
      return new Date(p.ms).toISOString();
    case 'offset':
      return p.all !== undefined
        ? `offset ${p.all}`
        : [...(p.partitions ?? new Map<number, number>())].map(([k, v]) => `${k}:${v}`).join(',');
  }
}

function invalid(message: string): KamfError {
  return new KamfError('CONFIG_INVALID', message);
}
