/**
 * The game-stats and cs-feedback MCP servers as real child processes, driven by the MCP SDK's own Client
 * over BOTH transports: stdio (the client spawns the server) and Streamable HTTP (`--http <port>`).
 * Expected numbers are recomputed here from the data files with this file's own parsing, not the
 * servers' code. No Kafka needed (this lives in the integration project because it spawns processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { packageRoot, pkgPath } from '../../src/core/paths.js';
import { freePort } from '../../src/infra/index.js';

const GAME_STATS = pkgPath('mcp-servers', 'game-stats', 'main.ts');
const CS_FEEDBACK = pkgPath('mcp-servers', 'cs-feedback', 'main.ts');

// ---- independent expectations from the raw files ----
function terranNonMirror(patch: string): { games: number; wins: number } {
  const [header, ...rows] = readFileSync(pkgPath('mcp-servers', 'data', 'games.csv'), 'utf8')
    .trim()
    .split('\n');
  const col = Object.fromEntries(header!.split(',').map((name, i) => [name, i]));
  let games = 0;
  let wins = 0;
  for (const row of rows) {
    const f = row.split(',');
    if (f[col.patch!] !== patch) continue;
    const races = [f[col.race1!], f[col.race2!]];
    if (races[0] === races[1] || !races.includes('T')) continue;
    games++;
    if (races[Number(f[col.winner!]) - 1] === 'T') wins++;
  }
  return { games, wins };
}

interface RawPost {
  race: string | null;
  topic: string;
  patch: string;
  lang: string;
  sentiment_label: string;
}
const posts: RawPost[] = readFileSync(pkgPath('mcp-servers', 'data', 'forum-posts.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as RawPost);

// ---- starting servers ----
interface Connected {
  client: Client;
  stop: () => Promise<void>;
}

async function connectStdio(script: string): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', script],
    cwd: packageRoot,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'kamf-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, stop: () => client.close() };
}

async function connectHttp(script: string): Promise<Connected & { child: ChildProcess; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--http', String(port)], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (child.exitCode !== null) throw new Error(`${script} exited during start:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(url).toBe(`http://127.0.0.1:${port}/mcp`);
  const client = new Client({ name: 'kamf-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    child,
    exited,
    stop: async () => {
      await client.close();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (c: Client, name: string, args: Record<string, unknown>) =>
  (await c.callTool({ name, arguments: args })) as CallToolResult;

describe.each(['stdio', 'http'] as const)('MCP servers over %s', (kind) => {
  let games: Connected;
  let feedback: Connected;

  beforeAll(async () => {
    const connect = kind === 'stdio' ? connectStdio : connectHttp;
    [games, feedback] = await Promise.all([connect(GAME_STATS), connect(CS_FEEDBACK)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([games?.stop(), feedback?.stop()]);
  });

  it('game-stats lists its tools with input schemas, output schemas and example questions', async () => {
    const { tools } = await games.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['avg_game_time', 'list_filters', 'matchup_matrix', 'win_rate']);
    const winRate = tools.find((t) => t.name === 'win_rate')!;
    expect(winRate.inputSchema.type).toBe('object');
    expect(Object.keys(winRate.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['race', 'vs_race', 'map', 'patch', 'from', 'to']),
    );
    expect(winRate.inputSchema.required).toEqual(['race']);
    expect(winRate.outputSchema?.properties).toHaveProperty('win_rate');
    expect(winRate.annotations?.readOnlyHint).toBe(true);
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(40);
      expect((t._meta?.examples as string[]).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('win_rate for Terran in 5.0.12 equals an independent count over games.csv', async () => {
    const expected = terranNonMirror('5.0.12');
    const r = await call(games.client, 'win_rate', { race: 'Terran', patch: '5.0.12' });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { games: number; wins: number; win_rate: number; filters: { patch: string } };
    expect(s.games).toBe(expected.games);
    expect(s.wins).toBe(expected.wins);
    expect(s.win_rate).toBeCloseTo(expected.wins / expected.games, 4);
    expect(s.win_rate).toBeGreaterThan(0.55); // the planted imbalance
    expect(s.filters.patch).toBe('5.0.12');
    expect(text(r)).toContain(`${((expected.wins / expected.games) * 100).toFixed(1)}%`);

    const earlier = terranNonMirror('5.0.10');
    const r10 = (await call(games.client, 'win_rate', { race: 'terran', patch: '5.0.10' })).structuredContent as {
      wins: number;
      games: number;
    };
    expect(r10).toMatchObject(earlier);
  });

  it('accepts the Korean race name', async () => {
    const ko = await call(games.client, 'win_rate', { race: '테란', vs_race: '저그', patch: '5.0.12' });
    const en = await call(games.client, 'win_rate', { race: 'Terran', vs_race: 'Zerg', patch: '5.0.12' });
    expect(ko.isError).toBeFalsy();
    expect(ko.structuredContent).toEqual(en.structuredContent);
    expect((ko.structuredContent as { filters: { race: string; vs_race: string } }).filters).toMatchObject({
      race: 'Terran',
      vs_race: 'Zerg',
    });
  });

  it('answers bad input with isError and a clear message, and keeps serving', async () => {
    const unknown = await call(games.client, 'win_rate', { race: 'Orc' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/Unknown race "Orc"/);
    const reversed = await call(games.client, 'avg_game_time', { from: '2025-06-01', to: '2025-05-01' });
    expect(reversed.isError).toBe(true);
    expect(text(reversed)).toMatch(/"from" \(2025-06-01\) is after "to"/);
    const badDate = await call(feedback.client, 'sentiment_summary', { from: 'last tuesday' });
    expect(badDate.isError).toBe(true);
    expect(text(badDate)).toMatch(/Invalid from date/);
    const missing = await call(games.client, 'win_rate', {});
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/race/);
    expect((await call(games.client, 'list_filters', {})).isError).toBeFalsy();
  });

  it('cs-feedback counts agree with an independent count over forum-posts.jsonl', async () => {
    const { tools } = await feedback.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['search_complaints', 'sentiment_summary', 'top_issues']);

    const expectedComplaints = posts.filter(
      (p) => p.race === 'Terran' && p.topic === 'balance' && p.patch === '5.0.12' && p.sentiment_label === 'negative',
    ).length;
    const search = await call(feedback.client, 'search_complaints', { race: '테란', topic: 'balance', patch: '5.0.12', limit: 5 });
    expect(search.isError).toBeFalsy();
    const s = search.structuredContent as { total: number; returned: number; posts: RawPost[] };
    expect(s.total).toBe(expectedComplaints);
    expect(s.returned).toBe(5);
    expect(s.posts.every((p) => p.race === 'Terran' && p.sentiment_label === 'negative')).toBe(true);

    const zerg = posts.filter((p) => p.race === 'Zerg');
    const summary = (await call(feedback.client, 'sentiment_summary', { race: '저그' })).structuredContent as Record<string, number>;
    expect(summary).toMatchObject({
      total: zerg.length,
      negative: zerg.filter((p) => p.sentiment_label === 'negative').length,
      neutral: zerg.filter((p) => p.sentiment_label === 'neutral').length,
      positive: zerg.filter((p) => p.sentiment_label === 'positive').length,
    });

    const top = (await call(feedback.client, 'top_issues', { patch: '5.0.12' })).structuredContent as {
      issues: { topic: string; negative: number }[];
    };
    const negBalance = posts.filter((p) => p.patch === '5.0.12' && p.topic === 'balance' && p.sentiment_label === 'negative').length;
    expect(top.issues[0]).toMatchObject({ topic: 'balance', negative: negBalance });
  });

  if (kind === 'http') {
    it('exits cleanly on SIGTERM', async () => {
      const h = games as Awaited<ReturnType<typeof connectHttp>>;
      await h.client.close();
      h.child.kill('SIGTERM');
      expect(await h.exited).toBe(0);
    });
  }
});
