/** MetricCallbacks: collection callbacks end with the component; after stop() nothing of it is observed. */
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { MetricCallbacks } from '../../../src/core/telemetry-callbacks.js';

class OnDemandReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

describe('MetricCallbacks', () => {
  it('observes until stop(), then no callback runs and a delta collection has no series', async () => {
    const reader = new OnDemandReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const provider = new MeterProvider({ readers: [reader] });
    const calls = { lag: 0, events: 0, other: 0 };
    const server = new MetricCallbacks(provider.getMeter('kamf'))
      .gauge('lag', {}, (r) => (calls.lag++, r.observe(7, { partition: '0' })))
      .counter('events', {}, (r) => (calls.events++, r.observe(3)));
    // a second component on the same meter and instrument name keeps reporting after the first one stops
    const other = new MetricCallbacks(provider.getMeter('kamf')).gauge('lag', {}, (r) => (calls.other++, r.observe(1, { partition: '1' })));
    const series = async () =>
      (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).flatMap((m) => m.dataPoints.map((p) => `${m.descriptor.name}:${JSON.stringify(p.attributes)}=${String(p.value)}`));

    expect((await series()).sort()).toEqual(['events:{}=3', 'lag:{"partition":"0"}=7', 'lag:{"partition":"1"}=1']);
    expect(calls).toEqual({ lag: 1, events: 1, other: 1 });
    server.stop();
    server.stop(); // idempotent
    expect(await series()).toEqual(['lag:{"partition":"1"}=1']);
    expect(calls).toEqual({ lag: 1, events: 1, other: 2 });
    // registering after stop() does nothing
    server.gauge('late', {}, (r) => r.observe(1));
    expect(await series()).toEqual(['lag:{"partition":"1"}=1']);
    other.stop();
    expect(await series()).toEqual([]);
    await provider.shutdown();
  });
});
