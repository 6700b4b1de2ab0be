/**
 * The cs-feedback MCP server: search, sentiment and top issues over (synthetic) community forum posts in
 * Korean and English. Build one per MCP session with {@link createCsFeedbackServer}; posts load once.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RACE_SPELLINGS, RACES, pct, registerDocumentedTool, toolResult } from '../../src/mcp/index.js';
import { LANGS, SENTIMENT_LABELS, TOPICS } from '../data/catalog.js';
import type { PostsTable } from './data.js';
import { MAX_LIMIT, searchComplaints, sentimentSummary, topIssues, type EchoedPostFilters } from './queries.js';

export const SERVER_NAME = 'cs-feedback';
export const SERVER_VERSION = '0.1.0';

const raceIn = z.string().optional().describe(`Only posts about this race: ${RACE_SPELLINGS}`);
const topicIn = z
  .enum(TOPICS)
  .optional()
  .describe(`Only posts on this topic: ${TOPICS.join(', ')}`);
const langIn = z.enum(LANGS).optional().describe('Only posts in this language: ko (Korean) or en (English)');
const patchIn = z.string().optional().describe('Only posts made while this patch was live, e.g. "5.0.12", or "latest"');
const fromIn = z.string().optional().describe('First day to include, YYYY-MM-DD (inclusive)');
const toIn = z.string().optional().describe('Last day to include, YYYY-MM-DD (inclusive)');

const raceOut = z.enum(RACES);
const filtersOut = z
  .object({
    race: raceOut.nullable(),
    topic: z.enum(TOPICS).nullable(),
    lang: z.enum(LANGS).nullable(),
    patch: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
  })
  .describe('Filters applied after normalization (e.g. "테란" → "Terran"); null = not filtered');
const countsOut = {
  total: z.number(),
  negative: z.number(),
  neutral: z.number(),
  positive: z.number(),
  mean_sentiment: z.number().nullable().describe('Mean score, -1 (very negative) .. 1 (very positive)'),
  negative_share: z.number().nullable().describe('negative / total, 0..1'),
};
const postOut = z.object({
  id: z.string(),
  created_at: z.string(),
  patch: z.string(),
  lang: z.enum(LANGS),
  race: raceOut.nullable(),
  topic: z.enum(TOPICS),
  sentiment: z.number(),
  sentiment_label: z.enum(SENTIMENT_LABELS),
  title: z.string(),
  body: z.string(),
});

const fmt = (n: number) => n.toLocaleString('en-US');

function describeFilters(f: Partial<EchoedPostFilters>): string {
  const parts: string[] = [];
  if (f.race) parts.push(f.race);
  if (f.topic) parts.push(`topic ${f.topic}`);
  if (f.lang) parts.push(f.lang === 'ko' ? 'Korean' : 'English');
  if (f.patch) parts.push(`patch ${f.patch}`);
  if (f.from || f.to) parts.push(`${f.from ?? 'start'} to ${f.to ?? 'end'}`);
  return parts.length > 0 ? parts.join(', ') : 'all posts';
}

export function createCsFeedbackServer(table: PostsTable): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Customer feedback' },
    {
      instructions:
        'Community forum posts (Korean and English; SYNTHETIC data) about a StarCraft-like game, tagged with ' +
        `the race they are about, a topic (${TOPICS.join(', ')}), a sentiment score and the patch live at the time.`,
    },
  );

  registerDocumentedTool(
    server,
    'search_complaints',
    {
      title: 'Search player complaints',
      description:
        'Finds player complaints (negative forum posts; pass sentiment "any" for all posts) filtered by race, ' +
        'topic, language, patch, period and free text, newest first. Returns the total number of matches and up ' +
        'to `limit` posts with title, body, language, sentiment and date. Text search matches every word in the ' +
        'title or body, case-insensitively, in Korean or English.',
      examples: [
        'What are players complaining about Terran in 5.0.12?',
        'Show Korean posts about Mutalisk balance',
        '저그 유저들 불만 글 찾아줘',
      ],
      inputSchema: {
        race: raceIn,
        topic: topicIn,
        lang: langIn,
        sentiment: z
          .enum([...SENTIMENT_LABELS, 'any'])
          .optional()
          .describe('negative (default: complaints), neutral, positive, or any'),
        patch: patchIn,
        from: fromIn,
        to: toIn,
        query: z.string().optional().describe('Words that must all appear in the title or body, e.g. "nerf" or "사기"'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_LIMIT)
          .optional()
          .describe(`How many posts to return (default 10, max ${MAX_LIMIT}); total counts all matches`),
      },
      outputSchema: {
        filters: filtersOut.extend({ sentiment: z.enum([...SENTIMENT_LABELS, 'any']), query: z.string().nullable() }),
        total: z.number().describe('All matching posts'),
        returned: z.number().describe('Posts in this result (at most limit)'),
        posts: z.array(postOut),
      },
    },
    (args) => {
      const r = searchComplaints(table, args);
      const kind =
        r.filters.sentiment === 'negative' ? 'complaints' : r.filters.sentiment === 'any' ? 'posts' : `${r.filters.sentiment} posts`;
      const q = r.filters.query ? ` matching "${r.filters.query}"` : '';
      const lines = [`${fmt(r.total)} ${kind}${q} (${describeFilters(r.filters)}); newest ${r.returned}:`];
      for (const p of r.posts)
        lines.push(`- [${p.created_at.slice(0, 10)} ${p.lang} ${p.race ?? '-'}/${p.topic} ${p.sentiment}] ${p.title}`);
      return toolResult(lines.join('\n'), { ...r });
    },
  );

  registerDocumentedTool(
    server,
    'sentiment_summary',
    {
      title: 'Player sentiment summary',
      description:
        'Counts negative, neutral and positive forum posts and the mean sentiment score (-1..1), optionally for ' +
        'one race, topic, language, patch or period, with the same numbers per patch so a change after a patch ' +
        'shows up.',
      examples: ['How do players feel about Terran balance?', 'Did sentiment get worse after patch 5.0.12?', '프로토스 관련 여론 어때?'],
      inputSchema: { race: raceIn, topic: topicIn, lang: langIn, patch: patchIn, from: fromIn, to: toIn },
      outputSchema: {
        filters: filtersOut,
        ...countsOut,
        by_patch: z.array(z.object({ patch: z.string(), ...countsOut })),
      },
    },
    (args) => {
      const r = sentimentSummary(table, args);
      const lines = [
        `Sentiment (${describeFilters(r.filters)}): ${fmt(r.total)} posts — ${fmt(r.negative)} negative (${pct(r.negative_share)}), ${fmt(r.neutral)} neutral, ${fmt(r.positive)} positive; mean ${r.mean_sentiment ?? 'n/a'}.`,
        ...r.by_patch.map(
          (p) =>
            `  ${p.patch}: ${fmt(p.total)} posts, ${fmt(p.negative)} negative (${pct(p.negative_share)}), mean ${p.mean_sentiment ?? 'n/a'}`,
        ),
      ];
      return toolResult(lines.join('\n'), { ...r });
    },
  );

  registerDocumentedTool(
    server,
    'top_issues',
    {
      title: 'Top player issues',
      description:
        'Ranks topics (balance, bug, matchmaking, performance, monetization) by the number of negative forum ' +
        "posts, optionally for one race, language, patch or period, with each topic's share of complaints, the " +
        'races the complaints are about, and sample post titles.',
      examples: ['What are the top player issues this patch?', 'What do Terran-related complaints focus on?', '요즘 가장 큰 불만이 뭐야?'],
      inputSchema: {
        race: raceIn,
        lang: langIn,
        patch: patchIn,
        from: fromIn,
        to: toIn,
        limit: z.number().int().min(1).max(TOPICS.length).optional().describe(`How many topics to return (default all ${TOPICS.length})`),
      },
      outputSchema: {
        filters: filtersOut,
        total_posts: z.number(),
        total_negative: z.number(),
        issues: z.array(
          z.object({
            rank: z.number(),
            topic: z.enum(TOPICS),
            negative: z.number().describe('Negative posts on this topic'),
            total: z.number().describe('All posts on this topic'),
            negative_share: z.number().nullable().describe('negative / total on this topic'),
            share_of_negative: z.number().nullable().describe("This topic's share of all negative posts"),
            mean_sentiment: z.number().nullable(),
            negative_by_race: z.object({ Terran: z.number(), Zerg: z.number(), Protoss: z.number(), none: z.number() }),
            sample_titles: z.array(z.string()),
          }),
        ),
      },
    },
    (args) => {
      const r = topIssues(table, args);
      const lines = [`Top issues (${describeFilters(r.filters)}): ${fmt(r.total_negative)} negative of ${fmt(r.total_posts)} posts.`];
      for (const i of r.issues) {
        const races = Object.entries(i.negative_by_race)
          .filter(([, n]) => n > 0)
          .map(([race, n]) => `${race} ${n}`)
          .join(', ');
        lines.push(
          `${i.rank}. ${i.topic}: ${fmt(i.negative)} negative (${pct(i.share_of_negative)} of complaints; ${races}). e.g. ${i.sample_titles.map((t) => `"${t}"`).join(', ')}`,
        );
      }
      return toolResult(lines.join('\n'), { ...r });
    },
  );

  return server;
}
