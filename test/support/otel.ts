/** An in-process OpenTelemetry SDK for tests: every span in memory, async-hooks context, parent/child helpers; metrics collected on demand. */
import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface TestTracing {
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** Waits until `pred` holds for the finished spans (spans of background writes end a little later). */
  waitFor(pred: (spans: ReadableSpan[]) => boolean, timeoutMs?: number): Promise<ReadableSpan[]>;
  shutdown(): Promise<void>;
}

export function startTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  return {
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async waitFor(pred, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const spans = exporter.getFinishedSpans();
        if (pred(spans)) return spans;
        if (Date.now() > until) return spans;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

export const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
export const idOf = (s: ReadableSpan): string => s.spanContext().spanId;
export const traceOf = (s: ReadableSpan): string => s.spanContext().traceId;

/**
 * An in-process meter provider whose readers collect on demand (no export interval, nothing over the network): a
 * cumulative one, as Prometheus reads, and a delta one, which reports only the series observed in that collection
 * (the cumulative reader keeps repeating a gauge's last value after its callback is gone).
 */
export interface TestMetrics {
  /** Sum of a counter's points (or a histogram's counts) whose attributes include `attrs`, cumulative. */
  sum(name: string, attrs?: Attributes): Promise<number>;
  /** Every point of an instrument: attributes and value (a histogram's count); `delta`: only what this collection observed. */
  points(name: string, temporality?: 'cumulative' | 'delta'): Promise<Array<{ attributes: Attributes; value: number }>>;
  shutdown(): Promise<void>;
}

class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

export function startTestMetrics(): TestMetrics {
  const readers = {
    cumulative: new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE }),
    delta: new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA }),
  };
  const provider = new MeterProvider({ readers: [readers.cumulative, readers.delta] });
  metrics.setGlobalMeterProvider(provider);
  const points = async (name: string, temporality: 'cumulative' | 'delta' = 'cumulative') => {
    const { resourceMetrics } = await readers[temporality].collect();
    return resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === name)
      .flatMap((m) => (m.dataPoints as Array<DataPoint<number | Histogram>>).map((p) => ({ attributes: p.attributes, value: typeof p.value === 'number' ? p.value : p.value.count })));
  };
  return {
    points,
    async sum(name, attrs = {}) {
      return (await points(name)).filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((a, p) => a + p.value, 0);
    },
    async shutdown() {
      await provider.shutdown();
      metrics.disable();
    },
  };
}
