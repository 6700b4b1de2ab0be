/**
 * Per-agent, per-skill statistics computed from the topics themselves: request counts, latency percentiles
 * (request record timestamp → final reply record timestamp, matched by correlation id) and outcome rates (from
 * the final reply: an error, or the task state).
 */
import { classify, outcomesOf, type OutcomeClass } from './answers.js';
import { summarize } from './percentiles.js';
import type { RecordView } from './records.js';

export interface StatsRow {
  agent: string;
  skill: string;
  requests: number;
  /** Requests with a final reply (endOfStream) in the window. */
  answered: number;
  unanswered: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  meanMs?: number;
  /** Shares of the answered requests, 0..1: FAILED, REJECTED or an error reply. */
  failureRate: number;
  cancelRate: number;
  inputRequiredRate: number;
  outcomes: Partial<Record<OutcomeClass, number>>;
  /** Where the answered requests' outcomes came from: their final reply, or (reply topic gone) the task snapshots. */
  answeredFrom: { replies: number; tasks: number };
}

export interface StatsReport {
  since?: string;
  until: string;
  requests: number;
  rows: StatsRow[];
}

export interface RequestLatency {
  agent: string;
  skill: string;
  correlationId: string;
  requestAt: number;
  finalAt?: number;
  latencyMs?: number;
  outcome: OutcomeClass;
  /** The final reply, or the task's settled snapshot on `a2a.tasks` when the reply is not there. */
  source?: 'reply' | 'tasks';
}

/** States a turn ends in: the snapshot that first shows one is the request's outcome. */
const SETTLED: Record<string, OutcomeClass> = {
  COMPLETED: 'ok',
  FAILED: 'failed',
  CANCELED: 'canceled',
  REJECTED: 'rejected',
  INPUT_REQUIRED: 'input-required',
  AUTH_REQUIRED: 'auth-required',
};

/** messageId → snapshots (time order) of the task whose history holds it. */
function snapshotsByMessage(views: readonly RecordView[]): Map<string, RecordView[]> {
  const out = new Map<string, RecordView[]>();
  for (const v of views) {
    if (v.kind !== 'snapshot' || !v.historyMessageIds) continue;
    for (const id of v.historyMessageIds) {
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(v);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp);
  return out;
}

/** Each request with its latency and outcome (the rows of `computeStats`, before grouping). */
export function requestLatencies(views: readonly RecordView[]): RequestLatency[] {
  const outcomes = outcomesOf(views);
  const snapshots = snapshotsByMessage(views);
  const seen = new Set<string>();
  const out: RequestLatency[] = [];
  const requests = views.filter((v) => v.kind === 'request' && v.correlationId && v.agent).sort((a, b) => a.timestamp - b.timestamp);
  for (const r of requests) {
    if (seen.has(r.correlationId!)) continue; // the same request seen twice (ingress and agent topic): count once
    seen.add(r.correlationId!);
    const o = outcomes.get(r.correlationId!);
    const row: RequestLatency = {
      agent: r.agent!,
      skill: r.skill ?? '-',
      correlationId: r.correlationId!,
      requestAt: r.timestamp,
      outcome: classify(o),
    };
    if (o?.final && o.lastReplyAt !== undefined) {
      row.finalAt = o.lastReplyAt;
      row.latencyMs = o.lastReplyAt - r.timestamp;
      row.source = 'reply';
    } else if (r.messageId) {
      // the reply topic is gone (its client closed): the first settled snapshot after the request is the outcome
      const settled = snapshots.get(r.messageId)?.find((v) => v.timestamp >= r.timestamp && v.state !== undefined && SETTLED[v.state]);
      if (settled) {
        row.outcome = SETTLED[settled.state!]!;
        row.finalAt = settled.timestamp;
        row.latencyMs = settled.timestamp - r.timestamp;
        row.source = 'tasks';
      }
    }
    out.push(row);
  }
  return out;
}

export function computeStats(views: readonly RecordView[], opts: { since?: number; until?: number } = {}): StatsReport {
  const lat = requestLatencies(views).filter(
    (r) => (opts.since === undefined || r.requestAt >= opts.since) && (opts.until === undefined || r.requestAt < opts.until),
  );
  const groups = new Map<string, RequestLatency[]>();
  for (const r of lat) {
    const k = `${r.agent}\u0000${r.skill}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const rows: StatsRow[] = [];
  for (const g of groups.values()) {
    const answered = g.filter((r) => r.outcome !== 'unanswered');
    const s = summarize(answered.map((r) => r.latencyMs!));
    const count = (...c: OutcomeClass[]) => answered.filter((r) => c.includes(r.outcome)).length;
    const rate = (n: number) => (answered.length ? Math.round((n / answered.length) * 10_000) / 10_000 : 0);
    const outcomes: Partial<Record<OutcomeClass, number>> = {};
    for (const r of g) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    rows.push({
      agent: g[0]!.agent,
      skill: g[0]!.skill,
      requests: g.length,
      answered: answered.length,
      unanswered: g.length - answered.length,
      ...(s.p50 !== undefined ? { p50Ms: s.p50, p95Ms: s.p95!, p99Ms: s.p99!, maxMs: s.max!, meanMs: s.mean! } : {}),
      failureRate: rate(count('failed', 'rejected', 'error')),
      cancelRate: rate(count('canceled')),
      inputRequiredRate: rate(count('input-required')),
      outcomes,
      answeredFrom: { replies: g.filter((r) => r.source === 'reply').length, tasks: g.filter((r) => r.source === 'tasks').length },
    });
  }
  rows.sort((a, b) => a.agent.localeCompare(b.agent) || a.skill.localeCompare(b.skill));
  return {
    ...(opts.since !== undefined ? { since: new Date(opts.since).toISOString() } : {}),
    until: new Date(opts.until ?? Date.now()).toISOString(),
    requests: lat.length,
    rows,
  };
}
