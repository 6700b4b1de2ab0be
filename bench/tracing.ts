/**
 * `node --import tsx bench/tracing.ts [rounds] [n]`: what tracing and metrics cost. The binding round trip (the same
 * case as `npm run bench -- --only binding`) runs alternately with no OpenTelemetry SDK registered (KAMF's no-op
 * path) and with the SDK's tracer and meter providers registered (every span sampled, handed to an exporter that
 * drops it; a metric reader collecting every second), against the stack KAFKA_BROKERS / SCHEMA_REGISTRY_URL name.
 * Also times the no-op guard itself. Prints one line per run and a summary; writes nothing.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../src/core/config.js';
import { startSpan, SpanKind, tracingOn } from '../src/core/telemetry.js';
import { bindingBenchmark } from './binding.js';
import type { BenchResult } from './stats.js';

const rounds = Number(process.argv[2] ?? 3);
const n = Number(process.argv[3] ?? 2000);
const config = loadConfig();

const dropSpans: SpanExporter = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} };
const dropMetrics: PushMetricExporter = { export: (_m, done) => done({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {}, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE };

function tracingSdk(): () => Promise<void> {
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

function guardCost(): number {
  const N = 5_000_000;
  let spans = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (tracingOn() && startSpan('x', SpanKind.INTERNAL, {})) spans++;
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (spans) throw new Error('tracing was on');
  return ns;
}

const line = (label: string, r: BenchResult) =>
  `${label.padEnd(4)} ${r.opsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms?.toFixed(2)} ms  p95 ${r.p95Ms?.toFixed(2)} ms  p99 ${r.p99Ms?.toFixed(2)} ms`;

process.stdout.write(`no-op guard (tracingOn() while off): ${guardCost().toFixed(1)} ns per call\n`);
const results: Record<'off' | 'on', BenchResult[]> = { off: [], on: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
    const stop = mode === 'on' ? tracingSdk() : undefined;
    const r = await bindingBenchmark(config, n, 64, 64);
    await stop?.();
    results[mode].push(r);
    process.stdout.write(`${line(mode, r)}\n`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const mode of ['off', 'on'] as const) {
  const rs = results[mode];
  process.stdout.write(`median ${mode}: ${median(rs.map((r) => r.opsPerSecond)).toFixed(0)} req/s, p50 ${median(rs.map((r) => r.p50Ms ?? 0)).toFixed(2)} ms, p99 ${median(rs.map((r) => r.p99Ms ?? 0)).toFixed(2)} ms\n`);
}
process.exit(0);
