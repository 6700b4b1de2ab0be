/**
 * Pure queries over the forum posts. Filters arrive raw from the tool call and are validated here
 * (ToolInputError on bad input). Period bounds are inclusive days compared with the post's created_at day.
 * "Complaints" are negative posts: search_complaints defaults to sentiment "negative" ("any" lifts that).
 */
import { type Race, ToolInputError, parseOptionalChoice, parseOptionalRace, parsePeriod, ratio } from '../../src/mcp/index.js';
import { SENTIMENT_LABELS, TOPICS, type Lang, type SentimentLabel, type Topic } from '../data/catalog.js';
import type { IndexedPost, Post, PostsTable } from './data.js';

export interface RawPostFilters {
  race?: string;
  topic?: string;
  lang?: string;
  patch?: string;
  from?: string;
  to?: string;
}

export interface EchoedPostFilters {
  race: Race | null;
  topic: Topic | null;
  lang: Lang | null;
  patch: string | null;
  from: string | null;
  to: string | null;
}

export function resolvePostFilters(
  table: PostsTable,
  raw: RawPostFilters,
): { echo: EchoedPostFilters; match: (p: IndexedPost) => boolean } {
  const race = parseOptionalRace(raw.race, 'race');
  const topic = parseOptionalChoice(raw.topic, TOPICS, 'topic') as Topic | undefined;
  const lang = parseOptionalChoice(raw.lang, ['ko', 'en'], 'lang') as Lang | undefined;
  const patch =
    raw.patch?.trim().toLowerCase() === 'latest'
      ? table.patches[table.patches.length - 1]
      : parseOptionalChoice(raw.patch, table.patches, 'patch');
  const { from, to } = parsePeriod(raw.from, raw.to);
  const echo: EchoedPostFilters = {
    race: race ?? null,
    topic: topic ?? null,
    lang: lang ?? null,
    patch: patch ?? null,
    from: from ?? null,
    to: to ?? null,
  };
  const match = (p: IndexedPost) =>
    (race === undefined || p.race === race) &&
    (topic === undefined || p.topic === topic) &&
    (lang === undefined || p.lang === lang) &&
    (patch === undefined || p.patch === patch) &&
    (from === undefined || p.day >= from) &&
    (to === undefined || p.day <= to);
  return { echo, match };
}

const strip = ({ day: _day, haystack: _haystack, ...post }: IndexedPost): Post => post;

export interface SearchInput extends RawPostFilters {
  /** negative (default), neutral, positive or any */
  sentiment?: string;
  /** Words that must all appear in title or body (case-insensitive). */
  query?: string;
  limit?: number;
}

export interface SearchResult {
  filters: EchoedPostFilters & { sentiment: SentimentLabel | 'any'; query: string | null };
  total: number;
  returned: number;
  posts: Post[];
}

export const MAX_LIMIT = 100;

