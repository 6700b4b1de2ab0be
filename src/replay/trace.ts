/**
 * A conversation's trace: every record that belongs to a context or a task, across the ingress, the agents'
 * request topics, reply topics and task snapshots, as one timeline.
 *
 * Matching grows from the id asked for until nothing new joins: a request joins by its message's contextId /
 * taskId (or a task operation's id), a reply by its correlation id (→ its request) or the task it carries, a
 * snapshot by task.id / task.contextId; each record that joins adds its ids to the set.
 * Hops are the gaps between consecutive records, so the hop latencies add up to the whole span.
 */
import { outcomesOf } from './answers.js';
import { describeRecord, methodName, shortId } from './format.js';
import type { RecordView } from './records.js';

export interface TraceEvent {
  index: number;
  at: number;
  /** Milliseconds since the first record of the trace. */
  offsetMs: number;
  topic: string;
  partition: number;
  offset: number;
  kind: RecordView['kind'];
  label: string;
  correlationId?: string;
  agent?: string;
  method?: string;
  contextId?: string;
  taskId?: string;
  state?: string;
  text?: string;
}

export interface TraceHop {
  index: number;
  from: number;
  to: number;
  fromAt: number;
  toAt: number;
  latencyMs: number;
  /** e.g. `request→snapshot`, `reply→request` (the caller's think time). */
  kind: string;
  label: string;
}

export interface TraceRequest {
  correlationId: string;
  method: string;
  agent?: string;
  topic: string;
  at: number;
  text?: string;
  firstReplyMs?: number;
  lastReplyMs?: number;
  state?: string;
  error?: { code: number; message: string };
  replies: number;
  /** No final reply in the topics (its reply topic is gone): the first settled snapshot of its task, ms after the request. */
  settledMs?: number;
}

/** States a turn ends in. */
const SETTLED_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELED', 'REJECTED', 'INPUT_REQUIRED', 'AUTH_REQUIRED']);

export interface StateChange {
  taskId: string;
  state: string;
  at: number;
  offsetMs: number;
  source: string;
}

export interface Trace {
  query: string;
  contextIds: string[];
  taskIds: string[];
  start?: number;
  end?: number;
  totalMs: number;
  events: TraceEvent[];
  hops: TraceHop[];
  requests: TraceRequest[];
  stateChanges: StateChange[];
}

const KIND_RANK: Record<string, number> = { request: 0, snapshot: 1, reply: 2 };

export function selectConversation(views: readonly RecordView[], id: string): RecordView[] {
  const ctx = new Set([id]);
  const task = new Set([id]);
  const corr = new Set<string>();
  const msgs = new Set([id]);
  // W3C trace ids: a request an agent sent while handling another carries the trace of the first (when the
  // processes trace, see docs/observability.md), though its context id is its own
  const traces = new Set<string>();
  const candidates = views.filter((v) => v.kind === 'request' || v.kind === 'reply' || v.kind === 'snapshot');
  const picked = new Set<RecordView>();
  for (let changed = true; changed;) {
    changed = false;
    for (const v of candidates) {
      if (picked.has(v)) continue;
      const hit =
        (v.contextId && ctx.has(v.contextId)) ||
        (v.taskId && task.has(v.taskId)) ||
        (v.correlationId && corr.has(v.correlationId)) ||
        (v.kind === 'request' && v.messageId && msgs.has(v.messageId)) ||
        (traces.size > 0 && traces.has(traceIdOf(v) ?? ''));
      if (!hit) continue;
      picked.add(v);
      changed = true;
      const traceId = traceIdOf(v);
      if (traceId) traces.add(traceId);
      if (v.contextId) ctx.add(v.contextId);
      if (v.taskId) task.add(v.taskId);
      if (v.correlationId && v.method !== 'LIST_TASKS') corr.add(v.correlationId);
      for (const m of v.historyMessageIds ?? []) msgs.add(m);
    }
  }
  return [...picked].sort(compareEvents);
}

/** The trace id of a record's `traceparent` header. */
function traceIdOf(v: RecordView): string | undefined {
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-/.exec(v.headers.traceparent ?? '');
  return m && !/^0+$/.test(m[1]!) ? m[1] : undefined;
}

function compareEvents(a: RecordView, b: RecordView): number {
  return (
    a.timestamp - b.timestamp ||
    (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) ||
    (a.sequence ?? 0) - (b.sequence ?? 0) ||
    a.topic.localeCompare(b.topic) ||
    a.partition - b.partition ||
    a.offset - b.offset
  );
}

