/**
 * OpenTelemetry for KAMF through `@opentelemetry/api` only: the SDK, exporters and sampling are the application's
 * choice (docs/observability.md). Spans follow the messaging and gen-ai semantic conventions; the W3C trace
 * context travels in record headers (`traceparent`, `tracestate`) and in MCP requests' `_meta`.
 *
 * Tracing off costs nothing on the hot path: while no tracer provider is registered `startSpan` returns undefined
 * without creating a span or a context, and every helper takes `undefined` as "nothing to do".
 */
import {
  context,
  createNoopMeter,
  createTraceState,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Meter,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, type Attributes, type Context, type Span };

/** Instrumentation scope of every KAMF span and instrument. */
export const TELEMETRY_SCOPE = 'kamf';

/** W3C trace-context header names (also the keys in MCP `_meta`). */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** Attribute names from OpenTelemetry's semantic conventions (messaging, gen-ai, rpc, error), and KAMF's own. */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  messageKey: 'messaging.kafka.message.key',
  conversationId: 'messaging.message.conversation_id',
  messageId: 'messaging.message.id',
  rpcSystem: 'rpc.system',
  rpcMethod: 'rpc.method',
  rpcService: 'rpc.service',
  networkProtocol: 'network.protocol.name',
  genAiOperation: 'gen_ai.operation.name',
  genAiAgentName: 'gen_ai.agent.name',
  genAiToolName: 'gen_ai.tool.name',
  genAiConversationId: 'gen_ai.conversation.id',
  errorType: 'error.type',
  a2aMethod: 'a2a.method',
  a2aTaskId: 'a2a.task.id',
  a2aSkill: 'a2a.skill.id',
  a2aBinding: 'a2a.protocol.binding',
  routerSink: 'kamf.router.sink',
  routerStatement: 'kamf.router.statement',
} as const;

// the provider behind an unconfigured global: a delegate equal to it means nobody registered an SDK
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** True when an application registered a tracer provider. Cheap: one global read and a comparison. */
export function tracingOn(): boolean {
  const p = trace.getTracerProvider();
  return !(p instanceof ProxyTracerProvider) || p.getDelegate() !== NOOP_PROVIDER;
}

export function kamfTracer(): Tracer {
  return trace.getTracer(TELEMETRY_SCOPE);
}

/**
 * The meter for KAMF's instruments. The API has no proxy for meters: instruments made before the application
 * registers its MeterProvider stay no-ops, so components create theirs when they start.
 */
export function kamfMeter(): Meter {
  return metrics.getMeter(TELEMETRY_SCOPE);
}

const NOOP_METER = createNoopMeter().constructor;

/** True when an application registered a meter provider (read when a component starts, see kamfMeter). */
export function metricsOn(): boolean {
  return !(kamfMeter() instanceof NOOP_METER);
}

/** Starts a span under `parent` (default: the active context); undefined while tracing is off. */
export function startSpan(name: string, kind: SpanKind, attributes: Attributes, parent?: Context): Span | undefined {
  if (!tracingOn()) return undefined;
  return kamfTracer().startSpan(name, { kind, attributes }, parent ?? context.active());
}

/** Ends a span, recording a failure (its KamfError code as `error.type` when there is one). */
export function endSpan(span: Span | undefined, err?: unknown): void {
  if (!span) return;
  if (err !== undefined) {
    const code = (err as { code?: unknown })?.code;
    span.setAttribute(ATTR.errorType, typeof code === 'string' || typeof code === 'number' ? String(code) : ((err as Error)?.name ?? 'Error'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message?.slice(0, 500) });
  }
  span.end();
}

/** Runs `fn` with `span` active (so what it starts, and what it sends, is its child); just runs it when undefined. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  if (!span) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Runs `fn` in `ctx`; just runs it when undefined. */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  return ctx ? context.with(ctx, fn) : fn();
}

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote span context in W3C headers (or MCP `_meta`), when there is a valid one. */
export function spanContextFrom(carrier: Readonly<Record<string, unknown>> | undefined): SpanContext | undefined {
  const tp = carrier?.[TRACEPARENT];
  if (typeof tp !== 'string') return undefined;
  const m = TRACEPARENT_RE.exec(tp.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  const ts = carrier?.[TRACESTATE];
  return {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: parseInt(m[4]!, 16) & 1,
    isRemote: true,
    ...(typeof ts === 'string' && ts ? { traceState: createTraceState(ts) } : {}),
  };
}

/** The active context continued from W3C headers; undefined while tracing is off or when there is none. */
export function contextFrom(carrier: Readonly<Record<string, unknown>> | undefined): Context | undefined {
  if (!tracingOn()) return undefined;
  const sc = spanContextFrom(carrier);
  return sc ? trace.setSpanContext(context.active(), sc) : undefined;
}

/** W3C headers for a span (or the active span): `{ traceparent, tracestate? }`; undefined without a valid one. */
export function traceHeaders(span?: Span): Record<string, string> | undefined {
  const sc = (span ?? trace.getSpan(context.active()))?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  const out: Record<string, string> = { [TRACEPARENT]: `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}` };
  const ts = sc.traceState?.serialize();
  if (ts) out[TRACESTATE] = ts;
  return out;
}

/** Writes the span's (or the active span's) W3C headers into `headers`, replacing what was there. */
export function injectTraceHeaders(headers: Record<string, unknown>, span?: Span): void {
  if (!tracingOn()) return;
  const h = traceHeaders(span);
  if (h) Object.assign(headers, h);
}

/**
 * One log line: the readable `kamf <component>: <line>` by default; with KAMF_LOG_FORMAT=json a JSON object per
 * line with the active trace and span ids, for log pipelines that join logs to traces.
 */
export function logLine(component: string, line: string, env: NodeJS.ProcessEnv = process.env): string {
  return jsonLogLine(`kamf ${component}`, line, env) ?? `kamf ${component}: ${line}\n`;
}

/**
 * The JSON form of a log line when KAMF_LOG_FORMAT=json, else undefined (the caller keeps its own readable form).
 * `fields` adds facts of the entry (level, namespace, broker, ...); the standard keys win over them.
 */
export function jsonLogLine(component: string, line: string, env: NodeJS.ProcessEnv = process.env, fields?: Readonly<Record<string, unknown>>): string | undefined {
  if (env.KAMF_LOG_FORMAT !== 'json') return undefined;
  const sc = trace.getSpan(context.active())?.spanContext();
  const ids = sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
  return `${JSON.stringify({ ...fields, time: new Date().toISOString(), component, msg: line, ...ids })}\n`;
}

/**
 * A traceparent for a request sent while handling one that carried `inbound`: the same trace, a new parent id. For
 * processes without an SDK, so a conversation's sub-requests still share the caller's trace id (`kamf trace`).
 */
export function continueTraceparent(inbound: string | undefined): string | undefined {
  const sc = spanContextFrom({ [TRACEPARENT]: inbound });
  if (!sc) return undefined;
  const spanId = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0') + Math.floor(1 + Math.random() * 0xfffffffe).toString(16).padStart(8, '0');
  return `00-${sc.traceId}-${spanId}-0${sc.traceFlags.toString(16)}`;
}