export function searchComplaints(table: PostsTable, input: SearchInput): SearchResult {
  const { echo, match } = resolvePostFilters(table, input);
  const sentiment = (parseOptionalChoice(input.sentiment, [...SENTIMENT_LABELS, 'any'], 'sentiment') ?? 'negative') as
    SentimentLabel | 'any';
  const query = input.query?.trim() ? input.query.trim() : null;
  const words = query ? query.normalize('NFC').toLowerCase().split(/\s+/) : [];
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ToolInputError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}.`);
  const hits: IndexedPost[] = [];
  for (const p of table.posts) {
    if (!match(p)) continue;
    if (sentiment !== 'any' && p.sentiment_label !== sentiment) continue;
    if (words.length > 0 && !words.every((w) => p.haystack.includes(w))) continue;
    hits.push(p);
  }
  // Newest first.
  hits.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  const posts = hits.slice(0, limit).map(strip);
  return { filters: { ...echo, sentiment, query }, total: hits.length, returned: posts.length, posts };
}

export interface SentimentCounts {
  total: number;
  negative: number;
  neutral: number;
  positive: number;
  /** Mean of the -1..1 scores (3 decimals); null without posts. */
  mean_sentiment: number | null;
  /** negative / total (4 decimals). */
  negative_share: number | null;
}

export interface SentimentSummaryResult extends SentimentCounts {
  filters: EchoedPostFilters;
  by_patch: (SentimentCounts & { patch: string })[];
}

function counter() {
  const c = { total: 0, negative: 0, neutral: 0, positive: 0, sum: 0 };
  return {
    add(p: Post) {
      c.total++;
      c[p.sentiment_label]++;
      c.sum += p.sentiment;
    },
    result(): SentimentCounts {
      return {
        total: c.total,
        negative: c.negative,
        neutral: c.neutral,
        positive: c.positive,
        mean_sentiment: c.total === 0 ? null : Math.round((c.sum / c.total) * 1000) / 1000,
        negative_share: ratio(c.negative, c.total),
      };
    },
  };
}

export function sentimentSummary(table: PostsTable, raw: RawPostFilters): SentimentSummaryResult {
  const { echo, match } = resolvePostFilters(table, raw);
  const all = counter();
  const perPatch = new Map<string, ReturnType<typeof counter>>();
  for (const p of table.posts) {
    if (!match(p)) continue;
    all.add(p);
    let c = perPatch.get(p.patch);
    if (!c) perPatch.set(p.patch, (c = counter()));
    c.add(p);
  }
  const by_patch = table.patches.filter((patch) => perPatch.has(patch)).map((patch) => ({ patch, ...perPatch.get(patch)!.result() }));
  return { filters: echo, ...all.result(), by_patch };
}

export interface Issue {
  rank: number;
  topic: Topic;
  /** Negative posts on this topic. */
  negative: number;
  /** All posts on this topic. */
  total: number;
  /** negative / total on this topic. */
  negative_share: number | null;
  /** This topic's share of all negative posts. */
  share_of_negative: number | null;
  mean_sentiment: number | null;
  /** Negative posts on this topic by the race they are about ("none" = no race). */
  negative_by_race: Record<Race | 'none', number>;
  /** Up to 3 distinct titles of the newest negative posts. */
  sample_titles: string[];
}

export interface TopIssuesResult {
  filters: EchoedPostFilters;
  total_posts: number;
  total_negative: number;
  issues: Issue[];
}

export function topIssues(table: PostsTable, raw: Omit<RawPostFilters, 'topic'> & { limit?: number }): TopIssuesResult {
  const { echo, match } = resolvePostFilters(table, { ...raw, topic: undefined });
  const limit = raw.limit ?? TOPICS.length;
  if (!Number.isInteger(limit) || limit < 1) throw new ToolInputError(`limit must be a positive integer, got ${limit}.`);
  const stats = new Map<Topic, { neg: IndexedPost[]; all: ReturnType<typeof counter> }>(
    TOPICS.map((t) => [t, { neg: [], all: counter() }]),
  );
  let totalPosts = 0;
  let totalNegative = 0;
  for (const p of table.posts) {
    if (!match(p)) continue;
    totalPosts++;
    const s = stats.get(p.topic)!;
    s.all.add(p);
    if (p.sentiment_label === 'negative') {
      s.neg.push(p);
      totalNegative++;
    }
  }
  const issues = [...stats.entries()]
    .filter(([, s]) => s.neg.length > 0)
    .sort(([ta, a], [tb, b]) => b.neg.length - a.neg.length || TOPICS.indexOf(ta) - TOPICS.indexOf(tb))
    .slice(0, limit)
    .map(([topic, s], i): Issue => {
      const counts = s.all.result();
      const negative_by_race = { Terran: 0, Zerg: 0, Protoss: 0, none: 0 } as Record<Race | 'none', number>;
      for (const p of s.neg) negative_by_race[p.race ?? 'none']++;
      const sample_titles: string[] = [];
      for (let k = s.neg.length - 1; k >= 0 && sample_titles.length < 3; k--) {
        const title = s.neg[k]!.title;
        if (!sample_titles.includes(title)) sample_titles.push(title);
      }
      return {
        rank: i + 1,
        topic,
        negative: s.neg.length,
        total: counts.total,
        negative_share: counts.negative_share,
        share_of_negative: ratio(s.neg.length, totalNegative),
        mean_sentiment: counts.mean_sentiment,
        negative_by_race,
        sample_titles,
      };
    });
  return { filters: echo, total_posts: totalPosts, total_negative: totalNegative, issues };
}
