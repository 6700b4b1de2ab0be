/** BENCHMARKS.md from one run: each target beside its measured figure (met or not, honestly), then every figure. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LevelSummary, Target } from './a2a/summary.js';
import type { BenchResult } from './stats.js';

export interface BenchRun {
  when: string;
  node: string;
  cpus: number;
  cpu: string | undefined;
  command: string;
  results: BenchResult[];
  targets: Target[];
  a2a?: LevelSummary[];
  chart?: string;
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

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
    ...run.targets.map((t) => `| ${t.measure} | ${t.target} | ${t.measured ?? 'not measured'} | ${t.met === undefined ? '-' : t.met ? 'yes' : '**no**'} | ${t.note ?? ''} |`),
  ];
  if (run.a2a?.length) {
    lines.push(
      '',
      '## A2A over Kafka and its yardsticks',
      '',
      'Median over repeats (p50 and tasks/s spread in brackets). CPU per task in ms by process: client / server (agent or HTTP server) / broker.',
      '',
      '| case | in flight | p50 ms | p90 ms | p99 ms | max ms | tasks/s | CPU/task ms c / s / b | peak RSS MB c / s |',
      '|---|---|---|---|---|---|---|---|---|',
      ...run.a2a.map(
        (s) =>
          `| ${s.name} | ${s.inFlight} | ${fmt(s.p50, 2)} [${fmt(s.p50Range[0], 2)}–${fmt(s.p50Range[1], 2)}] | ${fmt(s.p90, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.max, 1)} | ${fmt(s.tasksPerSecond, 0)} [${fmt(s.tpsRange[0], 0)}–${fmt(s.tpsRange[1], 0)}] | ${fmt(s.cpuPerTask.client, 2)} / ${fmt(s.cpuPerTask.server, 2)} / ${fmt(s.cpuPerTask.broker, 2)} | ${fmt(s.maxRssMb.client, 0)} / ${fmt(s.maxRssMb.server, 0)} |`,
      ),
    );
  }
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
