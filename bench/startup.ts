/**
 * CLI start-up against bare Node, as ratios within one run: `kamf --help` (no command loaded) and `kamf agents`
 * (one command that reads agent.registry), each run as a whole process, interleaved so drift hits every case alike.
 */
import { spawnSync } from 'node:child_process';
import { ensureTopics } from '../src/core/admin.js';
import type { KamfConfig } from '../src/core/config.js';
import { createKafka, resolveEndpoints } from '../src/core/kafka.js';
import { pkgPath } from '../src/core/paths.js';
import { FIXED_TOPICS } from '../src/core/topics.js';
import type { Target } from './a2a/summary.js';
import { summarize, type BenchResult } from './stats.js';

export interface StartupCase {
  name: string;
  args: string[];
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

export async function startupBenchmark(config: KamfConfig, runs: number): Promise<{ results: BenchResult[]; targets: Target[] }> {
  const endpoints = resolveEndpoints(config);
  const kafka = createKafka(config, endpoints);
  await ensureTopics(kafka, FIXED_TOPICS); // `kamf agents` reads agent.registry, which a fresh broker lacks
  const env = { ...process.env, KAFKA_BROKERS: endpoints.brokers.join(','), SCHEMA_REGISTRY_URL: endpoints.registryUrl };
  const kamf = pkgPath('bin', 'kamf.js');
  const cases: StartupCase[] = [
    { name: 'node -e 0 (bare node start)', args: ['-e', '0'] },
    { name: 'kamf --help', args: [kamf, '--help'] },
    { name: 'kamf agents (local broker)', args: [kamf, 'agents'] },
  ];
  const samples = cases.map(() => [] as number[]);
  for (const c of cases) timeOnce(c.args, env); // warm the file cache once
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => samples[k]!.push(timeOnce(c.args, env)));
  const results = cases.map((c, k) => summarize(`startup: ${c.name}`, samples[k]!, samples[k]!.reduce((a, b) => a + b, 0) / 1000, `${runs} runs, interleaved`));
  const base = results[0]!.p50Ms!;
  const help = results[1]!.p50Ms! / base;
  const agents = results[2]!.p50Ms!;
  return {
    results,
    targets: [
      { measure: '`kamf --help` start-up, p50: ÷ `node -e 0`', target: '≤ 4×', measured: `${help.toFixed(2)}×`, met: help <= 4, note: `${runs} runs interleaved; ${results[1]!.p50Ms!.toFixed(0)} vs ${base.toFixed(0)} ms` },
      { measure: '`kamf agents` on a local broker, p50 (absolute)', target: '< 1000 ms', measured: `${agents.toFixed(0)} ms`, met: agents < 1000, note: `${(agents / base).toFixed(1)}× \`node -e 0\`` },
    ],
  };
}
