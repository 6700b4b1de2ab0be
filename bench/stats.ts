/** Small measurement helpers for the benchmarks (percentiles: the same nearest-rank rule `kamf stats` uses). */
import { percentile as nearestRank } from '../src/replay/percentiles.js';

const percentile = (sorted: number[], p: number): number => nearestRank(sorted, p) ?? NaN;

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

/** Calls `send(0)` .. `send(n - 1)` with `concurrency` calls outstanding at a time; each call's latency, ms. */
export async function driveConcurrently(n: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        const timed = await send(i);
        // a send that measures part of itself (a stream: the time to its first event) returns that part in ms
        latencies.push(typeof timed === 'number' ? timed : performance.now() - s);
      }
    }),
  );
  return latencies;
}
