/**
 * `kamf diff`: replay a window of recorded requests into a second agent and compare its answers with the
 * recorded ones (from the reply topics, matched by the original correlation id): same or different final state
 * and text, per request and in summary.
 */
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import { outcomesOf, type Outcome } from './answers.js';
import type { RecordFilter } from './filters.js';
import { inject, type InjectReport } from './inject.js';
import type { ProgressBar } from './progress.js';
import { readViews } from './read.js';
import type { RecordView } from './records.js';
import type { WindowSpec } from './window.js';

export interface AnswerSummary {
  state?: string;
  text?: string;
  error?: { code: number; message: string };
}

export interface DiffRow {
  source: { topic: string; partition: number; offset: number; requestId: string };
  replayRequestId?: string;
  method?: string;
  request?: string;
  recorded?: AnswerSummary;
  replayed?: AnswerSummary;
  sameState: boolean;
  sameText: boolean;
  /** same | state-changed | text-changed | no-recorded-answer | no-replayed-answer */
  verdict: 'same' | 'state-changed' | 'text-changed' | 'no-recorded-answer' | 'no-replayed-answer';
}

export interface DiffSummary {
  requests: number;
  same: number;
  stateChanged: number;
  textChanged: number;
  noRecordedAnswer: number;
  noReplayedAnswer: number;
  /** e.g. { "COMPLETED→FAILED": 2 } */
  transitions: Record<string, number>;
}

export interface DiffReport {
  source: string;
  target: string;
  replyTopic?: string;
  summary: DiffSummary;
  rows: DiffRow[];
}

const answerOf = (o: Outcome | undefined): AnswerSummary | undefined => {
  if (!o || !o.final) return undefined;
  return {
    ...(o.state ? { state: o.state } : {}),
    ...(o.text !== undefined ? { text: o.text } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
};
const stateOf = (a: AnswerSummary): string => (a.error ? `ERROR ${a.error.code}` : (a.state ?? '-'));

/** Pairs each recorded request with its recorded and its replayed answer. Pure. */
export function compareAnswers(
  pairs: ReadonlyArray<{ request: RecordView; recorded?: Outcome; replayed?: Outcome; replayRequestId?: string }>,
): { rows: DiffRow[]; summary: DiffSummary } {
  const summary: DiffSummary = {
    requests: pairs.length,
    same: 0,
    stateChanged: 0,
    textChanged: 0,
    noRecordedAnswer: 0,
    noReplayedAnswer: 0,
    transitions: {},
  };
  const rows: DiffRow[] = [];
  for (const p of pairs) {
    const recorded = answerOf(p.recorded);
    const replayed = answerOf(p.replayed);
    let verdict: DiffRow['verdict'];
    let sameState = false;
    let sameText = false;
    if (!recorded) verdict = 'no-recorded-answer';
    else if (!replayed) verdict = 'no-replayed-answer';
    else {
      sameState = stateOf(recorded) === stateOf(replayed);
      sameText = (recorded.text ?? '') === (replayed.text ?? '');
      verdict = !sameState ? 'state-changed' : !sameText ? 'text-changed' : 'same';
      if (!sameState) {
        const k = `${stateOf(recorded)}→${stateOf(replayed)}`;
        summary.transitions[k] = (summary.transitions[k] ?? 0) + 1;
      }
    }
    if (verdict === 'same') summary.same++;
    else if (verdict === 'state-changed') summary.stateChanged++;
    else if (verdict === 'text-changed') summary.textChanged++;
    else if (verdict === 'no-recorded-answer') summary.noRecordedAnswer++;
    else summary.noReplayedAnswer++;
    rows.push({
      source: {
        topic: p.request.topic,
        partition: p.request.partition,
        offset: p.request.offset,
        requestId: p.request.correlationId ?? '',
      },
      ...(p.replayRequestId ? { replayRequestId: p.replayRequestId } : {}),
      ...(p.request.method ? { method: p.request.method } : {}),
      ...(p.request.text !== undefined ? { request: p.request.text } : {}),
      ...(recorded ? { recorded } : {}),
      ...(replayed ? { replayed } : {}),
      sameState,
      sameText,
      verdict,
    });
  }
  return { rows, summary };
}

export interface DiffOptions {
  kafka: Kafka;
  codec: A2ACodec;
  source: string;
  target: string;
  window: WindowSpec;
  filter?: RecordFilter;
  /** Where the recorded answers are (default `a2a.replies.*`). */
  replyTopics?: readonly string[];
  rate?: number;
  waitMs?: number;
  progress?: ProgressBar;
}

export async function runDiff(o: DiffOptions): Promise<DiffReport> {
  const { views } = await readViews({
    kafka: o.kafka,
    codec: o.codec,
    topics: [o.source],
    window: o.window,
    filter: { ...o.filter, kinds: ['request'] },
    ...(o.progress ? { progress: o.progress } : {}),
  });
  const requests = views.filter((v) => v.kind === 'request');
  let recorded = outcomesOf([]);
  if (requests.length) {
    const since = Math.min(...requests.map((r) => r.timestamp));
    const replies = await readViews({
      kafka: o.kafka,
      codec: o.codec,
      topics: o.replyTopics ?? ['a2a.replies.*'],
      window: { from: { kind: 'time', ms: since } },
      filter: { kinds: ['reply'] },
      requireTopics: false,
    });
    recorded = outcomesOf(replies.views);
  }
  o.progress?.start(requests.length, 'replaying');
  const report: InjectReport = await inject({
    kafka: o.kafka,
    codec: o.codec,
    into: o.target,
    records: requests,
    ...(o.rate ? { rate: o.rate } : {}),
    ...(o.waitMs ? { waitMs: o.waitMs } : {}),
    onSent: (n) => o.progress?.update(n),
  }).finally(() => o.progress?.stop());
  const bySource = new Map(report.records.map((r) => [`${r.source.topic}/${r.source.partition}/${r.source.offset}`, r]));
  const pairs = requests.map((request) => {
    const rec = bySource.get(`${request.topic}/${request.partition}/${request.offset}`);
    const answer = recorded.get(request.correlationId ?? '');
    return {
      request,
      ...(answer ? { recorded: answer } : {}),
      ...(rec?.outcome ? { replayed: rec.outcome } : {}),
      ...(rec ? { replayRequestId: rec.requestId } : {}),
    };
  });
  const { rows, summary } = compareAnswers(pairs);
  return { source: o.source, target: o.target, ...(report.replyTopic ? { replyTopic: report.replyTopic } : {}), summary, rows };
}
