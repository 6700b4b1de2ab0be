/**
 * `npm run bench [-- --quick] [--only codec|binding|router|startup|a2a|reference|tracing] ...`: runs the benchmarks, starting the local
 * stack unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL point elsewhere, and writes bench/results/<timestamp>.json, a
 * latency chart beside it, and BENCHMARKS.md. Ratios compare cases within one run; tests never assert timings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { pkgPath } from '../src/core/paths.js';
import { consoleProgress, stackFromConfig } from '../src/infra/index.js';
import { latencyChartHtml } from './a2a/chart.js';
import { CASES, compareA2A } from './a2a/compare.js';
import type { CaseName } from './a2a/protocol.js';
import { a2aTargets, summarizeLevels, type LevelSummary, type Target } from './a2a/summary.js';
import { bindingBenchmark } from './binding.js';
import { codecBenchmarks } from './codec.js';
import { ensureNativeClient, type NativeClientState } from './native-client.js';
import { writeBenchmarksMd } from './report.js';
import { routerBenchmark } from './router.js';
import { referenceBenchmark } from './reference.js';
import { startupBenchmark } from './startup.js';
import { tracingBenchmark, type TracingSummary } from './tracing.js';
import type { BenchResult } from './stats.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean' },
    repeats: { type: 'string' },
    n: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    'server-concurrency': { type: 'string', default: '64' },
    runs: { type: 'string' },
    cases: { type: 'string' },
    levels: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(
    [
      'npm run bench -- [--quick] [--only codec|binding|router|startup|a2a|reference|tracing] [--repeats R] [--n N] [--concurrency C] [--runs R]',
      '  --quick     fewer requests and one repeat (a smoke run; the figures are rough)',
      '  --repeats   repeats of the A2A comparison, cases interleaved (default 3, quick 1)',
      '  --runs      whole-process runs per start-up case (default 15, quick 5)',
      '  --cases     A2A comparison cases, comma-separated: raw,raw-platformatic,raw-native,kafka,http,router,kafka-stream,http-stream (default all)',
      '              raw-native installs @confluentinc/kafka-javascript into bench/native-client once (BENCH_NATIVE_CLIENT=0: skip)',
      '  --levels    numbers in flight, comma-separated (default 1,16,64,256)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const quick = !!values.quick;
const results: BenchResult[] = [];
const targets: Target[] = [];
let a2a: LevelSummary[] | undefined;
let chart: string | undefined;
let tracing: TracingSummary | undefined;
let nativeClient: NativeClientState | undefined;
const want = (name: string) => !values.only || values.only.split(',').includes(name);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dir = pkgPath('bench', 'results');
mkdirSync(dir, { recursive: true });

if (want('codec')) results.push(...codecBenchmarks(Number(values.n ?? (quick ? 10_000 : 50_000))));
if (['binding', 'router', 'startup', 'a2a', 'reference', 'tracing'].some(want)) {
  const config = loadConfig();
  const stack = stackFromConfig(config, consoleProgress());
  const before = stack ? await stack.status() : [];
  if (stack) await stack.up();
  const brokerPid = stack ? (await stack.status()).find((s) => s.name === 'kafka')?.pid : undefined;
  try {
    if (want('a2a')) {
      let cases = values.cases ? (values.cases.split(',') as CaseName[]) : CASES;
      if (cases.includes('raw-native')) {
        nativeClient = ensureNativeClient(log);
        if ('skipped' in nativeClient) cases = cases.filter((c) => c !== 'raw-native');
      }
      const levels = await compareA2A({
        repeats: Number(values.repeats ?? (quick ? 1 : 3)),
        levels: (values.levels ?? '1,16,64,256').split(',').map(Number),
        cases,
        warmupMs: quick ? 1000 : 5000,
        requests: (inFlight) => (quick ? { 1: 200, 16: 1000, 64: 2000, 256: 3000 } : { 1: 500, 16: 3000, 64: 6000, 256: 10_000 })[inFlight] ?? 1000,
        ...(brokerPid !== undefined ? { brokerPid } : {}),
        log,
      });
      a2a = summarizeLevels(levels);
      targets.push(...a2aTargets(levels, a2a));
      chart = `bench/results/${stamp}-latency.html`;
      writeFileSync(pkgPath(chart), latencyChartHtml(levels, `A2A over Kafka and its yardsticks, ${new Date().toISOString()}`));
    }
    if (want('binding')) results.push(await bindingBenchmark(config, Number(values.n ?? (quick ? 1000 : 5000)), Number(values.concurrency), Number(values['server-concurrency'])));
    if (want('router')) results.push(await routerBenchmark(config, Number(values.n ?? (quick ? 100_000 : 1_000_000)), log));
    if (want('reference')) {
      const reference = await referenceBenchmark(config, quick ? 3 : 8);
      results.push(...reference.results);
      targets.push(...reference.targets);
    }
    if (want('tracing')) {
      // tracing off (no SDK) and on (every span sampled), interleaved rounds of the binding round trip
      const t = await tracingBenchmark(config, { rounds: quick ? 1 : 5, n: quick ? 500 : 3000, log });
      results.push(...t.results);
      targets.push(...t.targets);
      tracing = t.tracing;
    }
    if (want('startup')) {
      const startup = await startupBenchmark(config, Number(values.runs ?? (quick ? 5 : 15)));
      results.push(...startup.results);
      targets.push(...startup.targets);
    }
  } finally {
    if (stack && before.some((s) => s.state !== 'running')) await stack.down();
  }
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
process.stdout.write(`\n${'benchmark'.padEnd(72)} ${'ops/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}\n`);
for (const r of results) process.stdout.write(`${r.name.padEnd(72)} ${fmt(r.opsPerSecond, 0).padStart(10)} ${fmt(r.p50Ms).padStart(8)} ${fmt(r.p95Ms).padStart(8)} ${fmt(r.p99Ms).padStart(8)}\n`);
for (const t of targets) process.stdout.write(`target: ${t.measure}: ${t.measured ?? 'not measured'} (${t.target}) ${t.met === undefined ? '' : t.met ? 'met' : 'NOT met'}\n`);
const file = `${dir}/${stamp}.json`;
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const run = { when: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, command, results, targets, ...(a2a ? { a2a } : {}), ...(tracing ? { tracing } : {}), ...(chart ? { chart } : {}), ...(nativeClient ? { nativeClient } : {}) };
writeFileSync(file, JSON.stringify(run, null, 2));
writeBenchmarksMd(pkgPath('BENCHMARKS.md'), run, relative(pkgPath(), file), quick ? ['A quick run (`--quick`): one repeat and few requests; use the full run for figures to quote.'] : []);
process.stdout.write(`\nwritten to ${file} and BENCHMARKS.md\n`);
process.exit(0);
