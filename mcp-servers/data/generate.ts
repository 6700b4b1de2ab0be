/**
 * Deterministic generator of the two SYNTHETIC datasets behind the game-stats and cs-feedback MCP servers
 * (see README.md in this folder). `scripts/generate-datasets.ts` writes them to disk; tests call these
 * functions directly. Same seed and options → byte-identical output.
 *
 * The planted finding: in patch 5.0.12 Terran wins clearly more than half of its non-mirror games (more so
 * on Ember Basin), Terran is picked more, and the forums fill with Terran balance complaints. Earlier
 * patches are close to even (5.0.10 has a small Protoss-over-Zerg edge as background noise).
 */
import { RACES, RACE_CODES, RACE_KO, type Race } from '../../src/mcp/index.js';
import {
  FIRST_DAY,
  LAST_DAY,
  MAPS,
  MAPS_KO,
  PATCHES,
  TOPICS,
  patchOn,
  sentimentLabel,
  type Lang,
  type SentimentLabel,
  type Topic,
} from './catalog.js';
import { TEMPLATES, UNITS, needsRace, render } from './post-templates.js';
import { mulberry32, normal, pick, randInt, sample, uniform, weightedIndex, type Rng } from './prng.js';

export interface GenerateOptions {
  seed?: number;
  /** Number of games (default 100,000). */
  games?: number;
  /** Number of forum posts (default 4,000). */
  posts?: number;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_GAMES = 100_000;
export const DEFAULT_POSTS = 4_000;

export const GAMES_HEADER = 'id,played_at,patch,map,race1,race2,mmr1,mmr2,winner,duration_s';

export interface GeneratedGame {
  id: number;
  playedAt: string;
  patch: string;
  map: string;
  race1: Race;
  race2: Race;
  mmr1: number;
  mmr2: number;
  /** 1 or 2: which player won. */
  winner: 1 | 2;
  durationS: number;
}

export interface GeneratedPost {
  id: string;
  created_at: string;
  patch: string;
  lang: Lang;
  race: Race | null;
  topic: Topic;
  sentiment: number;
  sentiment_label: SentimentLabel;
  title: string;
  body: string;
}

const DAY_MS = 86_400_000;

/** Every day of the observation window, YYYY-MM-DD. */
export function days(): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${FIRST_DAY}T00:00:00Z`); t <= Date.parse(`${LAST_DAY}T00:00:00Z`); t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

const isWeekend = (day: string) => {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  return dow === 0 || dow === 6;
};

/** Days since the patch live on `day` was released. */
function daysIntoPatch(day: string): number {
  const p = PATCHES.find((x) => day >= x.from && day <= x.to);
  return p ? Math.round((Date.parse(day) - Date.parse(p.from)) / DAY_MS) : 0;
}

/** Splits `total` over days in proportion to `weights`, exactly (cumulative rounding). */
function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let cum = 0;
  let given = 0;
  for (const w of weights) {
    cum += w;
    const upTo = Math.round((total * cum) / sum);
    out.push(upTo - given);
    given = upTo;
  }
  return out;
}

const LATEST = PATCHES[PATCHES.length - 1]!.patch;

/** Pick rates per patch (Terran gets more popular once it is strong). */
const RACE_PICK: Readonly<Record<string, readonly number[]>> = {
  '5.0.10': [0.33, 0.34, 0.33],
  '5.0.11': [0.34, 0.33, 0.33],
  '5.0.12': [0.4, 0.31, 0.29],
};

/**
 * Race advantage in log-odds, `EDGE[patch][a][b]` = how much race a's odds of beating race b are raised.
 * Antisymmetric by construction (see {@link edge}). 5.0.12 is the planted imbalance.
 */
const EDGE: Readonly<Record<string, Readonly<Partial<Record<Race, Partial<Record<Race, number>>>>>>> = {
  '5.0.10': { Terran: { Zerg: -0.02, Protoss: 0.02 }, Protoss: { Zerg: 0.08 } },
  '5.0.11': { Terran: { Zerg: 0.03, Protoss: 0.02 }, Protoss: { Zerg: 0.0 } },
  '5.0.12': { Terran: { Zerg: 0.27, Protoss: 0.22 }, Protoss: { Zerg: 0.02 } },
};
/** Extra Terran log-odds on one map in the latest patch (short rush distance after the map update). */
const MAP_EDGE = { patch: LATEST, map: 'Ember Basin', race: 'Terran' as Race, logOdds: 0.34 };

function edge(patch: string, map: string, a: Race, b: Race): number {
  if (a === b) return 0;
  const table = EDGE[patch] ?? {};
  let e = table[a]?.[b] ?? -(table[b]?.[a] ?? 0);
  if (patch === MAP_EDGE.patch && map === MAP_EDGE.map) {
    if (a === MAP_EDGE.race) e += MAP_EDGE.logOdds;
    else if (b === MAP_EDGE.race) e -= MAP_EDGE.logOdds;
  }
  return e;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Generates the games, sorted by day, ids 1..n. */
export function generateGames(options: GenerateOptions = {}): GeneratedGame[] {
  const rng = mulberry32((options.seed ?? DEFAULT_SEED) ^ 0x9e3779b9);
  const total = options.games ?? DEFAULT_GAMES;
  const allDays = days();
  const perDay = allocate(
    total,
    allDays.map((d) => (isWeekend(d) ? 1.35 : 1) * (daysIntoPatch(d) < 7 ? 1.25 : 1) * (1 + (0.1 * allDays.indexOf(d)) / allDays.length)),
  );
  const games: GeneratedGame[] = [];
  allDays.forEach((day, i) => {
    const patch = patchOn(day)!;
    const pickRates = RACE_PICK[patch]!;
    for (let k = 0; k < perDay[i]!; k++) {
      const map = pick(rng, MAPS);
      const race1 = RACES[weightedIndex(rng, pickRates)]!;
      const race2 = RACES[weightedIndex(rng, pickRates)]!;
      const mmr1 = Math.round(clamp(normal(rng, 3300, 650), 1200, 6800));
      const mmr2 = Math.round(clamp(mmr1 + normal(rng, 0, 110), 1200, 6800));
      // Elo expectation from the MMR gap, shifted in log-odds by the race edge.
      const elo = 1 / (1 + 10 ** ((mmr2 - mmr1) / 400));
      const logOdds = Math.log(elo / (1 - elo)) + edge(patch, map, race1, race2);
      const winner: 1 | 2 = rng() < 1 / (1 + Math.exp(-logOdds)) ? 1 : 2;
      const winnerRace = winner === 1 ? race1 : race2;
      // Game length: log-normal around 13 minutes; ZvZ is quick; strong 5.0.12 Terran closes games early.
      let median = 780;
      if (race1 === 'Zerg' && race2 === 'Zerg') median *= 0.82;
      if (race1 === 'Protoss' && race2 === 'Protoss') median *= 1.06;
      if (patch === LATEST && winnerRace === 'Terran' && race1 !== race2) median *= 0.86;
      const durationS = Math.round(clamp(median * Math.exp(normal(rng, 0, 0.33)), 150, 3600));
      games.push({ id: games.length + 1, playedAt: day, patch, map, race1, race2, mmr1, mmr2, winner, durationS });
    }
  });
  return games;
}

export function gamesToCsv(games: readonly GeneratedGame[]): string {
  const lines = [GAMES_HEADER];
  for (const g of games) {
    lines.push(
      `${g.id},${g.playedAt},${g.patch},${g.map},${RACE_CODES[g.race1]},${RACE_CODES[g.race2]},${g.mmr1},${g.mmr2},${g.winner},${g.durationS}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const TOPIC_WEIGHTS = { earlier: [0.3, 0.22, 0.2, 0.16, 0.12], latest: [0.46, 0.18, 0.16, 0.11, 0.09] } as const;
/** Which race a balance post is about: [none, Terran, Zerg, Protoss]. */
const BALANCE_RACE = { earlier: [0.1, 0.28, 0.31, 0.31], latest: [0.06, 0.64, 0.16, 0.14] } as const;
/** [negative, neutral, positive] */
const SENTIMENT_MIX: Readonly<Record<Topic | 'terranLatest', readonly number[]>> = {
  terranLatest: [0.84, 0.1, 0.06],
  balance: [0.55, 0.3, 0.15],
  bug: [0.7, 0.22, 0.08],
  matchmaking: [0.6, 0.3, 0.1],
  performance: [0.62, 0.28, 0.1],
  monetization: [0.5, 0.3, 0.2],
};
const LABELS: readonly SentimentLabel[] = ['negative', 'neutral', 'positive'];

function sentimentScore(rng: Rng, label: SentimentLabel): number {
  const raw = label === 'negative' ? -uniform(rng, 0.3, 1) : label === 'positive' ? uniform(rng, 0.3, 1) : uniform(rng, -0.2, 0.2);
  return Math.round(raw * 100) / 100 || 0; // no -0 in the JSON
}

/** Generates the forum posts, sorted by created_at, ids p00001... */
export function generatePosts(options: GenerateOptions = {}): GeneratedPost[] {
  const rng = mulberry32((options.seed ?? DEFAULT_SEED) ^ 0x5bd1e995);
  const total = options.posts ?? DEFAULT_POSTS;
  const allDays = days();
  const perDay = allocate(
    total,
    allDays.map((d) => {
      const latest = patchOn(d) === LATEST;
      const launch = daysIntoPatch(d) < 14 ? (latest ? 2.2 : 1.4) : 1;
      return (isWeekend(d) ? 1.2 : 1) * (latest ? 1.5 : 1) * launch;
    }),
  );
  const posts: GeneratedPost[] = [];
  allDays.forEach((day, i) => {
    const patch = patchOn(day)!;
    const period = patch === LATEST ? 'latest' : 'earlier';
    const seconds = Array.from({ length: perDay[i]! }, () => randInt(rng, 0, 86_399)).sort((a, b) => a - b);
    for (const second of seconds) {
      const lang: Lang = rng() < 0.6 ? 'ko' : 'en';
      const topic = TOPICS[weightedIndex(rng, TOPIC_WEIGHTS[period])]!;
      let race: Race | null;
      if (topic === 'balance') {
        const r = weightedIndex(rng, BALANCE_RACE[period]);
        race = r === 0 ? null : RACES[r - 1]!;
      } else {
        race = rng() < 0.25 ? pick(rng, RACES) : null;
      }
      const mix = topic === 'balance' && race === 'Terran' && period === 'latest' ? SENTIMENT_MIX.terranLatest : SENTIMENT_MIX[topic];
      const label = LABELS[weightedIndex(rng, mix)]!;
      const sentiment = sentimentScore(rng, label);

      const set = TEMPLATES[lang][topic][label];
      const usable = (t: string) => race !== null || !needsRace(t);
      const enemy = race
        ? pick(
            rng,
            RACES.filter((r) => r !== race),
          )
        : 'Zerg';
      const map = race === 'Terran' && period === 'latest' && rng() < 0.5 ? 'Ember Basin' : pick(rng, MAPS);
      const values: Record<string, string> = {
        patch,
        map: lang === 'ko' ? MAPS_KO[map] : map,
        race: race ? (lang === 'ko' ? RACE_KO[race] : race) : '',
        enemy: lang === 'ko' ? RACE_KO[enemy] : enemy,
        unit: race ? pick(rng, UNITS[race][lang]) : '',
        myunit: pick(rng, UNITS[enemy][lang]),
      };
      // A post "mentions" its race: prefer race templates, make sure at least one part names the race
      // (or one of its units), and drop the race when this topic/sentiment has no template for it.
      const raceTitles = set.titles.filter(needsRace);
      const titleTemplate = race && raceTitles.length > 0 && rng() < 0.6 ? pick(rng, raceTitles) : pick(rng, set.titles.filter(usable));
      const bodyParts = sample(rng, set.bodies.filter(usable), randInt(rng, 2, 3));
      const raceBodies = set.bodies.filter(needsRace);
      if (race && !needsRace(titleTemplate) && !bodyParts.some(needsRace)) {
        if (raceBodies.length > 0) bodyParts[0] = pick(rng, raceBodies);
        else race = null;
      }
      const title = render(titleTemplate, values);
      const body = bodyParts.map((b) => render(b, values)).join(' ');
      const created_at = `${day}T${new Date(second * 1000).toISOString().slice(11, 19)}Z`;
      posts.push({
        id: `p${String(posts.length + 1).padStart(5, '0')}`,
        created_at,
        patch,
        lang,
        race,
        topic,
        sentiment,
        sentiment_label: sentimentLabel(sentiment),
        title,
        body,
      });
    }
  });
  return posts;
}

export function postsToJsonl(posts: readonly GeneratedPost[]): string {
  return posts.map((p) => JSON.stringify(p)).join('\n') + '\n';
}

export interface DatasetSummary {
  games: number;
  posts: number;
  /** Terran's win rate in non-mirror games per patch, and per map in the latest patch. */
  terranByPatch: Record<string, { games: number; wins: number; rate: number }>;
  terranByMapLatest: Record<string, { games: number; wins: number; rate: number }>;
  terranBalanceNegativePosts: Record<string, number>;
}

/** The numbers the README quotes; the generator script prints them. */
export function summarize(games: readonly GeneratedGame[], posts: readonly GeneratedPost[]): DatasetSummary {
  const add = (acc: Record<string, { games: number; wins: number; rate: number }>, key: string, won: boolean) => {
    const cell = (acc[key] ??= { games: 0, wins: 0, rate: 0 });
    cell.games++;
    if (won) cell.wins++;
    cell.rate = Math.round((cell.wins / cell.games) * 10_000) / 10_000;
  };
  const terranByPatch: DatasetSummary['terranByPatch'] = {};
  const terranByMapLatest: DatasetSummary['terranByMapLatest'] = {};
  for (const g of games) {
    if (g.race1 === g.race2 || (g.race1 !== 'Terran' && g.race2 !== 'Terran')) continue;
    const won = (g.winner === 1 ? g.race1 : g.race2) === 'Terran';
    add(terranByPatch, g.patch, won);
    if (g.patch === LATEST) add(terranByMapLatest, g.map, won);
  }
  const terranBalanceNegativePosts: Record<string, number> = {};
  for (const p of posts) {
    if (p.race === 'Terran' && p.topic === 'balance' && p.sentiment_label === 'negative') {
      terranBalanceNegativePosts[p.patch] = (terranBalanceNegativePosts[p.patch] ?? 0) + 1;
    }
  }
  return { games: games.length, posts: posts.length, terranByPatch, terranByMapLatest, terranBalanceNegativePosts };
}
