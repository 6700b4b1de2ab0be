/**
 * `npm run bench [-- --only codec|binding|router|startup] [--n 5000] [--concurrency 64]`: runs the benchmarks and
 * writes bench/results/<timestamp>.json and BENCHMARKS.md. The binding benchmark needs Kafka and a registry: the local stack is started (or
 * reused) unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL point elsewhere. Numbers are for comparing commits on the same
 * machine, not promises; tests never assert wall-clock bounds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { pkgPath } from '../src/core/paths.js';
import { consoleProgress, stackFromConfig } from '../src/infra/index.js';
import { bindingBenchmark } from './binding.js';
import { codecBenchmarks } from './codec.js';
import { writeBenchmarksMd } from './report.js';
import { routerBenchmark } from './router.js';
import { startupBenchmark } from './startup.js';
import type { BenchResult } from './stats.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    n: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    'server-concurrency': { type: 'string', default: '64' },
    runs: { type: 'string', default: '15' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write('npm run bench -- [--only codec|binding|router|startup] [--n N] [--concurrency C] [--server-concurrency S] [--runs R]\n');
  process.exit(0);
}

const results: BenchResult[] = [];
const ratios: Record<string, number> = {};
const want = (name: string) => !values.only || values.only === name;

if (want('codec')) results.push(...codecBenchmarks(Number(values.n ?? 50_000)));
if (want('binding') || want('router') || want('startup')) {
  const config = loadConfig();
  const stack = stackFromConfig(config, consoleProgress());
  const before = stack ? await stack.status() : [];
  if (stack) await stack.up();
  try {
    if (want('binding')) results.push(await bindingBenchmark(config, Number(values.n ?? 5000), Number(values.concurrency), Number(values['server-concurrency'])));
    if (want('router')) results.push(await routerBenchmark(config, Number(values.n ?? 50_000)));
    if (want('startup')) {
      const startup = await startupBenchmark(config, Number(values.runs));
      results.push(...startup.results);
      Object.assign(ratios, startup.ratios);
    }
  } finally {
    if (stack && before.some((s) => s.state !== 'running')) await stack.down();
  }
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
process.stdout.write(`\n${'benchmark'.padEnd(72)} ${'ops/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
for (const r of results) process.stdout.write(`${r.name.padEnd(72)} ${fmt(r.opsPerSecond, 0).padStart(10)} ${fmt(r.p50Ms).padStart(8)} ${fmt(r.p95Ms).padStart(8)} ${fmt(r.p99Ms).padStart(8)}\n`);
const dir = pkgPath('bench', 'results');
mkdirSync(dir, { recursive: true });
const file = `${dir}/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
const run = { when: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, results, ratios };
writeFileSync(file, JSON.stringify(run, null, 2));
writeBenchmarksMd(pkgPath('BENCHMARKS.md'), run, relative(pkgPath(), file));
process.stdout.write(`\nwritten to ${file} and BENCHMARKS.md\n`);
process.exit(0);
