/**
 * The in-memory view of `a2a.tasks`, kept compact: each task is held as its Avro body (a few hundred bytes) plus
 * the fields that filtering and sorting need, and decoded only when read. A live JS object graph per task would
 * cost ten times more, and the view holds every task the topic retains.
 *
 * Scoping, filtering, ordering and pagination follow the SDK's InMemoryTaskStore (tenant -> owner -> task; newest
 * status timestamp first, then id), so GetTask / ListTasks answer exactly as the SDK's own store would.
 */
import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk';
import { decodeBody, encodeBody, fromAvro, getRecordType, toAvro } from '../../codec/index.js';

/** The fields a task is found, filtered and ordered by. */
export interface TaskIndex {
  id: string;
  contextId: string;
  state: number;
  timestamp: string;
}

export const indexOf = (task: Task): TaskIndex => ({ id: task.id, contextId: task.contextId, state: task.status?.state ?? 0, timestamp: task.status?.timestamp ?? '' });

interface Entry extends TaskIndex {
  body: Buffer;
  /** Its tenant and owner (`scope()`), so a task found by id alone can be removed from its scope. */
  scope: string;
}

const DEFAULT_PAGE_SIZE = 50;

export class CompactTaskView {
  private readonly scopes = new Map<string, Map<string, Entry>>();
  /** Every entry by task id: expiry and tombstones name a task by id alone. */
  private readonly byId = new Map<string, Entry>();

  private static scope(tenant: string | undefined, owner: string): string {
    return `${tenant ?? ''}\u0000${owner}`;
  }

  put(task: Task, tenant: string | undefined, owner: string): void {
    this.putBody(indexOf(task), encodeBody('Task', toAvro('Task', task)), tenant, owner);
  }

  /** `put` with the task's Avro body already encoded (`encodeBody('Task', ...)`). */
  putBody(index: TaskIndex, body: Buffer, tenant: string | undefined, owner: string): void {
    const scope = CompactTaskView.scope(tenant, owner);
    const before = this.byId.get(index.id);
    if (before?.scope === scope) {
      // the task saved again (three times for a short one): its entry is updated in place, no map is written
      before.contextId = index.contextId;
      before.state = index.state;
      before.timestamp = index.timestamp;
      before.body = body;
      return;
    }
    // one id, one scope: a snapshot that moves a task to another scope takes it out of the old one
    if (before) this.remove(index.id);
    let bucket = this.scopes.get(scope);
    if (!bucket) this.scopes.set(scope, (bucket = new Map()));
    const entry = { id: index.id, contextId: index.contextId, state: index.state, timestamp: index.timestamp, body, scope };
    bucket.set(index.id, entry);
    this.byId.set(index.id, entry);
  }

  get(taskId: string, tenant: string | undefined, owner: string): Task | undefined {
    const e = this.byId.get(taskId);
    return e && e.scope === CompactTaskView.scope(tenant, owner) ? decode(e) : undefined;
  }

  /** Drops the task from every scope; false when it was not held. */
  remove(taskId: string): boolean {
    const e = this.byId.get(taskId);
    if (!e) return false;
    this.byId.delete(taskId);
    const bucket = this.scopes.get(e.scope);
    bucket?.delete(taskId);
    if (bucket?.size === 0) this.scopes.delete(e.scope);
    return true;
  }

  /** The index fields of every task held, in no particular order. */
  indexes(): IterableIterator<TaskIndex> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  list(params: ListTasksRequest, tenant: string | undefined, owner: string): ListTasksResponse {
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    let entries = [...(this.scopes.get(CompactTaskView.scope(tenant, owner))?.values() ?? [])];
    if (params.contextId) entries = entries.filter((e) => e.contextId === params.contextId);
    if (params.status !== undefined && params.status !== 0) entries = entries.filter((e) => e.state === params.status);
    if (params.statusTimestampAfter) {
      const after = new Date(params.statusTimestampAfter).getTime();
      entries = entries.filter((e) => e.timestamp && new Date(e.timestamp).getTime() > after);
    }
    entries.sort((a, b) => (b.timestamp !== a.timestamp ? b.timestamp.localeCompare(a.timestamp) : b.id.localeCompare(a.id)));
    const totalSize = entries.length;
    if (params.pageToken) {
      const cursor = decodeToken(params.pageToken);
      const at = cursor ? entries.findIndex((e) => e.timestamp === cursor.timestamp && e.id === cursor.id) : -1;
      entries = at === -1 ? [] : entries.slice(at + 1);
    }
    const page = entries.slice(0, pageSize);
    const tasks = page.map((e) => {
      const t = decode(e);
      if (!params.includeArtifacts) t.artifacts = [];
      return t;
    });
    const last = page.at(-1);
    const nextPageToken = last && entries.length > page.length ? encodeToken(last.timestamp, last.id) : '';
    return { tasks, nextPageToken, pageSize, totalSize };
  }
}

function decode(e: Pick<Entry, 'body'>): Task {
  return fromAvro('Task', decodeBody(getRecordType('Task'), e.body));
}

/** A fresh Task from a body `putBody` took. */
export const taskOfBody = (body: Buffer): Task => decode({ body });

const encodeToken = (timestamp: string, id: string) => Buffer.from(JSON.stringify({ timestamp, id })).toString('base64url');

function decodeToken(token: string): { timestamp: string; id: string } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { timestamp?: unknown; id?: unknown };
    return typeof v.timestamp === 'string' && typeof v.id === 'string' ? { timestamp: v.timestamp, id: v.id } : undefined;
  } catch {
    return undefined;
  }
}
