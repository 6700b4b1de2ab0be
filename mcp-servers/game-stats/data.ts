/**
 * Loads `games.csv` once into a columnar table (typed arrays), so every query is a single pass over
 * ~100k rows in a few milliseconds. The CSV is simple (no quotes, no commas inside fields), so it is
 * parsed here without a library; a malformed line fails the load with its line number.
 *
 * Columns: id,played_at,patch,map,race1,race2,mmr1,mmr2,winner,duration_s
 *   races are one-letter codes T/Z/P; winner is 1 or 2 (which player won); played_at is YYYY-MM-DD.
 */
import { readFileSync } from 'node:fs';
import { pkgPath } from '../../src/core/index.js';
import { raceFromCode, raceIndex } from '../../src/mcp/index.js';

export const GAMES_CSV = pkgPath('mcp-servers', 'data', 'games.csv');

export interface GamesTable {
  size: number;
  id: Uint32Array;
  /** Days since 1970-01-01 (UTC). */
  day: Int32Array;
  /** Index into `patches`. */
  patch: Uint8Array;
  /** Index into `maps`. */
  map: Uint8Array;
  /** Race indexes (0 Terran, 1 Zerg, 2 Protoss). */
  race1: Uint8Array;
  race2: Uint8Array;
  mmr1: Uint16Array;
  mmr2: Uint16Array;
  /** 1 or 2. */
  winner: Uint8Array;
  durationS: Uint16Array;
  /** Patch names, in release (version) order. */
  patches: string[];
  /** Map names, alphabetical. */
  maps: string[];
}

const DAY_MS = 86_400_000;
export const dayNumber = (isoDay: string) => Math.floor(Date.parse(`${isoDay}T00:00:00Z`) / DAY_MS);
export const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Version order: "5.0.9" < "5.0.10". */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const EXPECTED_HEADER = 'id,played_at,patch,map,race1,race2,mmr1,mmr2,winner,duration_s';

export function parseGamesCsv(text: string): GamesTable {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== EXPECTED_HEADER) throw new Error(`games.csv: expected header "${EXPECTED_HEADER}", got "${lines[0]}"`);
  let n = 0;
  for (let i = 1; i < lines.length; i++) if (lines[i]!.trim() !== '') n++;
  const t = {
    id: new Uint32Array(n),
    day: new Int32Array(n),
    patch: new Uint8Array(n),
    map: new Uint8Array(n),
    race1: new Uint8Array(n),
    race2: new Uint8Array(n),
    mmr1: new Uint16Array(n),
    mmr2: new Uint16Array(n),
    winner: new Uint8Array(n),
    durationS: new Uint16Array(n),
  };
  const patchNames: string[] = [];
  const mapNames: string[] = [];
  const intern = (names: string[], name: string) => {
    let i = names.indexOf(name);
    if (i < 0) i = names.push(name) - 1;
    return i;
  };
  const dayCache = new Map<string, number>();
  let row = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(',');
    const fail = (why: string): never => {
      throw new Error(`games.csv line ${i + 1}: ${why}: ${line}`);
    };
    if (f.length !== 10) fail(`expected 10 fields, got ${f.length}`);
    const [id, playedAt, patch, map, r1, r2, m1, m2, winner, duration] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    let day = dayCache.get(playedAt);
    if (day === undefined) {
      day = dayNumber(playedAt);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(playedAt) || Number.isNaN(day)) fail('bad played_at');
      dayCache.set(playedAt, day);
    }
    const race1 = raceFromCode(r1);
    const race2 = raceFromCode(r2);
    if (!race1 || !race2) fail('bad race code');
    if (winner !== '1' && winner !== '2') fail('winner must be 1 or 2');
    t.id[row] = Number(id);
    t.day[row] = day;
    t.patch[row] = intern(patchNames, patch);
    t.map[row] = intern(mapNames, map);
    t.race1[row] = raceIndex(race1!);
    t.race2[row] = raceIndex(race2!);
    t.mmr1[row] = Number(m1);
    t.mmr2[row] = Number(m2);
    t.winner[row] = Number(winner);
    t.durationS[row] = Number(duration);
    row++;
  }
  // Re-number patches in version order and maps alphabetically, so listings are stable.
  const patches = [...patchNames].sort(compareVersions);
  const maps = [...mapNames].sort((a, b) => a.localeCompare(b, 'en'));
  const patchRemap = patchNames.map((p) => patches.indexOf(p));
  const mapRemap = mapNames.map((m) => maps.indexOf(m));
  for (let r = 0; r < n; r++) {
    t.patch[r] = patchRemap[t.patch[r]!]!;
    t.map[r] = mapRemap[t.map[r]!]!;
  }
  return { size: n, ...t, patches, maps };
}

export function loadGames(path = GAMES_CSV): GamesTable {
  return parseGamesCsv(readFileSync(path, 'utf8'));
}
