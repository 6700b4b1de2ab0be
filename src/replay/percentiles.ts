/** Nearest-rank percentiles: the smallest value such that at least p % of the values are ≤ it. */
export function percentile(sortedAsc: readonly number[], p: number): number | undefined {
  if (sortedAsc.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[Math.min(rank, sortedAsc.length) - 1];
}

export function summarize(values: readonly number[]): {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
  mean?: number;
} {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { count: 0 };
  const r: { count: number; p50?: number; p95?: number; p99?: number; max?: number; mean?: number } = { count: s.length };
  r.p50 = percentile(s, 50);
  r.p95 = percentile(s, 95);
  r.p99 = percentile(s, 99);
  r.max = s[s.length - 1];
  r.mean = Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 10) / 10;
  return r;
}
