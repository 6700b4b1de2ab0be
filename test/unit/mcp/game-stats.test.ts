import { describe, expect, it } from 'vitest';
import { loadGames, parseGamesCsv } from '../../../mcp-servers/game-stats/data.js';
import { avgGameTime, listFilters, matchupMatrix, winRate, wilson95 } from '../../../mcp-servers/game-stats/queries.js';

const CSV = `id,played_at,patch,map,race1,race2,mmr1,mmr2,winner,duration_s
1,2025-01-01,5.0.9,Alpha,T,Z,3000,3000,1,600
2,2025-01-02,5.0.10,Alpha,Z,T,3000,3000,1,700
3,2025-01-03,5.0.10,Bravo,T,P,3000,3000,1,800
4,2025-01-04,5.0.10,Bravo,T,T,3000,3000,2,900
5,2025-01-05,5.0.10,Alpha,P,Z,3000,3000,2,1000
`;
const t = parseGamesCsv(CSV);

describe('games table', () => {
  it('parses columns, orders patches by version and maps alphabetically', () => {
    expect(t.size).toBe(5);
    expect(t.patches).toEqual(['5.0.9', '5.0.10']);
    expect(t.maps).toEqual(['Alpha', 'Bravo']);
    expect(Array.from(t.winner)).toEqual([1, 1, 1, 2, 2]);
  });

  it('fails loudly on malformed lines', () => {
    expect(() => parseGamesCsv('nope\n')).toThrow(/expected header/);
    expect(() => parseGamesCsv(`${CSV}6,2025-01-06,5.0.10,Alpha,X,Z,1,1,1,1\n`)).toThrow(/line 7: bad race code/);
    expect(() => parseGamesCsv(`${CSV}6,2025-01-06,5.0.10,Alpha,T,Z,1,1,3,1\n`)).toThrow(/winner must be 1 or 2/);
  });
});

