/**
 * `kamf trace --otel`: a recorded conversation as OpenTelemetry spans, so a replayed window shows up in the same
 * tools as live traces. One root span for the conversation, one child per request (request record → final reply, or
 * the task's settled snapshot), one event per record; times are the records' timestamps.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace } from '@opentelemetry/api';
import { kamfTracer } from '../core/telemetry.js';
import type { Trace } from './trace.js';

/** Emits the spans through the registered tracer provider; returns how many spans were made. */
export function emitTraceSpans(t: Trace): number {
  if (t.start === undefined || t.end === undefined) return 0;
  const tracer = kamfTracer();
  const root = tracer.startSpan(
    `conversation ${t.query}`,
    { kind: SpanKind.INTERNAL, startTime: t.start, attributes: { 'kamf.replay': true, 'gen_ai.conversation.id': t.contextIds.join(','), 'kamf.trace.records': t.events.length } },
    ROOT_CONTEXT,
  );
  for (const e of t.events) root.addEvent(`${e.kind} ${e.topic}`, { 'messaging.destination.name': e.topic, 'messaging.kafka.offset': e.offset, ...(e.state ? { 'a2a.task.state': e.state } : {}) }, e.at);
  const parent = otelTrace.setSpan(ROOT_CONTEXT, root);
  let spans = 1;
  for (const r of t.requests) {
    const took = r.lastReplyMs ?? r.settledMs;
    const span = tracer.startSpan(
      `${r.method} ${r.agent ?? r.topic}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: r.at,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': r.topic,
          'messaging.message.conversation_id': r.correlationId,
          'a2a.method': r.method,
          ...(r.agent ? { 'gen_ai.agent.name': r.agent } : {}),
          ...(r.state ? { 'a2a.task.state': r.state } : {}),
          'kamf.outcome.source': r.lastReplyMs !== undefined ? 'reply' : r.settledMs !== undefined ? 'tasks' : 'none',
        },
      },
      parent,
    );
    if (r.error) span.setStatus({ code: SpanStatusCode.ERROR, message: r.error.message });
    span.end(r.at + (took ?? 0));
    spans++;
  }
  root.end(t.end);
  return spans;
}
