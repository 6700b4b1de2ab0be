/**
 * Pure queries over the games table. Inputs arrive raw from the tool call; {@link resolveGameFilters}
 * normalizes and validates them (throwing ToolInputError with a clear message), then each query is one
 * pass over the typed arrays.
 *
 * Win-rate semantics: a race's win rate counts only NON-MIRROR games (a Terran-vs-Terran game is always
 * one Terran win and one Terran loss, so including it would pull every race toward 50%). `vs_race` narrows
 * to one matchup; `vs_race` equal to `race` is rejected. Game-length queries DO include mirror games
 * (with `race`, every game in which at least one player played it).
 */
import { RACES, raceIndex, type Race, ToolInputError, parseOptionalChoice, parseOptionalRace, parsePeriod, ratio } from '../../src/mcp/index.js';
import { dayNumber, dayString, type GamesTable } from './data.js';

export interface RawGameFilters {
  race?: string;
  vs_race?: string;
  map?: string;
  patch?: string;
  from?: string;
  to?: string;
}

/** Filters after normalization, echoed back in every result (null = not filtered). */
export interface EchoedFilters {
  race: Race | null;
  vs_race: Race | null;
  map: string | null;
  patch: string | null;
  from: string | null;
  to: string | null;
}

export interface GameFilters {
  echo: EchoedFilters;
  race?: number;
  vsRace?: number;
  map?: number;
  patch?: number;
  fromDay?: number;
  toDay?: number;
}

/** Validates and normalizes; `patch: "latest"` means the newest patch in the data. */
export function resolveGameFilters(table: GamesTable, raw: RawGameFilters): GameFilters {
  const race = parseOptionalRace(raw.race, 'race');
  const vsRace = parseOptionalRace(raw.vs_race, 'vs_race');
  const map = parseOptionalChoice(raw.map, table.maps, 'map');
  const patch =
    raw.patch?.trim().toLowerCase() === 'latest'
      ? table.patches[table.patches.length - 1]
      : parseOptionalChoice(raw.patch, table.patches, 'patch');
  const period = parsePeriod(raw.from, raw.to);
  const f: GameFilters = {
    echo: {
      race: race ?? null,
      vs_race: vsRace ?? null,
      map: map ?? null,
      patch: patch ?? null,
      from: period.from ?? null,
      to: period.to ?? null,
    },
  };
  if (race) f.race = raceIndex(race);
  if (vsRace) f.vsRace = raceIndex(vsRace);
  if (map !== undefined) f.map = table.maps.indexOf(map);
  if (patch !== undefined) f.patch = table.patches.indexOf(patch);
  if (period.from) f.fromDay = dayNumber(period.from);
  if (period.to) f.toDay = dayNumber(period.to);
  return f;
}

/** Row passes map / patch / period (race filters are per query). */
function rowMatcher(t: GamesTable, f: GameFilters): (r: number) => boolean {
  const { map, patch, fromDay, toDay } = f;
  return (r) =>
    (map === undefined || t.map[r] === map) &&
    (patch === undefined || t.patch[r] === patch) &&
    (fromDay === undefined || t.day[r]! >= fromDay) &&
    (toDay === undefined || t.day[r]! <= toDay);
}

/** Wilson score interval (95%) for wins/games, rounded to 4 decimals. */
export function wilson95(wins: number, games: number): [number, number] | [null, null] {
  if (games === 0) return [null, null];
  const z = 1.959964;
  const p = wins / games;
  const denom = 1 + (z * z) / games;
  const centre = p + (z * z) / (2 * games);
  const half = z * Math.sqrt((p * (1 - p)) / games + (z * z) / (4 * games * games));
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return [r((centre - half) / denom), r((centre + half) / denom)];
}

export interface OpponentRecord {
  vs_race: Race;
  games: number;
  wins: number;
  win_rate: number | null;
}

export interface WinRateResult {
  race: Race;
  filters: EchoedFilters;
  games: number;
  wins: number;
  losses: number;
  /** wins / games, 0..1, 4 decimals; null when there are no games. */
  win_rate: number | null;
  ci95_low: number | null;
  ci95_high: number | null;
  /** Mirror games of `race` that matched the other filters and were left out. */
  mirror_games_excluded: number;
  by_opponent: OpponentRecord[];
}