describe('win_rate', () => {
  it('excludes mirror matches and splits by opponent', () => {
    const r = winRate(t, { race: 'Terran' });
    expect(r).toMatchObject({ race: 'Terran', games: 3, wins: 2, losses: 1, win_rate: 0.6667, mirror_games_excluded: 1 });
    expect(r.by_opponent).toEqual([
      { vs_race: 'Zerg', games: 2, wins: 1, win_rate: 0.5 },
      { vs_race: 'Protoss', games: 1, wins: 1, win_rate: 1 },
    ]);
    expect(r.filters).toEqual({ race: 'Terran', vs_race: null, map: null, patch: null, from: null, to: null });
  });

  it('filters by opponent, map, patch ("latest" too) and inclusive period', () => {
    expect(winRate(t, { race: 't', vs_race: '저그' })).toMatchObject({ games: 2, wins: 1, by_opponent: [{ vs_race: 'Zerg' }] });
    expect(winRate(t, { race: '테란', map: 'bravo' })).toMatchObject({
      games: 1,
      wins: 1,
      mirror_games_excluded: 1,
      filters: { map: 'Bravo' },
    });
    expect(winRate(t, { race: 'Terran', patch: 'latest' })).toMatchObject({ games: 2, wins: 1, filters: { patch: '5.0.10' } });
    expect(winRate(t, { race: 'Terran', from: '2025-01-02', to: '2025-01-03' })).toMatchObject({ games: 2, wins: 1 });
    expect(winRate(t, { race: 'Protoss', patch: '5.0.9' })).toMatchObject({ games: 0, win_rate: null, ci95_low: null });
  });

  it('rejects bad input with clear messages', () => {
    expect(() => winRate(t, {})).toThrow(/race is required/);
    expect(() => winRate(t, { race: 'Orc' })).toThrow(/Unknown race "Orc"/);
    expect(() => winRate(t, { race: 'Terran', vs_race: 'terran' })).toThrow(/mirror matches/);
    expect(() => winRate(t, { race: 'Terran', map: 'Moon' })).toThrow(/Unknown map "Moon". Known: Alpha, Bravo/);
    expect(() => winRate(t, { race: 'Terran', patch: '4.0' })).toThrow(/Unknown patch "4.0"/);
    expect(() => winRate(t, { race: 'Terran', from: '2025-01-05', to: '2025-01-01' })).toThrow(/after "to"/);
  });

  it('computes a Wilson interval', () => {
    const [lo, hi] = wilson95(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
  });
});

describe('avg_game_time', () => {
  it('averages all games, games with a race (mirrors included) and one matchup', () => {
    expect(avgGameTime(t, {})).toMatchObject({
      games: 5,
      mean_seconds: 800,
      median_seconds: 800,
      p25_seconds: 700,
      p75_seconds: 900,
      mean_minutes: 13.33,
    });
    expect(avgGameTime(t, { race: 'Terran' })).toMatchObject({ games: 4, mean_seconds: 750, median_seconds: 750 });
    expect(avgGameTime(t, { race: 'Zerg', vs_race: 'Terran' })).toMatchObject({ games: 2, mean_seconds: 650 });
    expect(avgGameTime(t, { race: 'Terran', vs_race: 'Terran' })).toMatchObject({ games: 1, mean_seconds: 900 });
    expect(avgGameTime(t, { map: 'Alpha', to: '2025-01-01' })).toMatchObject({ games: 1, median_seconds: 600 });
    expect(avgGameTime(t, { patch: '5.0.9', map: 'Bravo' })).toMatchObject({ games: 0, mean_seconds: null, median_seconds: null });
  });

  it('needs race with vs_race', () => {
    expect(() => avgGameTime(t, { vs_race: 'Zerg' })).toThrow(/vs_race needs race/);
  });
});

describe('matchup_matrix and list_filters', () => {
  it('builds the 3x3 table', () => {
    const m = matchupMatrix(t, {});
    expect(m.races).toEqual(['Terran', 'Zerg', 'Protoss']);
    expect(m.matrix).toEqual([
      [null, 0.5, 1],
      [0.5, null, 1],
      [0, 0, null],
    ]);
    expect(m.overall).toEqual([
      { race: 'Terran', games: 3, wins: 2, win_rate: 0.6667 },
      { race: 'Zerg', games: 3, wins: 2, win_rate: 0.6667 },
      { race: 'Protoss', games: 2, wins: 0, win_rate: 0 },
    ]);
    expect(m).toMatchObject({ mirror_games: 1, total_games: 5 });
    expect(m.cells).toHaveLength(6);
  });

  it('lists maps, patches and dates', () => {
    expect(listFilters(t)).toEqual({
      races: ['Terran', 'Zerg', 'Protoss'],
      maps: ['Alpha', 'Bravo'],
      patches: [
        { patch: '5.0.9', from: '2025-01-01', to: '2025-01-01', games: 1 },
        { patch: '5.0.10', from: '2025-01-02', to: '2025-01-05', games: 4 },
      ],
      latest_patch: '5.0.10',
      date_range: { from: '2025-01-01', to: '2025-01-05' },
      total_games: 5,
    });
  });
});

describe('on the real dataset', () => {
  const games = loadGames();

  it('answers every query in well under a second', () => {
    const timed = (f: () => unknown) => {
      const start = performance.now();
      f();
      return performance.now() - start;
    };
    timed(() => winRate(games, { race: 'Terran' })); // warm up
    expect(timed(() => winRate(games, { race: 'Terran', patch: '5.0.12', map: 'Ember Basin' }))).toBeLessThan(250);
    expect(timed(() => avgGameTime(games, { race: 'Zerg', from: '2025-02-01', to: '2025-06-01' }))).toBeLessThan(250);
    expect(timed(() => matchupMatrix(games, {}))).toBeLessThan(250);
    expect(timed(() => listFilters(games))).toBeLessThan(250);
  });

  it('shows the planted imbalance: Terran strong in 5.0.12 only, strongest on Ember Basin', () => {
    expect(games.size).toBe(100_000);
    expect(listFilters(games).latest_patch).toBe('5.0.12');
    const latest = winRate(games, { race: 'Terran', patch: '5.0.12' }).win_rate!;
    expect(latest).toBeGreaterThan(0.55);
    expect(latest).toBeLessThan(0.6);
    expect(winRate(games, { race: 'Terran', patch: '5.0.12', map: 'Ember Basin' }).win_rate!).toBeGreaterThan(0.6);
    for (const patch of ['5.0.10', '5.0.11']) {
      expect(Math.abs(winRate(games, { race: 'Terran', patch }).win_rate! - 0.5)).toBeLessThan(0.015);
    }
  });
});
