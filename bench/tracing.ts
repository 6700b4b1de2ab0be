/**
 * What tracing costs, off and on (`npm run bench -- --only tracing`, or `node --import tsx bench/tracing.ts
 * [rounds] [n]` on its own). The binding round trip (SendMessage to an echo agent, client concurrency 64, server 64,
 * the same case as `--only binding`, client and agent in this one process) runs alternately:
 *
 * - off: no OpenTelemetry SDK registered (KAMF's no-op path: one `tracingOn()` guard per instrumentation point);
 * - on: the SDK's tracer provider (every span sampled, batched to an exporter that drops it) and meter provider
 *   (collected every second into an exporter that drops it).
 *
 * Besides requests/s and latency it takes this process's CPU time per request (client + agent; steadier than
 * wall-clock figures on a shared machine). "Off costs nothing" is measured, not asserted: the guard's cost per call
 * (a tight loop) times the guard calls one request makes (counted in a separate off run) is what tracing-off adds to a
 * request, set against the CPU a request takes and against the spread between off runs of the same code.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Message } from '@a2a-js/sdk';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { EchoExecutor } from '../agents/echo/executor.js';
import { textPart } from '../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../src/binding/client/runtime.js';
import { connectMesh } from '../src/binding/mesh.js';
import { serveAgent } from '../src/binding/serve.js';
import { loadConfig, type KamfConfig } from '../src/core/config.js';
import { SpanKind, startSpan, tracingOn } from '../src/core/telemetry.js';
import type { Target } from './a2a/summary.js';
import { driveConcurrently, summarize, type BenchResult } from './stats.js';

export type TracingMode = 'off' | 'on';

export interface TracingRun {
  mode: TracingMode;
  round: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU time (user + system) per request, client and agent together, in µs. */
  cpuUsPerRequest: number;
}

export interface TracingSummary {
  rounds: number;
  requestsPerRun: number;
  concurrency: number;
  runs: TracingRun[];
  /** Median over rounds per mode. */
  median: Record<TracingMode, { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number }>;
  /** on ÷ off, median of the per-round ratios, with their min and max. */
  ratio: Record<'cpuPerRequest' | 'p50' | 'requestsPerSecond', { median: number; min: number; max: number }>;
  guard: {
    /** One `tracingOn()` check (with the startSpan it guards) while no SDK is registered, ns. */
    nsPerCall: number;
    /** Guard checks one request makes (client and agent), counted in an off run. */
    callsPerRequest: number;
    /** nsPerCall × callsPerRequest. */
    nsPerRequest: number;
    /** nsPerRequest as a share of the off runs' median CPU per request, %. */
    shareOfCpuPercent: number;
    /** (max − min) ÷ median of the off runs' CPU per request: how far apart runs of the same code land, %. */
    offSpreadPercent: number;
  };
}

const dropSpans: SpanExporter = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} };
const dropMetrics: PushMetricExporter = {
  export: (_m, done) => done({ code: 0 }),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

function registerSdk(): () => Promise<void> {
  const tracer = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans)] });
  const meter = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracer);
  metrics.setGlobalMeterProvider(meter);
  return async () => {
    await tracer.shutdown();
    await meter.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  };
}

/** ns per guarded instrumentation point while off: `tracingOn() && startSpan(...)`, as the call sites write it. */
function guardNs(): number {
  const N = 5_000_000;
  let spans = 0;
  const best: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) if (tracingOn() && startSpan('x', SpanKind.INTERNAL, {})) spans++;
    best.push(Number(process.hrtime.bigint() - t0) / N);
  }
  if (spans) throw new Error('tracing was on during the guard measurement');
  return Math.min(...best);
}

/**
 * Counts guard checks: `tracingOn()` reads the global tracer provider once per call, and nothing else in the
 * process reads it while no SDK is registered.
 */
function countGuards(): { calls: () => number; restore: () => void } {
  const api = trace as unknown as { getTracerProvider: () => unknown };
  const original = api.getTracerProvider;
  let n = 0;
  api.getTracerProvider = function (this: unknown) {
    n++;
    return original.call(this);
  };
  return { calls: () => n, restore: () => void delete (api as Partial<typeof api>).getTracerProvider };
}

interface RoundTrip {
  latencies: number[];
  seconds: number;
  cpuUs: number;
  guardCalls?: number;
}

