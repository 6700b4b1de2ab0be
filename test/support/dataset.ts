/**
 * Independent recomputation of the numbers the agents cite, straight from the committed data files, with this
 * file's own parsing (it shares no code with the MCP servers).
 */
import { readFileSync } from 'node:fs';
import { pkgPath } from '../../src/core/paths.js';

const CODE: Record<string, string> = { Terran: 'T', Zerg: 'Z', Protoss: 'P' };

export function winRate(race: string, patch?: string): { wins: number; games: number; rate: number } {
  const lines = readFileSync(pkgPath('mcp-servers', 'data', 'games.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const [iPatch, iR1, iR2, iWin] = [col('patch'), col('race1'), col('race2'), col('winner')];
  const code = CODE[race]!;
  let wins = 0;
  let games = 0;
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (patch && f[iPatch] !== patch) continue;
    const r1 = f[iR1];
    const r2 = f[iR2];
    if (r1 === r2 || (r1 !== code && r2 !== code)) continue; // mirror games say nothing about balance
    games++;
    const winnerRace = f[iWin] === '1' ? r1 : r2;
    if (winnerRace === code) wins++;
  }
  return { wins, games, rate: wins / games };
}

export function negativeBalancePosts(race: string, patch: string): number {
  return readFileSync(pkgPath('mcp-servers', 'data', 'forum-posts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { race: string | null; topic: string; patch: string; sentiment_label: string })
    .filter((p) => p.race === race && p.topic === 'balance' && p.patch === patch && p.sentiment_label === 'negative').length;
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const thousands = (n: number) => n.toLocaleString('en-US');
