/**
 * Process-level OpenTelemetry set-up from the environment, for KAMF's own processes (`kamf start`, `kamf route`,
 * the agents' main files). A library user registers their own SDK instead and calls nothing here.
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT   spans (and metrics) over OTLP/HTTP: needs @opentelemetry/exporter-trace-otlp-http
 *                                 (and @opentelemetry/exporter-metrics-otlp-http for metrics)
 *   KAMF_PROMETHEUS_PORT          a Prometheus scrape endpoint, http://<KAMF_PROMETHEUS_HOST:-127.0.0.1>:<port>/metrics
 *
 * The SDK packages are the application's choice, so they are not dependencies of KAMF: when one is missing the
 * set-up fails with the npm command that adds it.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { KamfError } from './errors.js';

type Loaded = Record<string, unknown>;
type Ctor = new (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>;

async function load(pkg: string): Promise<Loaded> {
  try {
    return (await import(pkg)) as Loaded;
  } catch (cause) {
    throw new KamfError('CONFIG_INVALID', `OpenTelemetry package ${pkg} is not installed`, { hint: `npm install ${pkg}`, cause });
  }
}
const ctor = (m: Loaded, name: string) => m[name] as Ctor;

export interface TelemetrySetup {
  tracing: boolean;
  metricsEndpoint?: string;
  shutdown(): Promise<void>;
}

/** Registers tracer and meter providers as the environment asks; does nothing (and loads nothing) otherwise. */
export async function startTelemetryFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<TelemetrySetup | undefined> {
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const promPort = env.KAMF_PROMETHEUS_PORT;
  if (!otlp && !promPort) return undefined;
  const stops: Array<() => Promise<unknown>> = [];
  const setup: TelemetrySetup = { tracing: false, shutdown: async () => void (await Promise.allSettled(stops.map((s) => s()))) };
  const readers: unknown[] = [];
  if (otlp) {
    const [base, hooks, exporter] = await Promise.all([load('@opentelemetry/sdk-trace-base'), load('@opentelemetry/context-async-hooks'), load('@opentelemetry/exporter-trace-otlp-http')]);
    const processor = new (ctor(base, 'BatchSpanProcessor'))(new (ctor(exporter, 'OTLPTraceExporter'))());
    const provider = new (ctor(base, 'BasicTracerProvider'))({ spanProcessors: [processor] });
    context.setGlobalContextManager(new (ctor(hooks, 'AsyncLocalStorageContextManager'))().enable!() as never);
    trace.setGlobalTracerProvider(provider as never);
    stops.push(() => provider.shutdown!() as Promise<unknown>);
    setup.tracing = true;
    try {
      const m = await import('@opentelemetry/exporter-metrics-otlp-http' as string);
      const sdk = await load('@opentelemetry/sdk-metrics');
      readers.push(new (ctor(sdk, 'PeriodicExportingMetricReader'))({ exporter: new (ctor(m as Loaded, 'OTLPMetricExporter'))() }));
    } catch {
      // metrics over OTLP are optional: traces alone are a fine set-up
    }
  }
  if (promPort) {
    const port = Number(promPort);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new KamfError('CONFIG_INVALID', `KAMF_PROMETHEUS_PORT: "${promPort}" is not a port`);
    const host = env.KAMF_PROMETHEUS_HOST ?? '127.0.0.1';
    const prom = await load('@opentelemetry/exporter-prometheus');
    readers.push(await new Promise((resolve) => {
      const exporter: unknown = new (ctor(prom, 'PrometheusExporter'))({ port, host }, () => resolve(exporter));
    }));
    setup.metricsEndpoint = `http://${host}:${port}/metrics`;
  }
  if (readers.length) {
    const sdk = await load('@opentelemetry/sdk-metrics');
    const provider = new (ctor(sdk, 'MeterProvider'))({ readers });
    metrics.setGlobalMeterProvider(provider as never);
    stops.push(() => provider.shutdown!() as Promise<unknown>);
  }
  return setup;
}
