import { describe, expect, it } from 'vitest';
import { parsePostsJsonl, loadPosts } from '../../../mcp-servers/cs-feedback/data.js';
import { searchComplaints, sentimentSummary, topIssues } from '../../../mcp-servers/cs-feedback/queries.js';

const post = (id: number, o: Record<string, unknown>) => ({
  id: `p${id}`,
  created_at: '2025-05-10T10:00:00Z',
  patch: '5.0.12',
  lang: 'en',
  race: null,
  topic: 'bug',
  sentiment: -0.5,
  sentiment_label: 'negative',
  title: `title ${id}`,
  body: 'body',
  ...o,
});
const ROWS = [
  post(1, {
    created_at: '2025-03-01T08:00:00Z',
    patch: '5.0.11',
    race: 'Terran',
    topic: 'balance',
    title: 'Terran is fine',
    sentiment: 0.1,
    sentiment_label: 'neutral',
  }),
  post(2, {
    created_at: '2025-05-06T08:00:00Z',
    race: 'Terran',
    topic: 'balance',
    lang: 'ko',
    title: '테란 너무 사기예요',
    body: '밴시 너프 좀',
  }),
  post(3, {
    created_at: '2025-05-07T08:00:00Z',
    race: 'Terran',
    topic: 'balance',
    title: 'Please nerf Banshee',
    body: 'Banshee timing is too strong',
    sentiment: -0.9,
  }),
  post(4, { created_at: '2025-05-08T08:00:00Z', race: 'Zerg', topic: 'balance', lang: 'ko', title: '저그 뮤탈 너프 좀', sentiment: -0.3 }),
  post(5, { created_at: '2025-05-09T08:00:00Z', topic: 'bug', title: 'Crash on Frost Ridge' }),
  post(6, { created_at: '2025-05-10T08:00:00Z', topic: 'monetization', title: 'Nice skins', sentiment: 0.8, sentiment_label: 'positive' }),
];
const table = parsePostsJsonl(ROWS.map((r) => JSON.stringify(r)).join('\n'));

describe('search_complaints', () => {
  it('defaults to negative posts, newest first, with the total', () => {
    const r = searchComplaints(table, { race: '테란' });
    expect(r.total).toBe(2);
    expect(r.posts.map((p) => p.id)).toEqual(['p3', 'p2']);
    expect(r.filters).toMatchObject({ race: 'Terran', sentiment: 'negative', query: null });
    expect(r.posts[0]).not.toHaveProperty('haystack');
  });

  it('filters by sentiment, language, topic, patch, period and every query word', () => {
    expect(searchComplaints(table, { race: 'T', sentiment: 'any' }).total).toBe(3);
    expect(searchComplaints(table, { lang: 'ko' }).posts.map((p) => p.id)).toEqual(['p4', 'p2']);
    expect(searchComplaints(table, { topic: 'balance', patch: 'latest' }).total).toBe(3);
    expect(searchComplaints(table, { from: '2025-05-07', to: '2025-05-08' }).total).toBe(2);
    expect(searchComplaints(table, { query: 'NERF banshee' }).posts.map((p) => p.id)).toEqual(['p3']);
    expect(searchComplaints(table, { query: '너프' }).total).toBe(2);
    expect(searchComplaints(table, { sentiment: 'positive' }).posts.map((p) => p.id)).toEqual(['p6']);
    const limited = searchComplaints(table, { limit: 1 });
    expect(limited).toMatchObject({ total: 4, returned: 1 });
  });

  it('rejects bad input', () => {
    expect(() => searchComplaints(table, { race: 'Elf' })).toThrow(/Unknown race/);
    expect(() => searchComplaints(table, { topic: 'lore' })).toThrow(/Unknown topic "lore"/);
    expect(() => searchComplaints(table, { limit: 0 })).toThrow(/limit/);
    expect(() => searchComplaints(table, { from: '2025-06-01', to: '2025-05-01' })).toThrow(/after "to"/);
  });
});

describe('sentiment_summary and top_issues', () => {
  it('counts labels and the mean, overall and per patch', () => {
    const r = sentimentSummary(table, { race: 'Terran' });
    expect(r).toMatchObject({ total: 3, negative: 2, neutral: 1, positive: 0, mean_sentiment: -0.433, negative_share: 0.6667 });
    expect(r.by_patch.map((p) => [p.patch, p.total, p.negative])).toEqual([
      ['5.0.11', 1, 0],
      ['5.0.12', 2, 2],
    ]);
    expect(sentimentSummary(table, { topic: 'bug', lang: 'ko' })).toMatchObject({ total: 0, mean_sentiment: null, by_patch: [] });
  });

  it('ranks topics by negative posts with races and sample titles', () => {
    const r = topIssues(table, {});
    expect(r).toMatchObject({ total_posts: 6, total_negative: 4 });
    expect(r.issues.map((i) => [i.rank, i.topic, i.negative])).toEqual([
      [1, 'balance', 3],
      [2, 'bug', 1],
    ]);
    expect(r.issues[0]).toMatchObject({
      total: 4,
      negative_share: 0.75,
      share_of_negative: 0.75,
      negative_by_race: { Terran: 2, Zerg: 1, Protoss: 0, none: 0 },
    });
    expect(r.issues[0]!.sample_titles).toEqual(['저그 뮤탈 너프 좀', 'Please nerf Banshee', '테란 너무 사기예요']);
    expect(topIssues(table, { limit: 1 }).issues).toHaveLength(1);
  });

  it('finds Terran balance as the top issue of 5.0.12 in the real dataset', () => {
    const posts = loadPosts();
    expect(posts.posts.length).toBe(4000);
    const latest = topIssues(posts, { patch: '5.0.12' }).issues[0]!;
    expect(latest.topic).toBe('balance');
    expect(latest.negative_by_race.Terran).toBeGreaterThan(latest.negative / 2);
    const before = sentimentSummary(posts, { race: 'Terran', topic: 'balance', patch: '5.0.11' });
    const after = sentimentSummary(posts, { race: 'Terran', topic: 'balance', patch: '5.0.12' });
    expect(after.negative).toBeGreaterThan(5 * before.negative);
    expect(after.mean_sentiment!).toBeLessThan(before.mean_sentiment!);
  });
});
