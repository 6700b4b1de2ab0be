/**
 * One decoded record, seen the way the analysis commands need it: what kind of A2A record it is, and the ids
 * (correlation, context, task), state and text that filters, conversation lines, traces and stats work with.
 * Decoding goes through the registry (`A2ACodec.decodeAny`); a record that does not decode becomes an
 * `undecodable` view with the reason, never an exception.
 */
import { taskStateToJSON, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { A2ACodec, A2AMethod, A2ARequest, A2AResponse, AgentRegistration, TaskSnapshot } from '../codec/index.js';
import { HEADERS } from '../binding/protocol.js';
import { agentOfTopic } from './topics.js';
import type { RawRecord } from './window.js';

export type RecordKind = 'request' | 'reply' | 'snapshot' | 'registration' | 'tombstone' | 'other' | 'undecodable';

export interface RecordView {
  kind: RecordKind;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  recordType?: string;
  /** Agent name: from `agent.<name>.requests*`, else the `kamf-target-agent` header. */
  agent?: string;
  skill?: string;
  tenant?: string;
  method?: A2AMethod;
  /** Requests: the request id; replies: `kamf-correlation-id` (or the envelope's requestId). */
  correlationId?: string;
  contextId?: string;
  taskId?: string;
  messageId?: string;
  /** Task state without the prefix: COMPLETED, INPUT_REQUIRED, … */
  state?: string;
  text?: string;
  /** Replies: which result the record carries (task, message, statusUpdate, artifactUpdate, …, end). */
  resultCase?: string;
  sequence?: number;
  endOfStream?: boolean;
  error?: { code: number; message: string };
  artifact?: { id: string; append: boolean; lastChunk: boolean };
  replyTo?: string;
  replayOf?: string;
  /** Snapshots: the messageIds in the task's history (joins a first request that had no context id yet). */
  historyMessageIds?: string[];
  /** Undecodable records: why. */
  decodeError?: string;
  /** The decoded SDK value (A2ARequest, A2AResponse, TaskSnapshot, …). */
  value?: unknown;
}

export const stateName = (state: number | undefined): string | undefined => {
  if (state === undefined || state === 0) return undefined;
  return taskStateToJSON(state).replace(/^TASK_STATE_/, '');
};

export const partsText = (parts: readonly Part[] | undefined): string =>
  (parts ?? [])
    .map((p) => (p.content?.$case === 'text' ? p.content.value : p.content?.$case === 'data' ? JSON.stringify(p.content.value) : ''))
    .join('');

const messageText = (m: Message | undefined): string | undefined => (m ? partsText(m.parts) : undefined);

/** What a task says: its artifacts' text, else its status message. */
export function taskText(t: Task): string | undefined {
  const art = t.artifacts.map((a) => partsText(a.parts)).join('');
  return art || messageText(t.status?.message) || undefined;
}

function base(r: RawRecord): RecordView {
  const h = r.headers;
  const agent = agentOfTopic(r.topic) ?? h[HEADERS.target];
  return {
    kind: 'other',
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    headers: h,
    ...(agent ? { agent } : {}),
    ...(h[HEADERS.skill] ? { skill: h[HEADERS.skill] } : {}),
    ...(h[HEADERS.tenant] ? { tenant: h[HEADERS.tenant] } : {}),
    ...(h[HEADERS.replyTo] ? { replyTo: h[HEADERS.replyTo] } : {}),
    ...(h[HEADERS.replayOf] ? { replayOf: h[HEADERS.replayOf] } : {}),
  };
}

export async function decodeRecord(codec: A2ACodec, r: RawRecord): Promise<RecordView> {
  const v = base(r);
  if (r.value === null || r.value.length === 0) return { ...v, kind: 'tombstone' };
  let decoded;
  try {
    decoded = await codec.decodeAny(r.value);
  } catch (err) {
    return {
      ...v,
      kind: 'undecodable',
      decodeError: `${(err as { code?: string }).code ? `${(err as { code: string }).code}: ` : ''}${(err as Error).message}`,
    };
  }
  v.recordType = decoded.recordType;
  v.value = decoded.value;
  switch (decoded.recordType) {
    case 'A2ARequest':
      return Object.assign(v, requestFields(decoded.value as A2ARequest));
    case 'A2AResponse':
      return Object.assign(v, replyFields(decoded.value as A2AResponse, r.headers[HEADERS.correlationId]));
    case 'TaskSnapshot': {
      const s = decoded.value as TaskSnapshot;
      return Object.assign(v, {
        kind: 'snapshot' as const,
        taskId: s.task.id,
        contextId: s.task.contextId,
        ...(s.tenant ? { tenant: s.tenant } : {}),
        ...opt('state', stateName(s.task.status?.state)),
        ...opt('text', taskText(s.task)),
        historyMessageIds: s.task.history.map((m) => m.messageId).filter(Boolean),
      });
    }
    case 'AgentRegistration': {
      const a = decoded.value as AgentRegistration;
      return Object.assign(v, { kind: 'registration' as const, agent: a.agentName, state: a.status, text: a.instanceId });
    }
    default:
      return v;
  }
}

function opt<K extends string, T>(k: K, value: T | undefined): { [P in K]?: T } {
  return (value === undefined || value === '' ? {} : { [k]: value }) as { [P in K]?: T };
}

export function requestFields(req: A2ARequest): Partial<RecordView> {
  const out: Partial<RecordView> = { kind: 'request', method: req.method, correlationId: req.requestId };
  if (req.tenant) out.tenant = req.tenant;
  switch (req.method) {
    case 'SEND_MESSAGE':
    case 'SEND_STREAMING_MESSAGE': {
      const m = req.params.message;
      Object.assign(
        out,
        opt('contextId', m?.contextId),
        opt('taskId', m?.taskId),
        opt('messageId', m?.messageId),
        opt('text', messageText(m)),
      );
      if (!out.tenant && req.params.tenant) out.tenant = req.params.tenant;
      break;
    }
    case 'GET_TASK':
    case 'CANCEL_TASK':
    case 'SUBSCRIBE_TO_TASK':
      Object.assign(out, opt('taskId', req.params.id));
      break;
    case 'LIST_TASKS':
      Object.assign(out, opt('contextId', req.params.contextId));
      break;
    case 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG':
    case 'GET_TASK_PUSH_NOTIFICATION_CONFIG':
    case 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS':
    case 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG':
      Object.assign(out, opt('taskId', req.params.taskId));
      break;
    default:
      break;
  }
  return out;
}

export function replyFields(res: A2AResponse, headerCorrelation: string | undefined): Partial<RecordView> {
  const out: Partial<RecordView> = {
    kind: 'reply',
    method: res.method,
    correlationId: headerCorrelation ?? res.requestId,
    sequence: res.sequence,
    endOfStream: res.endOfStream,
    resultCase: 'end',
  };
  if (res.error) {
    out.error = { code: res.error.code, message: res.error.message };
    out.resultCase = 'error';
  }
  const r = res.result;
  if (!r) return out;
  out.resultCase = r.$case;
  switch (r.$case) {
    case 'sendMessage': {
      const p = r.value.payload;
      if (p?.$case === 'task') Object.assign(out, taskFields(p.value), { resultCase: 'task' });
      else if (p?.$case === 'message') Object.assign(out, messageFields(p.value), { resultCase: 'message' });
      break;
    }
    case 'streamResponse':
      Object.assign(out, streamFields(r.value));
      break;
    case 'task':
      Object.assign(out, taskFields(r.value));
      break;
    default:
      break;
  }
  return out;
}

function taskFields(t: Task): Partial<RecordView> {
  return { taskId: t.id, contextId: t.contextId, ...opt('state', stateName(t.status?.state)), ...opt('text', taskText(t)) };
}

function messageFields(m: Message): Partial<RecordView> {
  return { ...opt('contextId', m.contextId), ...opt('taskId', m.taskId), ...opt('messageId', m.messageId), ...opt('text', messageText(m)) };
}

function streamFields(s: StreamResponse): Partial<RecordView> {
  const p = s.payload;
  switch (p?.$case) {
    case 'task':
      return { ...taskFields(p.value), resultCase: 'task' };
    case 'message':
      return { ...messageFields(p.value), resultCase: 'message' };
    case 'statusUpdate':
      return {
        resultCase: 'statusUpdate',
        taskId: p.value.taskId,
        contextId: p.value.contextId,
        ...opt('state', stateName(p.value.status?.state)),
        ...opt('text', messageText(p.value.status?.message)),
      };
    case 'artifactUpdate':
      return {
        resultCase: 'artifactUpdate',
        taskId: p.value.taskId,
        contextId: p.value.contextId,
        ...opt('text', partsText(p.value.artifact?.parts)),
        artifact: { id: p.value.artifact?.artifactId ?? '', append: p.value.append, lastChunk: p.value.lastChunk },
      };
    default:
      return { resultCase: 'stream' };
  }
}

/** A JSON-safe form of a view (bytes as base64, no `undefined`), for `--json` and JSON Lines. */
export function viewToJson(v: RecordView, withValue = true): Record<string, unknown> {
  const { value, ...rest } = v;
  const out: Record<string, unknown> = { ...rest, time: new Date(v.timestamp).toISOString() };
  if (withValue && value !== undefined) out.value = jsonSafe(value);
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

export function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, x: unknown) => {
      if (x instanceof Uint8Array) return { base64: Buffer.from(x).toString('base64') };
      if (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data)) {
        return { base64: Buffer.from((x as { data: number[] }).data).toString('base64') };
      }
      if (typeof x === 'bigint') return x.toString();
      return x;
    }),
  );
}

/** Decodes many records in order (the registry is asked once per schema id; the rest is cached). */
export async function decodeAll(codec: A2ACodec, records: readonly RawRecord[]): Promise<RecordView[]> {
  const out: RecordView[] = [];
  for (const r of records) out.push(await decodeRecord(codec, r));
  return out;
}
