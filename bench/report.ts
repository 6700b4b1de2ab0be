/** BENCHMARKS.md from one run: each target beside its measured figure (met or not, honestly), then every figure. */
import { DEFAULT_ROUTER_HEAP_MB } from '../src/cli/heap-cap.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OTHER_CLIENTS, clientsSideBySide, type LevelSummary, type Target } from './a2a/summary.js';
import type { NativeClientState } from './native-client.js';
import type { RouterDrainResult } from './router.js';
import type { BenchResult } from './stats.js';
import type { TracingRun, TracingSummary } from './tracing.js';

export interface BenchRun {
  when: string;
  node: string;
  cpus: number;
  cpu: string | undefined;
  command: string;
  results: BenchResult[];
  targets: Target[];
  a2a?: LevelSummary[];
  tracing?: TracingSummary;
  chart?: string;
  /** The librdkafka-based client of the raw floor beside kafkajs: its version, or why it was left out. */
  nativeClient?: NativeClientState;
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** Issue 12's router targets, from the router drain's result: records/s, and RSS growth (stated for 1,000,000 records). */
function routerTargets(results: BenchResult[]): Target[] {
  return results.flatMap((r) => {
    const d = (r as Partial<RouterDrainResult>).drain;
    if (!d) return [];
    const full = d.records >= 1_000_000;
    const how = `${d.records.toLocaleString('en-US')} records through routing.sql, one router process; ${fmt(d.cpuUsPerRecord)} µs CPU per record (docs/routing.md: where it goes)`;
    return [
      { measure: 'router: records/s draining a backlog (embedded engine)', target: '≥ 50,000', measured: fmt(r.opsPerSecond, 0), met: r.opsPerSecond >= 50_000, note: how },
      {
        measure: 'router: RSS growth draining 1,000,000 records',
        target: '≤ 150 MB',
        measured: `+${fmt(d.rssGrowthMb, 0)} MB`,
        ...(full ? { met: d.rssGrowthMb <= 150 } : {}),
        note: full ? `peak of the router process over its own idle baseline, started with ${d.nodeArgs?.length ? d.nodeArgs.join(' ') : 'no heap cap'} (\`kamf route\` caps it at ${DEFAULT_ROUTER_HEAP_MB} MB; docs/routing.md: where it comes from)` : `a quick run of ${d.records.toLocaleString('en-US')} records: the target is stated for 1,000,000`,
      },
    ];
  });
}

export function writeBenchmarksMd(file: string, run: BenchRun, resultsFile: string, notes: string[] = []): void {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`${run.command}\` on ${run.when} (Node ${run.node}, ${run.cpus} × ${run.cpu ?? 'unknown CPU'}); raw figures in`,
    `\`${resultsFile}\`${run.chart ? `, latency distributions in \`${run.chart}\`` : ''}. Ratios compare cases within this one run;`,
    'absolute figures compare commits on the same machine only.',
    '',
    '## Targets',
    '',
    '| measure | target | measured | met | how |',
    '|---|---|---|---|---|',
    ...[...run.targets, ...routerTargets(run.results)].map((t) => `| ${t.measure} | ${t.target} | ${t.measured ?? 'not measured'} | ${t.met === undefined ? '-' : t.met ? 'yes' : '**no**'} | ${t.note ?? ''} |`),
  ];
  if (run.a2a?.length) {
    lines.push(
      '',
      '## A2A over Kafka and its yardsticks',
      '',
      'Median over repeats (p50 and tasks/s spread in brackets). CPU per task in ms by process: client / server (agent or HTTP server) / broker.',
      'Each level is timed after untimed calls at its own number in flight, for at least 5 s and 2,000 calls (1 s with `--quick`, still 2,000 calls), so every case is measured once the JIT has optimized its code for that level; CPU is read around the timed calls only. An untimed round of every case at 64 in flight goes before the repeats, so the first repeat does not meet a colder broker than the others.',
      '',
      '| case | in flight | p50 ms | p90 ms | p99 ms | max ms | tasks/s | CPU/task ms c / s / b | peak RSS MB c / s |',
      '|---|---|---|---|---|---|---|---|---|',
      ...run.a2a.map(
        (s) =>
          `| ${s.name} | ${s.inFlight} | ${fmt(s.p50, 2)} [${fmt(s.p50Range[0], 2)}–${fmt(s.p50Range[1], 2)}] | ${fmt(s.p90, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.max, 1)} | ${fmt(s.tasksPerSecond, 0)} [${fmt(s.tpsRange[0], 0)}–${fmt(s.tpsRange[1], 0)}] | ${fmt(s.cpuPerTask.client, 2)} / ${fmt(s.cpuPerTask.server, 2)} / ${fmt(s.cpuPerTask.broker, 2)} | ${fmt(s.maxRssMb.client, 0)} / ${fmt(s.maxRssMb.server, 0)} |`,
      ),
    );
    const native = run.nativeClient;
    const names = { ...OTHER_CLIENTS, ...(native && 'version' in native ? { 'raw-native': `@confluentinc/kafka-javascript ${native.version}` } : {}) };
    for (const line of clientsSideBySide(run.a2a, names)) lines.push('', line);
    if (native && 'skipped' in native) lines.push('', `The raw floor on @confluentinc/kafka-javascript (librdkafka) was left out of this run: ${native.skipped}.`);
  }
  if (run.tracing) lines.push('', ...tracingTable(run.tracing));
  if (run.results.length) {
    lines.push('', '## Other figures', '', '| benchmark | ops/s | p50 ms | p95 ms | p99 ms | notes |', '|---|---|---|---|---|---|');
    for (const r of run.results) lines.push(`| ${r.name} | ${fmt(r.opsPerSecond, 0)} | ${fmt(r.p50Ms)} | ${fmt(r.p95Ms)} | ${fmt(r.p99Ms)} | ${r.notes ?? ''} |`);
  }
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  // what each optimisation bought is history, kept by hand beside the harness and carried into every report
  const changes = join(dirname(file), 'bench', 'changes.md');
  if (existsSync(changes)) lines.push('', readFileSync(changes, 'utf8').trim());
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Tracing off (no SDK) beside tracing on (every span sampled), and what the off path's guard checks cost. */
function tracingTable(t: TracingSummary): string[] {
  const runs = (mode: TracingRun['mode']) => t.runs.filter((r) => r.mode === mode);
  const cell = (rs: TracingRun[], f: (r: TracingRun) => number, d: number, mid: number) => {
    const xs = rs.map(f);
    return `${fmt(mid, d)} [${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}]`;
  };
  const row = (label: string, mode: TracingRun['mode']) => {
    const rs = runs(mode);
    const m = t.median[mode];
    return `| ${label} | ${cell(rs, (r) => r.requestsPerSecond, 0, m.requestsPerSecond)} | ${cell(rs, (r) => r.p50Ms, 2, m.p50Ms)} | ${fmt(m.p99Ms, 2)} | ${cell(rs, (r) => r.cpuUsPerRequest, 0, m.cpuUsPerRequest)} |`;
  };
  const x = (r: { median: number; min: number; max: number }) => `${fmt(r.median, 2)}× [${fmt(r.min, 2)}–${fmt(r.max, 2)}]`;
  const g = t.guard;
  return [
    '## Tracing off and on',
    '',
    `The binding round trip (SendMessage to an echo agent, ${t.concurrency} in flight, ${t.requestsPerRun} requests per run), ${t.rounds} round${t.rounds === 1 ? '' : 's'} with the`,
    'modes interleaved; client and agent share one process, whose CPU time per request is given. Median [min–max] over rounds.',
    '',
    '| mode | req/s | p50 ms | p99 ms | CPU µs per request |',
    '|---|---|---|---|---|',
    row('off: no OpenTelemetry SDK registered', 'off'),
    row('on: SDK tracer (every span sampled, exporter drops them) and meter (collected every second)', 'on'),
    `| on ÷ off (per-round ratios) | ${x(t.ratio.requestsPerSecond)} | ${x(t.ratio.p50)} | - | ${x(t.ratio.cpuPerRequest)} |`,
    '',
    `Tracing off, measured rather than compared: one guard check (\`tracingOn()\` and the span start it skips) takes ${fmt(g.nsPerCall, 1)} ns;`,
    `a request makes ${fmt(g.callsPerRequest, 1)} of them (counted, client and agent), ${fmt(g.nsPerRequest, 0)} ns in all: ${fmt(g.shareOfCpuPercent, 3)} % of the ${fmt(t.median.off.cpuUsPerRequest, 0)} µs`,
    `of CPU a request takes${t.rounds > 1 ? `, while off runs of the same code land ${fmt(g.offSpreadPercent, 0)} % apart` : ''}. No span, context or attribute object is made while off.`,
  ];
}
