/**
 * The embedded router's counts as OpenTelemetry instruments, observed on collection (nothing on the record path):
 * records in, filtered, out per sink, dead-lettered, retried; in flight; consumer lag. Made at start when a meter
 * provider is registered.
 */
import { kamfMeter } from '../../core/telemetry.js';
import type { RouterStats } from '../metrics.js';

export function observeRouter(stats: () => RouterStats, lag: () => number): void {
  const meter = kamfMeter();
  meter.createObservableCounter('kamf.router.records.in', { description: 'Records read from the source topics' }).addCallback((r) => r.observe(stats().consumed));
  meter.createObservableCounter('kamf.router.records.filtered', { description: 'Records no route kept' }).addCallback((r) => r.observe(stats().filtered));
  meter.createObservableCounter('kamf.router.records.out', { description: 'Records written, per sink topic (a fanned-out record counts once per sink)' }).addCallback((r) => {
    for (const [topic, d] of Object.entries(stats().destinations)) r.observe(d.produced, { 'messaging.destination.name': topic });
  });
  meter.createObservableCounter('kamf.router.dead_letters', { description: 'Records dead-lettered by the router' }).addCallback((r) => r.observe(stats().deadLettered));
  meter.createObservableCounter('kamf.router.retries', { description: 'Produce requests sent again after a transient failure' }).addCallback((r) => r.observe(stats().retries));
  meter.createObservableGauge('kamf.router.in_flight', { description: 'Records read and not yet fully written' }).addCallback((r) => r.observe(stats().inFlight));
  meter.createObservableGauge('kamf.router.consumer.lag', { description: 'Source records not yet read, summed over partitions, as of the last fetch' }).addCallback((r) => r.observe(lag()));
}
