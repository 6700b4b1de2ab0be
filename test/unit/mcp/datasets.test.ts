import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pkgPath } from '../../../src/core/paths.js';
import { gamesToCsv, generateGames, generatePosts, postsToJsonl, summarize } from '../../../mcp-servers/data/generate.js';
import { mulberry32 } from '../../../mcp-servers/data/prng.js';
import { render, withJosa } from '../../../mcp-servers/data/post-templates.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('dataset generator', () => {
  it('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives identical output for the same seed and different output for another', () => {
    const small = { games: 2_000, posts: 300 };
    const one = gamesToCsv(generateGames({ seed: 7, ...small })) + postsToJsonl(generatePosts({ seed: 7, ...small }));
    const two = gamesToCsv(generateGames({ seed: 7, ...small })) + postsToJsonl(generatePosts({ seed: 7, ...small }));
    const other = gamesToCsv(generateGames({ seed: 8, ...small })) + postsToJsonl(generatePosts({ seed: 8, ...small }));
    expect(sha(one)).toBe(sha(two));
    expect(sha(other)).not.toBe(sha(one));
  });

  it('the committed files are exactly what seed 42 generates', () => {
    const games = generateGames({ seed: 42 });
    const posts = generatePosts({ seed: 42 });
    expect(sha(gamesToCsv(games))).toBe(sha(readFileSync(pkgPath('mcp-servers', 'data', 'games.csv'))));
    expect(sha(postsToJsonl(posts))).toBe(sha(readFileSync(pkgPath('mcp-servers', 'data', 'forum-posts.jsonl'))));
    const s = summarize(games, posts);
    expect(s.terranByPatch['5.0.12']!.rate).toBeGreaterThan(0.55);
    expect(s.terranByMapLatest['Ember Basin']!.rate).toBeGreaterThan(0.6);
  });

  it('fits Korean particles to the last syllable', () => {
    expect(withJosa('테란', '으로')).toBe('테란으로');
    expect(withJosa('저그', '으로')).toBe('저그로');
    expect(withJosa('해병', '이')).toBe('해병이');
    expect(withJosa('프로토스', '이')).toBe('프로토스가');
    expect(withJosa('테란', '이에요')).toBe('테란이에요');
    expect(withJosa('저그', '이에요')).toBe('저그예요');
    expect(withJosa('전투순양함', '은')).toBe('전투순양함은');
    expect(render('{enemy:으로} {race} 잡는 법', { enemy: '저그', race: '테란' })).toBe('저그로 테란 잡는 법');
    expect(() => render('{nope}', {})).toThrow(/no value/);
  });
});
