/**
 * The router pass as a span: continued from the source record's trace context, and the parent of what the record
 * becomes. Every output record carries the pass's context, so the agent that reads it is the router's child.
 */
import type { KafkaMessage } from 'kafkajs';
import { ATTR, SpanKind, contextFrom, endSpan, startSpan, traceHeaders } from '../../core/telemetry.js';
import { readRecordHeaders } from './trace-headers.js';
import type { Output } from './output.js';

/** Call only while tracing is on (`tracingOn()`); outputs' headers gain the pass's traceparent. */
export function traceRoute(topic: string, partition: number, message: KafkaMessage, outputs: readonly Output[]): void {
  const span = startSpan(
    `route ${topic}`,
    SpanKind.CONSUMER,
    {
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.operationType]: 'process',
      [ATTR.operationName]: 'route',
      [ATTR.destination]: topic,
      [ATTR.partition]: String(partition),
      [ATTR.offset]: Number(message.offset),
      [ATTR.routerSink]: [...new Set(outputs.map((o) => o.sink))].join(','),
    },
    contextFrom(readRecordHeaders(message.headers)),
  );
  const h = traceHeaders(span);
  if (h) for (const o of outputs) o.message.headers = { ...(o.message.headers ?? {}), ...h };
  endSpan(span);
}
