/**
 * The game-stats MCP server: win rates, game lengths and matchup tables over the (synthetic) ranked-games
 * dataset. Build one per MCP session with {@link createGameStatsServer}; the table is loaded once and shared.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RACE_SPELLINGS, RACES, pct, registerDocumentedTool, toolResult } from '../../src/mcp/index.js';
import type { GamesTable } from './data.js';
import { avgGameTime, listFilters, matchupMatrix, winRate, type EchoedFilters } from './queries.js';

export const SERVER_NAME = 'game-stats';
export const SERVER_VERSION = '0.1.0';

const raceIn = z.string().describe(`Race: ${RACE_SPELLINGS}`);
const mapIn = z.string().optional().describe('Map name, e.g. "Ember Basin" (case-insensitive); list_filters lists them');
const patchIn = z.string().optional().describe('Game patch, e.g. "5.0.12", or "latest" for the newest one');
const fromIn = z.string().optional().describe('First day to include, YYYY-MM-DD (inclusive)');
const toIn = z.string().optional().describe('Last day to include, YYYY-MM-DD (inclusive)');

const raceOut = z.enum(RACES);
const count = z.number();
const rate = z.number().nullable().describe('Ratio 0..1 (4 decimals); null when there are no games');
const filtersOut = z
  .object({
    race: raceOut.nullable(),
    vs_race: raceOut.nullable(),
    map: z.string().nullable(),
    patch: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
  })
  .describe('Filters applied after normalization (e.g. "테란" → "Terran"); null = not filtered');

const fmt = (n: number) => n.toLocaleString('en-US');

function describeFilters(f: EchoedFilters): string {
  const parts: string[] = [];
  if (f.patch) parts.push(`patch ${f.patch}`);
  if (f.map) parts.push(`on ${f.map}`);
  if (f.from || f.to) parts.push(`${f.from ?? 'start'} to ${f.to ?? 'end'}`);
  return parts.length > 0 ? parts.join(', ') : 'all games';
}

const mmss = (s: number | null) => (s === null ? 'n/a' : `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`);

export function createGameStatsServer(table: GamesTable): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Game statistics' },
    {
      instructions:
        'Ranked-game statistics for a StarCraft-like game (races Terran, Zerg, Protoss; SYNTHETIC data). ' +
        'Race win rates exclude mirror matches. Call list_filters for maps, patches and the date range.',
    },
  );

  registerDocumentedTool(
    server,
    'win_rate',
    {
      title: 'Race win rate',
      description:
        "A race's win rate in ranked games, optionally against one opponent race, on one map, in one patch or " +
        'between two dates. Mirror matches (e.g. Terran vs Terran) are excluded. Returns wins, games, the win ' +
        'rate with a 95% confidence interval, and the split by opponent race. Use it to judge whether a race is ' +
        'too strong or too weak (a fair matchup is ~50%).',
      examples: [
        'Is Terran too strong in patch 5.0.12?',
        "What is Zerg's win rate against Protoss on Ember Basin?",
        '테란 승률이 지난달에 얼마였어?',
      ],
      inputSchema: {
        race: raceIn,
        vs_race: raceIn.optional().describe('Only games against this race'),
        map: mapIn,
        patch: patchIn,
        from: fromIn,
        to: toIn,
      },
      outputSchema: {
        race: raceOut,
        filters: filtersOut,
        games: z.number().describe('Non-mirror games of the race that matched'),
        wins: count,
        losses: count,
        win_rate: rate,
        ci95_low: rate,
        ci95_high: rate,
        mirror_games_excluded: count,
        by_opponent: z.array(z.object({ vs_race: raceOut, games: count, wins: count, win_rate: rate })),
      },
    },
    (args) => {
      const r = winRate(table, args);
      const vs = r.filters.vs_race ? ` vs ${r.filters.vs_race}` : '';
      const lines = [
        `${r.race}${vs} win rate: ${pct(r.win_rate)} (${fmt(r.wins)} wins of ${fmt(r.games)} non-mirror games; 95% CI ${pct(r.ci95_low)}-${pct(r.ci95_high)}) — ${describeFilters(r.filters)}.`,
        ...r.by_opponent
          .filter(() => !r.filters.vs_race)
          .map((o) => `  vs ${o.vs_race}: ${pct(o.win_rate)} (${fmt(o.wins)}/${fmt(o.games)})`),
        `Mirror games excluded: ${fmt(r.mirror_games_excluded)}.`,
      ];
      return toolResult(lines.join('\n'), { ...r });
    },
  );

  registerDocumentedTool(
    server,
    'avg_game_time',
    {
      title: 'Average game length',
      description:
        'Mean and median game duration (seconds and minutes, plus quartiles) of ranked games, optionally for ' +
        'games with a race (mirror games included), one matchup (race + vs_race), a map, a patch or a period.',
      examples: ['How long do games last in patch 5.0.12?', 'Are Terran vs Zerg games getting shorter?', '엠버 베이슨 평균 게임 시간은?'],
      inputSchema: {
        race: raceIn.optional().describe('Only games where a player played this race'),
        vs_race: raceIn.optional().describe('With race: only this matchup'),
        map: mapIn,
        patch: patchIn,
        from: fromIn,
        to: toIn,
      },
      outputSchema: {
        filters: filtersOut,
        games: count,
        mean_seconds: z.number().nullable(),
        median_seconds: z.number().nullable(),
        p25_seconds: z.number().nullable(),
        p75_seconds: z.number().nullable(),
        mean_minutes: z.number().nullable(),
        median_minutes: z.number().nullable(),
      },
    },
    (args) => {
      const r = avgGameTime(table, args);
      const who = r.filters.race ? `${r.filters.race}${r.filters.vs_race ? ` vs ${r.filters.vs_race}` : ''} games` : 'Games';
      const text = `${who} (${describeFilters(r.filters)}, ${fmt(r.games)} games): mean ${mmss(r.mean_seconds)} (${r.mean_seconds ?? 'n/a'} s), median ${mmss(r.median_seconds)}, middle half ${mmss(r.p25_seconds)}-${mmss(r.p75_seconds)}.`;
      return toolResult(text, { ...r });
    },
  );

  registerDocumentedTool(
    server,
    'matchup_matrix',
    {
      title: 'Matchup win-rate matrix',
      description:
        'The 3x3 race-vs-race win-rate table (row race beats column race), with game counts per matchup and ' +
        "each race's overall non-mirror win rate, optionally for one map, patch or period. Shows at a glance " +
        'which matchups are unbalanced.',
      examples: [
        'Show the matchup table for the latest patch',
        'Which matchup is the most unbalanced on Frost Ridge?',
        '종족별 상성 승률 보여줘',
      ],
      inputSchema: { map: mapIn, patch: patchIn, from: fromIn, to: toIn },
      outputSchema: {
        filters: filtersOut,
        races: z.array(raceOut),
        matrix: z.array(z.array(z.number().nullable())).describe('matrix[i][j] = win rate of races[i] vs races[j]; diagonal null'),
        cells: z.array(z.object({ race: raceOut, vs_race: raceOut, games: count, wins: count, win_rate: rate })),
        overall: z.array(z.object({ race: raceOut, games: count, wins: count, win_rate: rate })),
        mirror_games: count,
        total_games: count,
      },
    },
    (args) => {
      const r = matchupMatrix(table, args);
      const head = `row vs column   ${r.races.map((x) => x.padEnd(8)).join(' ')}`;
      const rows = r.races.map(
        (race, i) => `${race.padEnd(15)} ${r.matrix[i]!.map((v) => (v === null ? '-' : pct(v)).padEnd(8)).join(' ')}`,
      );
      const overall = r.overall.map((o) => `${o.race} ${pct(o.win_rate)}`).join(', ');
      const text = [
        `Matchup win rates (${describeFilters(r.filters)}; ${fmt(r.total_games)} games, ${fmt(r.mirror_games)} mirrors):`,
        head,
        ...rows,
        `Overall (non-mirror): ${overall}.`,
      ].join('\n');
      return toolResult(text, { ...r });
    },
  );

  registerDocumentedTool(
    server,
    'list_filters',
    {
      title: 'Available maps, patches and dates',
      description:
        'Lists the races, maps, patches (with the days each was live and its game count) and the date range the game statistics cover.',
      examples: ['Which patches and maps are in the data?', 'What is the latest patch?'],
      inputSchema: {},
      outputSchema: {
        races: z.array(raceOut),
        maps: z.array(z.string()),
        patches: z.array(z.object({ patch: z.string(), from: z.string(), to: z.string(), games: count })),
        latest_patch: z.string().nullable(),
        date_range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
        total_games: count,
      },
    },
    () => {
      const r = listFilters(table);
      const text = [
        `${fmt(r.total_games)} games from ${r.date_range.from} to ${r.date_range.to}.`,
        `Maps: ${r.maps.join(', ')}.`,
        `Patches: ${r.patches.map((p) => `${p.patch} (${p.from} to ${p.to}, ${fmt(p.games)} games)`).join('; ')}. Latest: ${r.latest_patch}.`,
      ].join('\n');
      return toolResult(text, { ...r });
    },
  );

  return server;
}
