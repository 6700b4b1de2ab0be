/**
 * Loads `forum-posts.jsonl` once (one JSON object per line) and keeps, per post, its day and a lower-cased
 * search text, so every query is one pass over a few thousand objects.
 */
import { readFileSync } from 'node:fs';
import { pkgPath } from '../../src/core/index.js';
import { normalizeRace, type Race } from '../../src/mcp/index.js';
import { LANGS, SENTIMENT_LABELS, TOPICS, type Lang, type SentimentLabel, type Topic } from '../data/catalog.js';

export const POSTS_JSONL = pkgPath('mcp-servers', 'data', 'forum-posts.jsonl');

export interface Post {
  id: string;
  created_at: string;
  patch: string;
  lang: Lang;
  race: Race | null;
  topic: Topic;
  /** -1..1 */
  sentiment: number;
  sentiment_label: SentimentLabel;
  title: string;
  body: string;
}

export interface IndexedPost extends Post {
  /** YYYY-MM-DD of created_at. */
  day: string;
  /** title + body, lower-cased and NFC-normalized, for text search. */
  haystack: string;
}

export interface PostsTable {
  posts: IndexedPost[];
  patches: string[];
}

export function parsePostsJsonl(text: string): PostsTable {
  const posts: IndexedPost[] = [];
  const patches = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const fail = (why: string): never => {
      throw new Error(`forum-posts.jsonl line ${i + 1}: ${why}`);
    };
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return fail('not JSON');
    }
    const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : fail(`"${k}" must be a string`));
    const race = raw.race === null ? null : (normalizeRace(str('race')) ?? fail('unknown race'));
    const lang = str('lang') as Lang;
    const topic = str('topic') as Topic;
    const label = str('sentiment_label') as SentimentLabel;
    if (!LANGS.includes(lang)) fail(`unknown lang ${lang}`);
    if (!TOPICS.includes(topic)) fail(`unknown topic ${topic}`);
    if (!SENTIMENT_LABELS.includes(label)) fail(`unknown sentiment_label ${label}`);
    if (typeof raw.sentiment !== 'number') fail('"sentiment" must be a number');
    const post: Post = {
      id: str('id'),
      created_at: str('created_at'),
      patch: str('patch'),
      lang,
      race,
      topic,
      sentiment: raw.sentiment as number,
      sentiment_label: label,
      title: str('title'),
      body: str('body'),
    };
    patches.add(post.patch);
    posts.push({ ...post, day: post.created_at.slice(0, 10), haystack: `${post.title}\n${post.body}`.normalize('NFC').toLowerCase() });
  });
  return { posts, patches: [...patches].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) };
}

export function loadPosts(path = POSTS_JSONL): PostsTable {
  return parsePostsJsonl(readFileSync(path, 'utf8'));
}
