/**
 * Conversation lines: one readable line per record, for tail and replay.
 *   12:00:01.123 agent.echo.requests  → SendMessage ctx=ab12cd34 task=- #5f0c1a2b "hello"
 *   12:00:01.140 a2a.replies.3f2a9c1e  ← task 9f3e2a11 COMPLETED #5f0c1a2b "hello"
 */
import type { RecordView } from './records.js';

export const shortId = (id: string | undefined, n = 8): string => (id ? id.slice(0, n) : '-');

/** `SEND_MESSAGE` → `SendMessage`. */
export const methodName = (m: string): string =>
  m
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export function quote(text: string | undefined, max = 60): string {
  if (text === undefined) return '';
  const t = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return JSON.stringify(t);
}

/** Local wall-clock time with milliseconds (HH:MM:SS.mmm); `utc` for stable output. */
export function clock(ms: number, utc = false): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return utc
    ? `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`
    : `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface FormatOptions {
  /** Width the topic column is padded to. */
  topicWidth?: number;
  utc?: boolean;
  /** Show partition@offset after the topic. */
  offsets?: boolean;
}

/** The body of a line (without time and topic): arrow and what the record says. */
export function describeRecord(v: RecordView): string {
  const corr = v.correlationId ? ` #${shortId(v.correlationId)}` : '';
  const replay = v.replayOf ? ` (replay of ${v.replayOf})` : '';
  switch (v.kind) {
    case 'request': {
      const tenant = v.tenant ? ` tenant=${v.tenant}` : '';
      const skill = v.skill ? ` skill=${v.skill}` : '';
      const ids =
        v.method === 'SEND_MESSAGE' || v.method === 'SEND_STREAMING_MESSAGE' || v.method === 'LIST_TASKS'
          ? ` ctx=${shortId(v.contextId)} task=${shortId(v.taskId)}`
          : ` task=${shortId(v.taskId)}`;
      return `→ ${methodName(v.method ?? 'UNKNOWN')}${ids}${skill}${tenant}${corr} ${quote(v.text)}`.trimEnd() + replay;
    }
    case 'reply': {
      switch (v.resultCase) {
        case 'error':
          return `← error ${v.error?.code ?? ''}${corr} ${quote(v.error?.message, 80)}`;
        case 'end':
          return `← end of stream${corr}`;
        case 'task':
          return `← task ${shortId(v.taskId)} ${v.state ?? '-'}${corr} ${quote(v.text)}`.trimEnd();
        case 'message':
          return `← message ctx=${shortId(v.contextId)}${corr} ${quote(v.text)}`.trimEnd();
        case 'statusUpdate':
          return `← status task=${shortId(v.taskId)} ${v.state ?? '-'}${corr} ${quote(v.text)}`.trimEnd();
        case 'artifactUpdate': {
          const flags = [v.artifact?.append ? 'append' : '', v.artifact?.lastChunk ? 'last' : ''].filter(Boolean).join(',');
          return `← artifact task=${shortId(v.taskId)} ${v.artifact?.id ?? ''}${flags ? ` (${flags})` : ''}${corr} ${quote(v.text)}`.trimEnd();
        }
        default:
          return `← ${v.resultCase ?? 'reply'} ${methodName(v.method ?? '')}${corr}`;
      }
    }
    case 'snapshot':
      return `◆ snapshot task ${shortId(v.taskId)} ${v.state ?? '-'} ctx=${shortId(v.contextId)} ${quote(v.text)}`.trimEnd();
    case 'registration':
      return `◇ agent ${v.agent ?? '?'} ${v.state ?? ''} instance=${v.text ?? '?'}`;
    case 'tombstone':
      return `◇ tombstone key=${v.key ?? '-'}`;
    case 'undecodable':
      return `✗ undecodable at ${v.partition}@${v.offset}: ${v.decodeError ?? 'unknown error'}`;
    default:
      return `· ${v.recordType ?? 'record'}`;
  }
}

export function formatLine(v: RecordView, opts: FormatOptions = {}): string {
  const topic = opts.offsets ? `${v.topic}[${v.partition}@${v.offset}]` : v.topic;
  return `${clock(v.timestamp, opts.utc)} ${topic.padEnd(opts.topicWidth ?? 0)}  ${describeRecord(v)}`;
}