export function winRate(t: GamesTable, raw: RawGameFilters): WinRateResult {
  if (raw.race === undefined || raw.race.trim() === '') throw new ToolInputError('race is required (Terran, Zerg or Protoss).');
  const f = resolveGameFilters(t, raw);
  const race = f.race!;
  if (f.vsRace === race) {
    throw new ToolInputError(
      `vs_race equals race (${f.echo.race}): mirror matches have no race win rate; pick a different opponent race or omit vs_race.`,
    );
  }
  const match = rowMatcher(t, f);
  const games = [0, 0, 0];
  const wins = [0, 0, 0];
  let mirrors = 0;
  for (let r = 0; r < t.size; r++) {
    const r1 = t.race1[r]!;
    const r2 = t.race2[r]!;
    if (r1 !== race && r2 !== race) continue;
    if (!match(r)) continue;
    if (r1 === r2) {
      mirrors++;
      continue;
    }
    const opp = r1 === race ? r2 : r1;
    if (f.vsRace !== undefined && opp !== f.vsRace) continue;
    games[opp]!++;
    const winnerRace = t.winner[r] === 1 ? r1 : r2;
    if (winnerRace === race) wins[opp]!++;
  }
  const totalGames = games.reduce((a, b) => a + b, 0);
  const totalWins = wins.reduce((a, b) => a + b, 0);
  const [lo, hi] = wilson95(totalWins, totalGames);
  const by_opponent: OpponentRecord[] = [];
  for (let o = 0; o < RACES.length; o++) {
    if (o === race || (f.vsRace !== undefined && o !== f.vsRace)) continue;
    by_opponent.push({ vs_race: RACES[o]!, games: games[o]!, wins: wins[o]!, win_rate: ratio(wins[o]!, games[o]!) });
  }
  return {
    race: RACES[race]!,
    filters: f.echo,
    games: totalGames,
    wins: totalWins,
    losses: totalGames - totalWins,
    win_rate: ratio(totalWins, totalGames),
    ci95_low: lo,
    ci95_high: hi,
    mirror_games_excluded: mirrors,
    by_opponent,
  };
}

export interface GameTimeResult {
  filters: EchoedFilters;
  games: number;
  mean_seconds: number | null;
  median_seconds: number | null;
  p25_seconds: number | null;
  p75_seconds: number | null;
  mean_minutes: number | null;
  median_minutes: number | null;
}

export function avgGameTime(t: GamesTable, raw: RawGameFilters): GameTimeResult {
  const f = resolveGameFilters(t, raw);
  if (f.vsRace !== undefined && f.race === undefined)
    throw new ToolInputError('vs_race needs race as well (e.g. race Terran, vs_race Zerg).');
  const match = rowMatcher(t, f);
  const hist = new Uint32Array(65_536);
  let n = 0;
  let sum = 0;
  for (let r = 0; r < t.size; r++) {
    if (f.race !== undefined) {
      const r1 = t.race1[r]!;
      const r2 = t.race2[r]!;
      if (f.vsRace !== undefined) {
        if (!((r1 === f.race && r2 === f.vsRace) || (r2 === f.race && r1 === f.vsRace))) continue;
      } else if (r1 !== f.race && r2 !== f.race) continue;
    }
    if (!match(r)) continue;
    const d = t.durationS[r]!;
    hist[d]!++;
    sum += d;
    n++;
  }
  const quantile = (q: number): number | null => {
    if (n === 0) return null;
    // Nearest-rank on the sorted durations, averaging the two middle values for the median of an even n.
    const at = (k: number) => {
      let seen = 0;
      for (let d = 0; d < hist.length; d++) {
        seen += hist[d]!;
        if (seen > k) return d;
      }
      return hist.length - 1;
    };
    const pos = q * (n - 1);
    return (at(Math.floor(pos)) + at(Math.ceil(pos))) / 2;
  };
  const mean = n === 0 ? null : Math.round((sum / n) * 10) / 10;
  const median = quantile(0.5);
  const toMin = (s: number | null) => (s === null ? null : Math.round((s / 60) * 100) / 100);
  return {
    filters: f.echo,
    games: n,
    mean_seconds: mean,
    median_seconds: median,
    p25_seconds: quantile(0.25),
    p75_seconds: quantile(0.75),
    mean_minutes: toMin(mean),
    median_minutes: toMin(median),
  };
}

