/**
 * Observable instruments whose callbacks end with the component that registered them. A meter outlives any one
 * server, router or client in the process: a callback left behind keeps reporting a stopped component's last
 * numbers (and keeps it from being collected). Make the instruments through one `MetricCallbacks` and call `stop()`
 * when the component stops.
 *
 *   const observed = new MetricCallbacks(kamfMeter());
 *   observed.gauge('kamf.agent.requests.in_flight', { description: '...' }, (r) => r.observe(inFlight(), attrs));
 *   ...
 *   observed.stop();
 */
import type { Meter, MetricOptions, Observable, ObservableCallback } from '@opentelemetry/api';

export class MetricCallbacks {
  private readonly registered: Array<{ instrument: Observable; callback: ObservableCallback }> = [];
  private stopped = false;

  constructor(private readonly meter: Meter) {}

  /** An observable gauge read on collection until stop(). */
  gauge(name: string, options: MetricOptions, callback: ObservableCallback): this {
    return this.observe(this.meter.createObservableGauge(name, options), callback);
  }

  /** An observable (monotonic) counter read on collection until stop(). */
  counter(name: string, options: MetricOptions, callback: ObservableCallback): this {
    return this.observe(this.meter.createObservableCounter(name, options), callback);
  }

  /** An observable up-down counter read on collection until stop(). */
  upDownCounter(name: string, options: MetricOptions, callback: ObservableCallback): this {
    return this.observe(this.meter.createObservableUpDownCounter(name, options), callback);
  }

  /** Adds a callback to an instrument made elsewhere; removed with the others on stop(). */
  observe(instrument: Observable, callback: ObservableCallback): this {
    if (this.stopped) return this;
    instrument.addCallback(callback);
    this.registered.push({ instrument, callback });
    return this;
  }

  /** Removes every callback: a collection after this reports nothing from the component. Idempotent. */
  stop(): void {
    this.stopped = true;
    for (const { instrument, callback } of this.registered.splice(0)) instrument.removeCallback(callback);
  }
}