export function buildTrace(views: readonly RecordView[], id: string): Trace {
  const picked = selectConversation(views, id);
  const start = picked[0]?.timestamp;
  const events: TraceEvent[] = picked.map((v, index) => ({
    index,
    at: v.timestamp,
    offsetMs: v.timestamp - start!,
    topic: v.topic,
    partition: v.partition,
    offset: v.offset,
    kind: v.kind,
    label: describeRecord(v),
    ...(v.correlationId ? { correlationId: v.correlationId } : {}),
    ...(v.agent ? { agent: v.agent } : {}),
    ...(v.method ? { method: v.method } : {}),
    ...(v.contextId ? { contextId: v.contextId } : {}),
    ...(v.taskId ? { taskId: v.taskId } : {}),
    ...(v.state ? { state: v.state } : {}),
    ...(v.text !== undefined ? { text: v.text } : {}),
  }));
  const hops: TraceHop[] = [];
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    hops.push({
      index: i - 1,
      from: a.index,
      to: b.index,
      fromAt: a.at,
      toAt: b.at,
      latencyMs: b.at - a.at,
      kind: `${a.kind}→${b.kind}`,
      label: `${short(a)} → ${short(b)}`,
    });
  }
  const outcomes = outcomesOf(picked);
  const requests: TraceRequest[] = [];
  const seen = new Set<string>();
  for (const v of picked) {
    if (v.kind !== 'request' || !v.correlationId || seen.has(v.correlationId)) continue;
    seen.add(v.correlationId);
    const o = outcomes.get(v.correlationId);
    // the reply topic is gone (its client closed): the task's snapshots on a2a.tasks still tell how it ended
    const settled = o?.final
      ? undefined
      : picked.find((s) => s.kind === 'snapshot' && s.timestamp >= v.timestamp && !!v.messageId && s.historyMessageIds?.includes(v.messageId) && SETTLED_STATES.has(s.state ?? ''));
    requests.push({
      correlationId: v.correlationId,
      method: v.method ?? 'UNKNOWN',
      ...(v.agent ? { agent: v.agent } : {}),
      topic: v.topic,
      at: v.timestamp,
      ...(v.text !== undefined ? { text: v.text } : {}),
      ...(o?.firstReplyAt !== undefined ? { firstReplyMs: o.firstReplyAt - v.timestamp } : {}),
      ...(o?.lastReplyAt !== undefined ? { lastReplyMs: o.lastReplyAt - v.timestamp } : {}),
      ...(o?.state ? { state: o.state } : {}),
      ...(settled ? { state: settled.state!, settledMs: settled.timestamp - v.timestamp } : {}),
      ...(o?.error ? { error: o.error } : {}),
      replies: o?.replies ?? 0,
    });
  }
  const stateChanges: StateChange[] = [];
  const lastState = new Map<string, string>();
  for (const v of picked) {
    if (!v.taskId || !v.state || v.kind === 'request') continue;
    if (lastState.get(v.taskId) === v.state) continue;
    lastState.set(v.taskId, v.state);
    stateChanges.push({
      taskId: v.taskId,
      state: v.state,
      at: v.timestamp,
      offsetMs: v.timestamp - start!,
      source: v.kind === 'snapshot' ? 'snapshot' : 'reply',
    });
  }
  const end = picked.at(-1)?.timestamp;
  return {
    query: id,
    contextIds: [...new Set(picked.map((v) => v.contextId).filter((x): x is string => !!x))],
    taskIds: [...new Set(picked.map((v) => v.taskId).filter((x): x is string => !!x))],
    ...(start !== undefined ? { start, end: end! } : {}),
    totalMs: start !== undefined ? end! - start : 0,
    events,
    hops,
    requests,
    stateChanges,
  };
}

function short(e: TraceEvent): string {
  switch (e.kind) {
    case 'request':
      return `${methodName(e.method ?? '')}→${e.agent ?? e.topic}`;
    case 'reply':
      return `reply${e.state ? ` ${e.state}` : ''} #${shortId(e.correlationId, 6)}`;
    case 'snapshot':
      return `snapshot ${e.state ?? ''}`.trim();
    default:
      return e.kind;
  }
}

export function formatTrace(t: Trace, clockOf: (ms: number) => string): string {
  if (t.events.length === 0) return `no records found for ${t.query}`;
  const lines: string[] = [];
  lines.push(
    `trace ${t.query}: ${t.events.length} records, ${t.requests.length} requests, ` +
      `contexts ${t.contextIds.map((c) => shortId(c)).join(',') || '-'}, tasks ${t.taskIds.map((x) => shortId(x)).join(',') || '-'}, span ${t.totalMs} ms`,
  );
  const tw = Math.max(...t.events.map((e) => e.topic.length));
  for (const e of t.events) {
    const hop = e.index === 0 ? '' : `+${t.hops[e.index - 1]!.latencyMs}`;
    lines.push(`  ${`${e.offsetMs}ms`.padStart(8)} ${hop.padStart(7)}  ${clockOf(e.at)} ${e.topic.padEnd(tw)}  ${e.label}`);
  }
  lines.push('', 'requests (latency from the request record):');
  for (const r of t.requests) {
    const first =
      r.firstReplyMs !== undefined ? `first reply ${r.firstReplyMs} ms` : r.settledMs !== undefined ? `no reply in the topics; task settled after ${r.settledMs} ms (a2a.tasks)` : 'no reply';
    const last = r.lastReplyMs !== undefined ? `, last reply ${r.lastReplyMs} ms` : '';
    lines.push(
      `  #${shortId(r.correlationId)} ${methodName(r.method)} → ${r.agent ?? r.topic}: ${first}${last}${r.state ? `, ${r.state}` : ''}${r.error ? `, error ${r.error.code}` : ''}`,
    );
  }
  if (t.stateChanges.length) {
    lines.push('', 'task state changes:');
    for (const s of t.stateChanges) lines.push(`  ${`${s.offsetMs}ms`.padStart(8)}  task ${shortId(s.taskId)} ${s.state} (${s.source})`);
  }
  return lines.join('\n');
}
