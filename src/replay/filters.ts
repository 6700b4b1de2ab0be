/**
 * Record filters shared by tail, replay and diff. Every given criterion must hold (AND); a record that lacks the
 * field a criterion looks at does not match it (a reply has no agent, a GetTask request has no context id).
 */
import type { RecordView } from './records.js';

export interface RecordFilter {
  contextId?: string;
  taskId?: string;
  agent?: string;
  skill?: string;
  /** Task state: COMPLETED or TASK_STATE_COMPLETED, any case. */
  state?: string;
  tenant?: string;
  /** A2A method: SEND_MESSAGE or SendMessage, any case. */
  method?: string;
  /** Regular expression (case-insensitive) over text, ids, topic and error message. */
  grep?: string;
  /** Record kinds to keep (request, reply, snapshot, …). */
  kinds?: readonly string[];
}

const norm = (s: string) => s.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
const normState = (s: string) => norm(s).replace(/^TASKSTATE/, '');

export function isEmptyFilter(f: RecordFilter): boolean {
  return Object.values(f).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}

export function compileFilter(f: RecordFilter): (v: RecordView) => boolean {
  const grep = f.grep ? new RegExp(f.grep, 'i') : undefined;
  const state = f.state ? normState(f.state) : undefined;
  const method = f.method ? norm(f.method) : undefined;
  const kinds = f.kinds && f.kinds.length ? new Set(f.kinds) : undefined;
  return (v) => {
    if (kinds && !kinds.has(v.kind)) return false;
    if (f.contextId !== undefined && v.contextId !== f.contextId) return false;
    if (f.taskId !== undefined && v.taskId !== f.taskId) return false;
    if (f.agent !== undefined && v.agent !== f.agent) return false;
    if (f.skill !== undefined && v.skill !== f.skill) return false;
    if (f.tenant !== undefined && v.tenant !== f.tenant) return false;
    if (state !== undefined && (v.state === undefined || normState(v.state) !== state)) return false;
    if (method !== undefined && (v.method === undefined || norm(v.method) !== method)) return false;
    if (grep) {
      const hay = [v.text, v.contextId, v.taskId, v.correlationId, v.messageId, v.topic, v.error?.message, v.decodeError]
        .filter(Boolean)
        .join('\n');
      if (!grep.test(hay)) return false;
    }
    return true;
  };
}

export function describeFilter(f: RecordFilter): string {
  const parts = Object.entries(f)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`);
  return parts.length ? parts.join(' ') : 'none';
}