export interface MatchupCell {
  race: Race;
  vs_race: Race;
  games: number;
  wins: number;
  win_rate: number | null;
}

export interface MatchupMatrixResult {
  filters: EchoedFilters;
  races: Race[];
  /** matrix[i][j] = win rate of races[i] against races[j]; null on the diagonal (mirrors) or without games. */
  matrix: (number | null)[][];
  cells: MatchupCell[];
  overall: { race: Race; games: number; wins: number; win_rate: number | null }[];
  mirror_games: number;
  total_games: number;
}

export function matchupMatrix(t: GamesTable, raw: Omit<RawGameFilters, 'race' | 'vs_race'>): MatchupMatrixResult {
  const f = resolveGameFilters(t, { map: raw.map, patch: raw.patch, from: raw.from, to: raw.to });
  const match = rowMatcher(t, f);
  const k = RACES.length;
  const games = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const wins = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let mirrors = 0;
  let total = 0;
  for (let r = 0; r < t.size; r++) {
    if (!match(r)) continue;
    total++;
    const r1 = t.race1[r]!;
    const r2 = t.race2[r]!;
    if (r1 === r2) {
      mirrors++;
      continue;
    }
    games[r1]![r2]!++;
    games[r2]![r1]!++;
    if (t.winner[r] === 1) wins[r1]![r2]!++;
    else wins[r2]![r1]!++;
  }
  const matrix: (number | null)[][] = [];
  const cells: MatchupCell[] = [];
  const overall: MatchupMatrixResult['overall'] = [];
  for (let i = 0; i < k; i++) {
    const row: (number | null)[] = [];
    let g = 0;
    let w = 0;
    for (let j = 0; j < k; j++) {
      if (i === j) {
        row.push(null);
        continue;
      }
      const rate = ratio(wins[i]![j]!, games[i]![j]!);
      row.push(rate);
      cells.push({ race: RACES[i]!, vs_race: RACES[j]!, games: games[i]![j]!, wins: wins[i]![j]!, win_rate: rate });
      g += games[i]![j]!;
      w += wins[i]![j]!;
    }
    matrix.push(row);
    overall.push({ race: RACES[i]!, games: g, wins: w, win_rate: ratio(w, g) });
  }
  return {
    filters: { ...f.echo, race: null, vs_race: null },
    races: [...RACES],
    matrix,
    cells,
    overall,
    mirror_games: mirrors,
    total_games: total,
  };
}

export interface FiltersResult {
  races: Race[];
  maps: string[];
  patches: { patch: string; from: string; to: string; games: number }[];
  latest_patch: string | null;
  date_range: { from: string | null; to: string | null };
  total_games: number;
}

export function listFilters(t: GamesTable): FiltersResult {
  const first = new Array<number>(t.patches.length).fill(Infinity);
  const last = new Array<number>(t.patches.length).fill(-Infinity);
  const count = new Array<number>(t.patches.length).fill(0);
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < t.size; r++) {
    const p = t.patch[r]!;
    const d = t.day[r]!;
    if (d < first[p]!) first[p] = d;
    if (d > last[p]!) last[p] = d;
    count[p]!++;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  return {
    races: [...RACES],
    maps: [...t.maps],
    patches: t.patches.map((patch, i) => ({ patch, from: dayString(first[i]!), to: dayString(last[i]!), games: count[i]! })),
    latest_patch: t.patches[t.patches.length - 1] ?? null,
    date_range: t.size === 0 ? { from: null, to: null } : { from: dayString(lo), to: dayString(hi) },
    total_games: t.size,
  };
}
