/**
 * The main job as a user runs it: `kamf start` on a fresh stack (its own Kafka + registry on free ports, started
 * by the command itself), the sample question answered with numbers this test recomputes from the data files,
 * the same in Korean, `kamf chat` driven like a person, `kamf agents`, the MCP gateway with the MCP SDK's own
 * client, hot-adding an MCP server to a running agent, the LLM planner against a local chat-completions server,
 * and a parallel plan whose calls really overlap. Then Ctrl-C, and nothing is left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type KamfConfig } from '../../src/core/config.js';
import { pkgPath } from '../../src/core/paths.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { AgentDirectory } from '../../src/binding/registry/index.js';
import { findStackProcesses } from '../../src/infra/stack.js';
import { freePort } from '../../src/infra/ports.js';
import { MeshCaller } from '../../src/agent-kit/mesh-skills.js';
import { runToolAgent } from '../../src/agent-kit/run-tool-agent.js';
import { LlmPlanner } from '../../src/agent-kit/planner/llm.js';
import { negativeBalancePosts, pct, thousands, winRate } from '../support/dataset.js';

const bin = pkgPath('bin', 'kamf.js');
const runDir = mkdtempSync(join(tmpdir(), 'kamf-mesh-'));
let env: NodeJS.ProcessEnv;
let start: ChildProcess;
let startOut = '';
let config: KamfConfig;
let mesh: MeshConnection;

function kamf(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    if (input !== undefined) child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function waitFor(read: () => string, re: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const kafkaPort = await freePort();
  const registryPort = await freePort();
  env = {
    ...process.env,
    KAFKA_BROKERS: '',
    SCHEMA_REGISTRY_URL: '',
    KAMF_RUN_DIR: runDir,
    KAMF_KAFKA_PORT: String(kafkaPort),
    KAMF_CONTROLLER_PORT: String(await freePort()),
    KAMF_REGISTRY_PORT: String(registryPort),
    KAMF_LLM_URL: '',
  };
  start = spawn(process.execPath, [bin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  start.stdout!.on('data', (d: Buffer) => (startOut += d.toString()));
  start.stderr!.on('data', (d: Buffer) => (startOut += d.toString()));
  await waitFor(() => startOut, /The mesh keeps running/, 300_000, 'kamf start to answer and settle');
  config = parseConfig({ kafka: { brokers: [`127.0.0.1:${kafkaPort}`] }, registry: { url: `http://127.0.0.1:${registryPort}/apis/ccompat/v7` } });
  mesh = connectMesh(config);
}, 330_000);

afterAll(async () => {
  if (start && start.exitCode === null) start.kill('SIGKILL');
  rmSync(runDir, { recursive: true, force: true });
});

describe('the main job', () => {
  it('npm start answers "Is Terran too strong?" with the real Terran win rate and complaint counts', () => {
    const latest = winRate('Terran', '5.0.12');
    const overall = winRate('Terran');
    // through the front door: a2a.ingress, the router stage (flink-sql/routing.sql), then the coordinator
    expect(startOut).toContain('> Is Terran too strong?   (via a2a.ingress and the router)');
    expect(startOut).toContain('Yes: Terran looks too strong.');
    expect(startOut).toContain(`Terran won ${pct(latest.rate)} of ${thousands(latest.games)} non-mirror games (${thousands(latest.wins)} wins`);
    expect(startOut).toContain(`Over all patches: ${pct(overall.rate)} of ${thousands(overall.games)} games`);
    expect(startOut).toContain(`${thousands(negativeBalancePosts('Terran', '5.0.12'))} negative balance posts about Terran in patch 5.0.12`);
    // progress streamed while the coordinator worked
    expect(startOut).toMatch(/… asking data \(win_rate\)/);
    expect(startOut).toMatch(/… asking data and cs with one fanned-out request/);
  });

  it('the same question in Korean is answered in Korean with the same numbers', async () => {
    const r = await kamf(['ask', '테란 너무 사기 아니에요?']);
    expect(r.code, r.err).toBe(0);
    const latest = winRate('Terran', '5.0.12');
    expect(r.out).toContain('네, 테란이 너무 강합니다.');
    expect(r.out).toContain(`5.0.12 패치에서 테란 승률은 ${pct(latest.rate)}입니다`);
    expect(r.out).toContain(`밸런스 불만 글이 ${thousands(negativeBalancePosts('Terran', '5.0.12'))}건`);
  });

  it('kamf chat: "승률?" asks which race, "저그" gives the Zerg win rate', async () => {
    const child = spawn(process.execPath, [bin, 'chat'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out, /you> /, 60_000, 'the chat prompt');
    child.stdin.write('승률?\n');
    await waitFor(() => out, /balance> 어느 종족인가요\? \(테란, 저그, 프로토스\)/, 60_000, 'the question back');
    child.stdin.write('저그\n');
    const zerg = winRate('Zerg');
    await waitFor(() => out, new RegExp(`balance> 저그 승률은 ${pct(zerg.rate).replace('.', '\\.')}입니다`), 60_000, 'the Zerg win rate');
    expect(out).toContain(`${thousands(zerg.games)}경기 중 ${thousands(zerg.wins)}승`);
    child.stdin.end('/quit\n');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });

  it('a high-priority question through the router reaches the agent on its high lane', async () => {
    const r = await kamf(['ask', '--via-router', '--priority', 'high', '--agent', 'data', 'Zerg win rate in patch 5.0.11']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(pct(winRate('Zerg', '5.0.11').rate));
    const admin = mesh.kafka.admin();
    await admin.connect();
    const high = await admin.fetchTopicOffsets('agent.data.requests.high');
    await admin.disconnect();
    expect(high.reduce((n, p) => n + Number(p.high), 0)).toBe(1);
  });

  it('kamf agents lists the mesh from agent.registry', async () => {
    const r = await kamf(['agents', '--json']);
    expect(r.code, r.err).toBe(0);
    const agents = JSON.parse(r.out) as Array<{ agent: string; skills: string[] }>;
    const byName = Object.fromEntries(agents.map((a) => [a.agent, a.skills]));
    expect(byName.data).toEqual(['win_rate', 'avg_game_time', 'matchup_matrix', 'list_filters']);
    expect(byName.cs).toEqual(['search_complaints', 'sentiment_summary', 'top_issues']);
    expect(byName.balance).toContain('balance_verdict');
  });

  it('a parallel plan really runs in parallel: the coordinator trace shows overlapping calls', async () => {
    const r = await kamf(['ask', '--json', 'Is Zerg too weak?']);
    expect(r.code, r.err).toBe(0);
    const task = JSON.parse(r.out) as {
      artifacts: Array<{ parts: Array<{ content?: { $case: string; value: { kind?: string; calls?: Array<{ agent: string; skill: string; startedAt: number; endedAt: number; state: number; via?: string }> } } }> }>;
    };
    const trace = task.artifacts.flatMap((a) => a.parts).find((p) => p.content?.$case === 'data' && p.content.value.kind === 'kamf.trace')!.content!.value.calls!;
    const round1 = trace.filter((c) => ['win_rate', 'search_complaints', 'sentiment_summary'].includes(c.skill));
    expect(round1).toHaveLength(4);
    // all four were in flight at once: the last to start began before the first to finish ended
    expect(Math.max(...round1.map((c) => c.startedAt))).toBeLessThan(Math.min(...round1.map((c) => c.endedAt)));
    // two of them were ONE request that the router fanned out to two agents; the coordinator gathered both answers
    const evidence = task.artifacts
      .flatMap((a) => a.parts)
      .flatMap((p) => (p.content?.$case === 'data' && p.content.value.kind === 'kamf.evidence' ? [p.content.value as unknown as { agent: string; results: Array<{ tool: string }> }] : []));
    // each agent answered the fanned-out request with its own tool, not with the other agent's task
    expect(evidence.filter((e) => e.agent === 'cs').flatMap((e) => e.results.map((r) => r.tool))).toContain('search_complaints');
    expect(evidence.filter((e) => e.agent === 'data').flatMap((e) => e.results.map((r) => r.tool))).not.toContain('search_complaints');
    const fanned = trace.filter((c) => c.via === 'router fan-out');
    expect(fanned.map((c) => [c.agent, c.skill, c.state])).toEqual([
      ['data', 'win_rate', 3],
      ['cs', 'search_complaints', 3],
    ]);
  });
});

describe('extending the mesh', () => {
  const suffix = randomUUID().slice(0, 6);

  it('an MCP server added to a running agent config shows up as a skill in the registry and is callable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kamf-agentcfg-'));
    const file = join(dir, 'config.json');
    const base = JSON.parse(readFileSync(pkgPath('agents', 'data', 'config.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ name: `extra-${suffix}`, description: 'grows', mcpServers: base.mcpServers }));
    const agent = await runToolAgent({ config, mesh, agent: file });
    const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec } });
    await directory.start();
    const runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
    try {
      expect((await directory.waitFor(`extra-${suffix}`)).card.skills.map((s) => s.id)).not.toContain('top_issues');
      const cs = JSON.parse(readFileSync(pkgPath('agents', 'cs', 'config.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
      writeFileSync(file, JSON.stringify({ name: `extra-${suffix}`, description: 'grows', mcpServers: { ...base.mcpServers, ...cs.mcpServers } }));
      const deadline = Date.now() + 30_000;
      while (!directory.get(`extra-${suffix}`)?.card.skills.some((s) => s.id === 'top_issues')) {
        if (Date.now() > deadline) throw new Error('new skill never appeared in the registry');
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await new MeshCaller(runtime, directory).call(`extra-${suffix}/top_issues`, { race: 'Terran', patch: '5.0.12', limit: 1 });
      expect(r.state).toBe(3);
      expect((r.results[0]?.result as { issues: Array<{ topic: string; negative: number }> }).issues[0]).toMatchObject({ topic: 'balance', negative: negativeBalancePosts('Terran', '5.0.12') });
    } finally {
      await runtime.close();
      await directory.stop();
      await agent.stop(2000);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the MCP gateway exposes the agents’ skills as tools, returns answers, and follows agents joining', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', pkgPath('mcp-servers', 'a2a-mesh', 'main.ts')],
      env: { ...(env as Record<string, string>), KAFKA_BROKERS: config.kafka.brokers.join(','), SCHEMA_REGISTRY_URL: config.registry.url! },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test-host', version: '1.0.0' });
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changes++;
    });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['data__win_rate', 'cs__search_complaints', 'balance__balance_verdict']));
      const winTool = (await client.listTools()).tools.find((t) => t.name === 'data__win_rate')!;
      expect(winTool.inputSchema.required).toEqual(['race']);

      const r = (await client.callTool({ name: 'data__win_rate', arguments: { race: 'Protoss', patch: '5.0.11' } })) as { isError?: boolean; content: Array<{ text: string }> };
      expect(r.isError).toBeFalsy();
      const p = winRate('Protoss', '5.0.11');
      expect(r.content[0]!.text).toContain(pct(p.rate));
      const q = (await client.callTool({ name: 'balance__balance_verdict', arguments: { question: 'Is Terran too strong?' } })) as { content: Array<{ text: string }> };
      expect(q.content[0]!.text).toContain(`Terran won ${pct(winRate('Terran', '5.0.12').rate)}`);

      // a new agent joins: the host is told, and its skills appear
      const dir = mkdtempSync(join(tmpdir(), 'kamf-agentcfg-'));
      const file = join(dir, 'config.json');
      writeFileSync(file, readFileSync(pkgPath('agents', 'cs', 'config.json'), 'utf8').replace('"name": "cs"', `"name": "late-${suffix}"`));
      const late = await runToolAgent({ config, mesh, agent: file });
      try {
        const deadline = Date.now() + 30_000;
        while (!(await client.listTools()).tools.some((t) => t.name === `late-${suffix}__top_issues`)) {
          if (Date.now() > deadline) throw new Error('joined agent never showed up as tools');
          await new Promise((res) => setTimeout(res, 200));
        }
        expect(changes).toBeGreaterThan(0);
      } finally {
        await late.stop(2000);
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await client.close();
    }
  });

  it('the LLM planner completes a tool-call round trip against a local chat-completions server', async () => {
    const requests: Array<{ messages: Array<{ role: string; content: string | null }>; tools: Array<{ function: { name: string } }> }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const r = JSON.parse(body) as (typeof requests)[number];
        requests.push(r);
        const toolMsg = r.messages.find((m) => m.role === 'tool');
        const message = toolMsg
          ? { role: 'assistant', content: `Protoss wins ${pct((JSON.parse(toolMsg.content!) as { win_rate: number }).win_rate)} in 5.0.10.` }
          : { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'win_rate', arguments: JSON.stringify({ race: 'Protoss', patch: '5.0.10' }) } }] };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices: [{ index: 0, message, finish_reason: toolMsg ? 'stop' : 'tool_calls' }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const agent = await runToolAgent({
      config,
      mesh,
      agent: { ...JSON.parse(readFileSync(pkgPath('agents', 'data', 'config.json'), 'utf8')), name: `llm-${suffix}`, planner: 'llm' },
      planner: new LlmPlanner({ url: `http://127.0.0.1:${port}/v1`, model: 'test-model' }),
    });
    const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec } });
    await directory.start();
    const runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
    try {
      await directory.waitFor(`llm-${suffix}`);
      const r = await new MeshCaller(runtime, directory).call(`llm-${suffix}/win_rate`, {}, { text: 'How is Protoss doing in the first patch?', plain: true });
      expect(r.state).toBe(3);
      expect(requests).toHaveLength(2);
      expect(requests[0]!.tools.map((t) => t.function.name)).toContain('win_rate');
      expect(r.text).toBe(`Protoss wins ${pct(winRate('Protoss', '5.0.10').rate)} in 5.0.10.`);
    } finally {
      await runtime.close();
      await directory.stop();
      await agent.stop(2000);
      server.close();
    }
  });
});

describe('shutdown', () => {
  it('Ctrl-C stops the agents and the stack it started, leaving no process behind', async () => {
    start.kill('SIGINT');
    const code = await new Promise((r) => start.once('exit', r));
    expect(code).toBe(0);
    expect(findStackProcesses(runDir)).toEqual([]);
  });
});
