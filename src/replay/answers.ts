/**
 * Folds the reply records of one request (matched by correlation id) into its outcome: the final task state,
 * the answer text, an error, and when the first and the last reply arrived.
 */
import type { RecordView } from './records.js';

export interface Outcome {
  correlationId: string;
  /** Last task state seen in the replies (COMPLETED, INPUT_REQUIRED, …); MESSAGE for a direct Message answer. */
  state?: string;
  /** Artifact text (appended chunks joined), else the last status / message text. */
  text?: string;
  error?: { code: number; message: string };
  taskId?: string;
  contextId?: string;
  firstReplyAt?: number;
  lastReplyAt?: number;
  /** True once the record with `endOfStream` was seen. */
  final: boolean;
  replies: number;
}

/** Outcome classes used by stats and diff. */
export type OutcomeClass =
  'ok' | 'failed' | 'canceled' | 'input-required' | 'auth-required' | 'rejected' | 'error' | 'unanswered' | 'other';

export function classify(o: Outcome | undefined): OutcomeClass {
  if (!o || !o.final) return 'unanswered';
  if (o.error) return 'error';
  switch (o.state) {
    case 'COMPLETED':
    case 'MESSAGE':
    case undefined:
      return 'ok';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
      return 'canceled';
    case 'INPUT_REQUIRED':
      return 'input-required';
    case 'AUTH_REQUIRED':
      return 'auth-required';
    case 'REJECTED':
      return 'rejected';
    default:
      return 'other';
  }
}

export class OutcomeBuilder {
  private readonly byId = new Map<string, { o: Outcome; artifacts: Map<string, string>; statusText?: string; otherText?: string }>();

  /** Feed reply records in sequence order (records of one request come from one producer, in order). */
  add(v: RecordView): void {
    if (v.kind !== 'reply' || !v.correlationId) return;
    let e = this.byId.get(v.correlationId);
    if (!e) {
      e = { o: { correlationId: v.correlationId, final: false, replies: 0 }, artifacts: new Map() };
      this.byId.set(v.correlationId, e);
    }
    const o = e.o;
    o.replies++;
    o.firstReplyAt = Math.min(o.firstReplyAt ?? v.timestamp, v.timestamp);
    o.lastReplyAt = Math.max(o.lastReplyAt ?? v.timestamp, v.timestamp);
    if (v.taskId) o.taskId = v.taskId;
    if (v.contextId) o.contextId = v.contextId;
    if (v.error) o.error = v.error;
    if (v.endOfStream) o.final = true;
    switch (v.resultCase) {
      case 'task':
        if (v.state) o.state = v.state;
        // a task carries its artifacts whole
        if (v.text !== undefined) e.otherText = v.text;
        break;
      case 'message':
        o.state ??= 'MESSAGE';
        if (o.state === 'MESSAGE') e.otherText = v.text ?? '';
        break;
      case 'statusUpdate':
        if (v.state) o.state = v.state;
        if (v.text !== undefined) e.statusText = v.text;
        break;
      case 'artifactUpdate': {
        const id = v.artifact?.id ?? '';
        e.artifacts.set(id, (v.artifact?.append ? (e.artifacts.get(id) ?? '') : '') + (v.text ?? ''));
        break;
      }
      default:
        break;
    }
    const art = [...e.artifacts.values()].join('');
    const text = art || e.otherText || e.statusText;
    if (text !== undefined) o.text = text;
  }

  get(correlationId: string): Outcome | undefined {
    return this.byId.get(correlationId)?.o;
  }

  all(): Outcome[] {
    return [...this.byId.values()].map((e) => e.o);
  }
}

export function outcomesOf(views: Iterable<RecordView>): OutcomeBuilder {
  const b = new OutcomeBuilder();
  const replies = [...views]
    .filter((v) => v.kind === 'reply')
    .sort((a, b2) => a.timestamp - b2.timestamp || (a.sequence ?? 0) - (b2.sequence ?? 0));
  for (const v of replies) b.add(v);
  return b;
}
