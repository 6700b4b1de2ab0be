/**
 * A2A over Kafka against its yardsticks, in one run: the raw Kafka floor (produce → consume → produce → consume with
 * the same client), A2A over the KAMF binding, the same through the router, A2A over HTTP with the SDK's own server
 * and client, and streaming on both. Each case runs its server and its client in processes of their own (CPU and
 * memory per process), at each number in flight, repeated with the cases interleaved.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseName, LevelResult, ToChild, ToDriver, Usage } from './protocol.js';

export interface CompareOptions {
  repeats: number;
  levels: number[];
  /** Requests per level (timed), by number in flight. */
  requests: (inFlight: number) => number;
  /**
   * Untimed calls before each level, at its number in flight: for at least this long (default 5000 ms) and at least
   * max(2000, 4 × in flight) calls. Every case is then timed once its code is optimized for that level rather than
   * while the JIT still compiles it: the Kafka path runs the most JavaScript, and at one in flight its p50 took
   * about 2,000 calls (7 s) to settle, where HTTP's took about 200.
   */
  warmupMs?: number;
  /** One untimed round of every case at 64 in flight before the repeats, to warm the broker (default true). */
  warmupRound?: boolean;
  /** The local broker's pid, for its CPU time (unset: an external cluster, not measured). */
  brokerPid?: number;
  /** Only these cases (default all). */
  cases?: CaseName[];
  log?: (line: string) => void;
}

export interface CaseLevel {
  name: CaseName;
  inFlight: number;
  repeat: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  tasksPerSecond: number;
  /** CPU per request, ms, by process. */
  cpuPerTask: { client: number; server: number; broker?: number };
  maxRssMb: { client: number; server: number };
  /** Every latency of the level, for the chart. */
  latenciesMs: number[];
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
/** Streams are timed to their first event at one in flight and at 64; the router at one and at 64. */
const LEVELS_OF: Partial<Record<CaseName, (levels: number[]) => number[]>> = {
  router: (l) => l.filter((x) => x === 1 || x === 64),
  'kafka-stream': (l) => l.filter((x) => x === 1 || x === 64),
  'http-stream': (l) => l.filter((x) => x === 1 || x === 64),
};
export const CASES: CaseName[] = ['raw', 'raw-platformatic', 'raw-native', 'kafka', 'http', 'router', 'kafka-stream', 'http-stream'];

function child(script: string, args: string[]): { proc: ChildProcess; next: () => Promise<ToDriver>; send: (m: ToChild) => void } {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles both sides of every case
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = fork(here(script), args, { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const queue: ToDriver[] = [];
  const waiters: Array<(m: ToDriver) => void> = [];
  proc.on('message', (m: ToDriver) => (waiters.length ? waiters.shift()!(m) : queue.push(m)));
  proc.on('exit', (code) => {
    for (const w of waiters.splice(0)) w({ type: 'error', message: `${script} exited with ${code}` });
  });
  const next = async () => {
    const m = queue.length ? queue.shift()! : await new Promise<ToDriver>((r) => waiters.push(r));
    if (m.type === 'error') throw new Error(`${script}: ${m.message}`);
    return m;
  };
  return { proc, next, send: (m) => proc.send(m) };
}

/** utime + stime of a process, ms, from /proc (clock ticks of 10 ms on Linux). */
function procCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

async function runCase(name: CaseName, repeat: number, o: CompareOptions): Promise<CaseLevel[]> {
  const server = child('server.ts', [name]);
  const ready = await server.next();
  if (ready.type !== 'ready') throw new Error(`server ${name}: unexpected ${ready.type}`);
  const client = child('client.ts', [name, JSON.stringify(ready.target)]);
  await client.next();
  const out: CaseLevel[] = [];
  try {
    for (const inFlight of (LEVELS_OF[name] ?? ((l) => l))(o.levels)) {
      const n = o.requests(inFlight);
      client.send({ type: 'warm', inFlight, ms: o.warmupMs ?? 5000, requests: Math.max(2000, inFlight * 4) });
      await client.next();
      // usage is read around the timed calls only, so every process's CPU is the timed calls' own
      server.send({ type: 'usage' });
      const s0 = (await server.next()) as Usage;
      const b0 = procCpuMs(o.brokerPid);
      client.send({ type: 'run', inFlight, n });
      const r = (await client.next()) as LevelResult;
      server.send({ type: 'usage' });
      const s1 = (await server.next()) as Usage;
      const b1 = procCpuMs(o.brokerPid);
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      const level: CaseLevel = {
        name,
        inFlight,
        repeat,
        p50: pct(sorted, 50),
        p90: pct(sorted, 90),
        p99: pct(sorted, 99),
        max: sorted[sorted.length - 1] ?? NaN,
        tasksPerSecond: n / r.seconds,
        cpuPerTask: {
          client: r.cpuMs / n,
          server: (s1.cpuMs - s0.cpuMs) / n,
          ...(b0 !== undefined && b1 !== undefined && !name.startsWith('http') ? { broker: (b1 - b0) / n } : {}),
        },
        maxRssMb: { client: r.maxRssMb, server: s1.maxRssMb },
        latenciesMs: r.latenciesMs,
      };
      out.push(level);
      o.log?.(`${name} ×${inFlight} (repeat ${repeat + 1}): p50 ${level.p50.toFixed(2)} ms, p99 ${level.p99.toFixed(2)} ms, ${level.tasksPerSecond.toFixed(0)}/s`);
    }
  } finally {
    client.send({ type: 'stop' });
    server.send({ type: 'stop' });
    await Promise.all([client.proc, server.proc].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  }
  return out;
}

/**
 * Every case at every level, `repeats` times, the order of cases rotated each repeat so drift hits all alike. An
 * untimed round at 64 in flight (a level every case runs) goes first: a freshly started broker's JVM compiles its
 * request paths during the first minutes, and without it the cases of the first repeat met a colder broker than the
 * others (the raw floor's p50 at one in flight was 2.31 ms in the first repeat and 0.94 ms in the next two).
 */
export async function compareA2A(o: CompareOptions): Promise<CaseLevel[]> {
  const cases = o.cases ?? CASES;
  if (o.warmupRound ?? true) {
    for (const name of cases) await runCase(name, -1, { ...o, levels: [64], log: (line) => o.log?.(`(warm-up round, not timed) ${line}`) });
  }
  const all: CaseLevel[] = [];
  for (let r = 0; r < o.repeats; r++) {
    const order = cases.map((_, i) => cases[(i + r) % cases.length]!);
    for (const name of order) all.push(...(await runCase(name, r, o)));
  }
  return all;
}
