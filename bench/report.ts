/** BENCHMARKS.md from one run: every figure of that run, and each target beside its measured ratio, met or not. */
import { writeFileSync } from 'node:fs';
import type { BenchResult } from './stats.js';

export interface BenchRun {
  when: string;
  node: string;
  cpus: number;
  cpu: string | undefined;
  command: string;
  results: BenchResult[];
  ratios: Record<string, number>;
}

/** Targets stated as ratios within one run (issue texts name them); a missing ratio is "not measured". */
const TARGETS: Array<{ ratio: string; target: string; met: (x: number) => boolean }> = [
  { ratio: 'kamf --help / node -e 0 (p50)', target: '≤ 4×', met: (x) => x <= 4 },
];
const ABSOLUTE: Array<{ result: string; target: string; met: (ms: number) => boolean }> = [
  { result: 'startup: kamf agents (local broker)', target: 'p50 < 1000 ms on a local broker', met: (ms) => ms < 1000 },
];

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

export function writeBenchmarksMd(file: string, run: BenchRun, resultsFile: string): void {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`${run.command}\` on ${run.when} (Node ${run.node}, ${run.cpus} × ${run.cpu ?? 'unknown CPU'}); raw figures in`,
    `\`${resultsFile}\`. Figures compare commits on the same machine; ratios compare cases within this one run.`,
    '',
    '## Targets',
    '',
    '| measure | target | measured | met |',
    '|---|---|---|---|',
  ];
  for (const t of TARGETS) {
    const x = run.ratios[t.ratio];
    lines.push(`| ${t.ratio} | ${t.target} | ${x === undefined ? 'not measured' : `${fmt(x, 2)}×`} | ${x === undefined ? '-' : t.met(x) ? 'yes' : '**no**'} |`);
  }
  for (const t of ABSOLUTE) {
    const r = run.results.find((x) => x.name === t.result);
    const ms = r?.p50Ms;
    lines.push(`| ${t.result} | ${t.target} | ${ms === undefined ? 'not measured' : `${fmt(ms)} ms`} | ${ms === undefined ? '-' : t.met(ms) ? 'yes' : '**no**'} |`);
  }
  lines.push('', '## All figures', '', '| benchmark | ops/s | p50 ms | p95 ms | p99 ms | notes |', '|---|---|---|---|---|---|');
  for (const r of run.results) {
    lines.push(`| ${r.name} | ${fmt(r.opsPerSecond, 0)} | ${fmt(r.p50Ms)} | ${fmt(r.p95Ms)} | ${fmt(r.p99Ms)} | ${r.notes ?? ''} |`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
