/**
 * A span per push delivery: an HTTP client span (`POST`) under the trace context of the task snapshot it delivers
 * (the snapshot record carries the context of the run that saved it), from the first POST to the outcome, retries
 * included. Every POST of the delivery carries its `traceparent`, so a receiver with OpenTelemetry continues the
 * trace. Nothing is made while tracing is off.
 */
import type { IHeaders } from 'kafkajs';
import { ATTR, SpanKind, TRACEPARENT, TRACESTATE, contextFrom, endSpan, startSpan, tracingOn, type Context, type Span } from '../core/telemetry.js';
import type { PostOutcome } from './post.js';

/** The trace context of a snapshot record, when tracing is on and the record has one. */
export function snapshotContext(headers: IHeaders | undefined): Context | undefined {
  if (!tracingOn() || !headers) return undefined;
  const text = (v: IHeaders[string]) => (v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v));
  return contextFrom({ [TRACEPARENT]: text(headers[TRACEPARENT]), [TRACESTATE]: text(headers[TRACESTATE]) });
}

export interface DeliverySpanFacts {
  agent: string;
  taskId: string;
  deliveryId: string;
  url: string;
}

export function startDeliverySpan(facts: DeliverySpanFacts, parent: Context | undefined): Span | undefined {
  if (!tracingOn()) return undefined;
  let target: URL | undefined;
  try {
    target = new URL(facts.url);
  } catch {
    target = undefined;
  }
  return startSpan(
    'POST',
    SpanKind.CLIENT,
    {
      'http.request.method': 'POST',
      // origin and path only: a webhook's query string may hold a secret
      ...(target ? { 'url.full': `${target.origin}${target.pathname}`, 'server.address': target.hostname, 'url.scheme': target.protocol.replace(':', '') } : {}),
      ...(target?.port ? { 'server.port': Number(target.port) } : {}),
      [ATTR.genAiAgentName]: facts.agent,
      [ATTR.a2aTaskId]: facts.taskId,
      'kamf.push.delivery_id': facts.deliveryId,
    },
    parent,
  );
}

export function endDeliverySpan(span: Span | undefined, outcome: PostOutcome, attempts: number): void {
  if (!span) return;
  if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
  span.setAttribute('http.request.resend_count', attempts - 1);
  endSpan(span, outcome.ok ? undefined : { code: outcome.status !== undefined ? String(outcome.status) : 'dead_lettered', message: outcome.error ?? 'not delivered' });
}
