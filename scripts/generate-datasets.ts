/**
 * Writes the SYNTHETIC datasets used by the game-stats and cs-feedback MCP servers:
 *   mcp-servers/data/games.csv          ~100,000 games
 *   mcp-servers/data/forum-posts.jsonl  ~4,000 forum posts (Korean and English)
 *
 *   node --import tsx scripts/generate-datasets.ts [--seed 42] [--games 100000] [--posts 4000] [--out dir]
 *
 * Deterministic: the same arguments give byte-identical files (a unit test checks the committed files
 * against a fresh run with the default seed). Prints the planted imbalance as numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pkgPath } from '../src/core/paths.js';
import {
  DEFAULT_GAMES,
  DEFAULT_POSTS,
  DEFAULT_SEED,
  gamesToCsv,
  generateGames,
  generatePosts,
  postsToJsonl,
  summarize,
} from '../mcp-servers/data/generate.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    games: { type: 'string', default: String(DEFAULT_GAMES) },
    posts: { type: 'string', default: String(DEFAULT_POSTS) },
    out: { type: 'string', default: pkgPath('mcp-servers', 'data') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node --import tsx scripts/generate-datasets.ts [--seed 42] [--games 100000] [--posts 4000] [--out dir]');
  process.exit(0);
}
const int = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got "${v}"`);
    process.exit(2);
  }
  return n;
};
const options = { seed: int('seed', values.seed), games: int('games', values.games), posts: int('posts', values.posts) };
const out = resolve(values.out);
mkdirSync(out, { recursive: true });

const games = generateGames(options);
const posts = generatePosts(options);
writeFileSync(join(out, 'games.csv'), gamesToCsv(games));
writeFileSync(join(out, 'forum-posts.jsonl'), postsToJsonl(posts));
console.log(`wrote ${games.length} games and ${posts.length} posts to ${out} (seed ${options.seed})`);
console.log(JSON.stringify(summarize(games, posts), null, 2));
