/**
 * The push delivery stage's OpenTelemetry instruments (docs/observability.md): deliveries by outcome, POST attempts
 * by outcome, how long a delivery took (first POST to its outcome, retries included), and, observed on collection
 * until the stage stops, the deliveries still open and the lanes (task × webhook) it holds. Made only when a meter
 * provider is registered when the stage starts.
 */
import { MetricCallbacks } from '../core/telemetry-callbacks.js';
import { kamfMeter, type Attributes } from '../core/telemetry.js';

export interface PushMetricSources {
  agent: string;
  /** Deliveries taken and not yet finished (delivered or dead-lettered). */
  open(): number;
  lanes(): number;
}

export type DeliveryOutcome = 'delivered' | 'dead_lettered';

export class PushMetrics {
  private readonly deliveries;
  private readonly attempts;
  private readonly duration;
  private readonly observed;
  private readonly agent: Attributes;

  constructor(src: PushMetricSources) {
    const meter = kamfMeter();
    this.agent = { 'gen_ai.agent.name': src.agent };
    this.deliveries = meter.createCounter('kamf.push.deliveries', { description: 'Push deliveries finished, by outcome (delivered, dead_lettered)' });
    this.attempts = meter.createCounter('kamf.push.attempts', { description: 'Webhook POSTs, by outcome (ok, failed)' });
    this.duration = meter.createHistogram('kamf.push.delivery.duration', { unit: 's', description: 'From the first POST of a delivery to its outcome, retries included' });
    this.observed = new MetricCallbacks(meter)
      .gauge('kamf.push.deliveries.open', { description: 'Deliveries taken and not yet finished' }, (r) => r.observe(src.open(), this.agent))
      .gauge('kamf.push.lanes', { description: 'Ordered lanes (task × webhook) held' }, (r) => r.observe(src.lanes(), this.agent));
  }

  attempt(ok: boolean): void {
    this.attempts.add(1, { ...this.agent, 'kamf.outcome': ok ? 'ok' : 'failed' });
  }

  finished(outcome: DeliveryOutcome, ms: number): void {
    const attrs = { ...this.agent, 'kamf.outcome': outcome };
    this.deliveries.add(1, attrs);
    this.duration.record(ms / 1000, attrs);
  }

  /** Removes the collection callbacks: a stopped stage reports no gauges. */
  stop(): void {
    this.observed.stop();
  }
}
