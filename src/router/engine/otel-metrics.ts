/**
 * The embedded router's counts as OpenTelemetry instruments, observed on collection (nothing on the record path):
 * records in, filtered, out per sink, dead-lettered, retried; in flight; consumer lag. Made at start when a meter
 * provider is registered; their callbacks end when the router stops (`stop()` of what this returns).
 */
import { MetricCallbacks } from '../../core/telemetry-callbacks.js';
import { kamfMeter } from '../../core/telemetry.js';
import type { RouterStats } from '../metrics.js';

export function observeRouter(stats: () => RouterStats, lag: () => number): MetricCallbacks {
  return new MetricCallbacks(kamfMeter())
    .counter('kamf.router.records.in', { description: 'Records read from the source topics' }, (r) => r.observe(stats().consumed))
    .counter('kamf.router.records.filtered', { description: 'Records no route kept' }, (r) => r.observe(stats().filtered))
    .counter('kamf.router.records.out', { description: 'Records written, per sink topic (a fanned-out record counts once per sink)' }, (r) => {
      for (const [topic, d] of Object.entries(stats().destinations)) r.observe(d.produced, { 'messaging.destination.name': topic });
    })
    .counter('kamf.router.dead_letters', { description: 'Records dead-lettered by the router' }, (r) => r.observe(stats().deadLettered))
    .counter('kamf.router.retries', { description: 'Produce requests sent again after a transient failure' }, (r) => r.observe(stats().retries))
    .gauge('kamf.router.in_flight', { description: 'Records read and not yet fully written' }, (r) => r.observe(stats().inFlight))
    .gauge('kamf.router.consumer.lag', { description: 'Source records not yet read, summed over partitions, as of the last fetch' }, (r) => r.observe(lag()));
}
