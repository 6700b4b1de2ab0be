/** Small measurement helpers for the benchmarks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface BenchResult {
  name: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  notes?: string;
}

export function summarize(name: string, latenciesMs: number[], seconds: number, notes?: string): BenchResult {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    name,
    ops: latenciesMs.length,
    seconds,
    opsPerSecond: latenciesMs.length / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    ...(notes ? { notes } : {}),
  };
}