/** The binding round trip with CPU time and (optionally) guard calls taken over the timed requests only. */
async function roundTrip(config: KamfConfig, n: number, concurrency: number, count = false): Promise<RoundTrip> {
  const mesh = connectMesh(config);
  const suffix = randomUUID().slice(0, 6);
  const agent = await serveAgent({
    config,
    mesh,
    name: `bench-otel-${suffix}`,
    description: 'benchmark echo',
    skills: [],
    executor: new EchoExecutor(),
    concurrency,
    topics: { tasks: `bench.tasks.${suffix}`, registry: `bench.registry.${suffix}`, dlq: `bench.dlq.${suffix}` },
  });
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
  try {
    const client = await rt.clientFactory().createFromAgentCard(agent.card);
    const send = (i: number) => {
      const message: Message = { messageId: randomUUID(), contextId: `c-${i}`, taskId: '', role: 1, parts: [textPart(`bench ${i}`)], metadata: undefined, extensions: [], referenceTaskIds: [] };
      return client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined });
    };
    for (let i = 0; i < 50; i++) await send(-i); // warm up: schema ids, metadata, JIT
    const counter = count ? countGuards() : undefined;
    let latencies: number[];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      latencies = await driveConcurrently(n, concurrency, send);
    } finally {
      counter?.restore();
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { latencies, seconds, cpuUs: cpu.user + cpu.system, ...(counter ? { guardCalls: counter.calls() } : {}) };
  } finally {
    await rt.close();
    await agent.stop(5000);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

export interface TracingBenchmark {
  results: BenchResult[];
  targets: Target[];
  tracing: TracingSummary;
}

export async function tracingBenchmark(config: KamfConfig, o: { rounds: number; n: number; concurrency?: number; log?: (line: string) => void }): Promise<TracingBenchmark> {
  const concurrency = o.concurrency ?? 64;
  const log = o.log ?? (() => {});
  const nsPerCall = guardNs();
  const counted = await roundTrip(config, Math.min(o.n, 500), concurrency, true);
  const callsPerRequest = (counted.guardCalls ?? 0) / counted.latencies.length;
  log(`tracing: guard ${nsPerCall.toFixed(1)} ns per call, ${callsPerRequest.toFixed(1)} calls per request`);

  const runs: TracingRun[] = [];
  const results: BenchResult[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // alternate which mode goes first, so a machine getting busier or quieter hits both alike
    for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const stop = mode === 'on' ? registerSdk() : undefined;
      let r: RoundTrip;
      try {
        r = await roundTrip(config, o.n, concurrency);
      } finally {
        await stop?.();
      }
      const s = summarize(`tracing ${mode}: binding round trip (concurrency ${concurrency}), round ${round + 1}`, r.latencies, r.seconds);
      const run: TracingRun = { mode, round, requests: r.latencies.length, requestsPerSecond: s.opsPerSecond, p50Ms: s.p50Ms!, p99Ms: s.p99Ms!, cpuUsPerRequest: r.cpuUs / r.latencies.length };
      runs.push(run);
      results.push({ ...s, notes: `CPU ${run.cpuUsPerRequest.toFixed(0)} µs per request (client + agent)` });
      log(`tracing ${mode} round ${round + 1}: ${s.opsPerSecond.toFixed(0)} req/s, p50 ${s.p50Ms!.toFixed(2)} ms, CPU ${run.cpuUsPerRequest.toFixed(0)} µs/request`);
    }
  }

  const of = (mode: TracingMode) => runs.filter((r) => r.mode === mode).sort((a, b) => a.round - b.round);
  const off = of('off');
  const on = of('on');
  const med = (rs: TracingRun[]) => ({
    requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    cpuUsPerRequest: median(rs.map((r) => r.cpuUsPerRequest)),
  });
  const pairs = off.map((f, i) => [f, on[i]!] as const);
  const ratio = {
    cpuPerRequest: spread(pairs.map(([f, n]) => n.cpuUsPerRequest / f.cpuUsPerRequest)),
    p50: spread(pairs.map(([f, n]) => n.p50Ms / f.p50Ms)),
    requestsPerSecond: spread(pairs.map(([f, n]) => n.requestsPerSecond / f.requestsPerSecond)),
  };
  const offCpu = off.map((r) => r.cpuUsPerRequest);
  const nsPerRequest = nsPerCall * callsPerRequest;
  const shareOfCpuPercent = (nsPerRequest / (median(offCpu) * 1000)) * 100;
  const offSpreadPercent = ((Math.max(...offCpu) - Math.min(...offCpu)) / median(offCpu)) * 100;
  const tracing: TracingSummary = {
    rounds: o.rounds,
    requestsPerRun: o.n,
    concurrency,
    runs,
    median: { off: med(off), on: med(on) },
    ratio,
    guard: { nsPerCall, callsPerRequest, nsPerRequest, shareOfCpuPercent, offSpreadPercent },
  };

  const x = (r: { median: number; min: number; max: number }) => `${r.median.toFixed(2)}× (spread ${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  const targets: Target[] = [
    {
      measure: 'tracing off vs on: what tracing-off adds to a request (guard checks ÷ CPU per request)',
      target: '< 1 % (not measurable)',
      measured: `${shareOfCpuPercent < 0.01 ? shareOfCpuPercent.toExponential(1) : shareOfCpuPercent.toFixed(2)} %`,
      met: shareOfCpuPercent < 1,
      note: `${callsPerRequest.toFixed(1)} checks × ${nsPerCall.toFixed(1)} ns = ${nsPerRequest.toFixed(0)} ns against ${median(offCpu).toFixed(0)} µs CPU per request; off runs of the same code differ by ${offSpreadPercent.toFixed(0)} %. Tracing on (every span sampled): CPU per request ${x(ratio.cpuPerRequest)}, p50 ${x(ratio.p50)}, median of ${o.rounds} interleaved rounds`,
    },
  ];
  return { results, targets, tracing };
}

// standalone: node --import tsx bench/tracing.ts [rounds] [n]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { tracing, targets } = await tracingBenchmark(loadConfig(), {
    rounds: Number(process.argv[2] ?? 3),
    n: Number(process.argv[3] ?? 2000),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ median: tracing.median, ratio: tracing.ratio, guard: tracing.guard }, null, 2)}\n`);
  for (const t of targets) process.stdout.write(`${t.measure}: ${t.measured} (${t.target}); ${t.note}\n`);
  process.exit(0);
}
