/**
 * The agent server's OpenTelemetry instruments (docs/observability.md): requests and their latency by method and
 * outcome, failures by code, requests in flight, slots, consumer lag per partition, dead letters and the other
 * counts of `KafkaAgentServer.stats`. Made only when a meter provider is registered; most are observed on
 * collection, so the request path pays for one counter and one histogram record per request.
 */
import type { A2AMethod } from '../../codec/mapping/envelopes.js';
import { kamfMeter, type Attributes } from '../../core/telemetry.js';
import { MetricCallbacks } from '../../core/telemetry-callbacks.js';

export interface AgentMetricSources {
  agent: string;
  group: string;
  capacity: number;
  stats: Readonly<Record<string, number>>;
  slotsInUse(): number;
  inFlight(): number;
  lag(): Array<{ topic: string; partition: number; lag: number }>;
  pendingEffects(): number;
}

export interface RecordEvent {
  method?: A2AMethod;
  ok: boolean;
  error?: string;
  code?: string;
  ms: number;
}

export class AgentMetrics {
  private readonly requests;
  private readonly duration;
  private readonly failures;
  private readonly observed: MetricCallbacks;

  constructor(private readonly src: AgentMetricSources) {
    const meter = kamfMeter();
    this.observed = new MetricCallbacks(meter);
    const agent = { 'gen_ai.agent.name': src.agent };
    this.requests = meter.createCounter('kamf.agent.requests', { description: 'Request records handled, by method and outcome' });
    this.duration = meter.createHistogram('kamf.agent.request.duration', { unit: 's', description: 'Time from reading a request to its last effect written' });
    this.failures = meter.createCounter('kamf.agent.failures', { description: 'Requests that failed, by error code' });
    this.observed
      .gauge('kamf.agent.requests.in_flight', { description: 'Requests being handled now' }, (r) => r.observe(src.inFlight(), agent))
      .gauge('kamf.agent.slots.used', { description: 'Concurrency slots taken' }, (r) => r.observe(src.slotsInUse(), agent))
      .gauge('kamf.agent.slots.limit', { description: 'Concurrency slots of this instance' }, (r) => r.observe(src.capacity, agent))
      .gauge('kamf.agent.effects.pending', { description: 'Replies, snapshots and dead letters waiting to be written' }, (r) => r.observe(src.pendingEffects(), agent))
      .gauge('kamf.consumer.lag', { description: 'Request records fetched or waiting whose requests have not finished, per partition' }, (r) => {
        for (const l of src.lag()) r.observe(l.lag, { ...agent, 'messaging.consumer.group.name': src.group, 'messaging.destination.name': l.topic, 'messaging.destination.partition.id': String(l.partition) });
      })
      .counter('kamf.agent.events', { description: 'Server counts: handled, failed, deadLettered, deduplicated, takenOver, undeliverable, answeredBefore, tooLarge' }, (r) => {
        for (const [event, n] of Object.entries(src.stats)) r.observe(n, { ...agent, 'kamf.event': event });
      });
  }

  /** Ends the collection callbacks: a stopped server reports nothing. */
  stop(): void {
    this.observed.stop();
  }

  record(e: RecordEvent): void {
    const attrs: Attributes = { 'gen_ai.agent.name': this.src.agent, 'a2a.method': e.method ?? 'unknown', 'kamf.outcome': outcomeOf(e) };
    this.requests.add(1, attrs);
    this.duration.record(e.ms / 1000, attrs);
    if (!e.ok) this.failures.add(1, { 'gen_ai.agent.name': this.src.agent, 'error.type': e.code ?? outcomeOf(e) });
  }
}

function outcomeOf(e: RecordEvent): string {
  if (e.ok) return e.error === 'answered before' ? 'answered_before' : 'ok';
  if (e.error === 'expired') return 'expired';
  if (e.error === 'request too large') return 'too_large';
  if (e.error?.startsWith('undecodable')) return 'undecodable';
  if (e.error?.startsWith('refused')) return 'refused';
  return 'error';
}
