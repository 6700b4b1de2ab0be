/**
 * What makes CancelTask and SubscribeToTask work whichever instance runs the task.
 * The SDK's event buses are per process; the shared `a2a.tasks` snapshots are not, so:
 * - a cancel handled by another instance lands as a CANCELED snapshot; the instance that runs the task sees it
 *   and asks its executor to stop (the executor then publishes its own final CANCELED status);
 * - a subscription handled by another instance follows the task's snapshots and turns each change into the
 *   status / artifact events the SDK would have streamed.
 */
import type { Artifact, StreamResponse, SubscribeToTaskRequest, Task } from '@a2a-js/sdk';
import { UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, AgentExecutor, ExecutionEventBusManager, ServerCallContext } from '@a2a-js/sdk/server';
import type { KafkaTaskStore, TaskUpdate } from './task-store.js';

const CANCELED = 5;
const TERMINAL = new Set([3, 4, 5, 7]);
const INTERRUPTED = new Set([6, 8]);

export function publishRemoteCancels(store: KafkaTaskStore, buses: ExecutionEventBusManager, executor: AgentExecutor): () => void {
  return store.onUpdate((u: TaskUpdate) => {
    if (!u.remote || u.task.status?.state !== CANCELED) return;
    const bus = buses.getByTaskId(u.task.id, undefined as never);
    if (bus) void Promise.resolve(executor.cancelTask(u.task.id, bus)).catch(() => {});
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Stream events that turn `before` into `after`. */
export function diffTask(before: Task, after: Task): StreamResponse[] {
  const out: StreamResponse[] = [];
  const byId = new Map<string, Artifact>((before.artifacts ?? []).map((a) => [a.artifactId, a]));
  for (const a of after.artifacts ?? []) {
    const prev = byId.get(a.artifactId);
    if (prev && same(prev, a)) continue;
    out.push({
      payload: { $case: 'artifactUpdate', value: { taskId: after.id, contextId: after.contextId, artifact: a, append: false, lastChunk: true, metadata: undefined } },
    });
  }
  if (!same(before.status, after.status)) {
    out.push({ payload: { $case: 'statusUpdate', value: { taskId: after.id, contextId: after.contextId, status: after.status, metadata: undefined } } });
  }
  return out;
}

export async function* followTaskFromStore(
  store: KafkaTaskStore,
  handler: A2ARequestHandler,
  params: SubscribeToTaskRequest,
  ctx: ServerCallContext,
): AsyncGenerator<StreamResponse, void, undefined> {
  const queue: Task[] = [];
  let wake: (() => void) | undefined;
  // subscribe before reading the current state, so no change slips between the two
  const off = store.onUpdate((u) => {
    if (u.taskId !== params.id) return;
    queue.push(u.task);
    wake?.();
  });
  try {
    let current = await handler.getTask({ id: params.id, tenant: params.tenant, historyLength: undefined }, ctx);
    const state = current.status?.state ?? 0;
    if (TERMINAL.has(state)) throw new UnsupportedOperationError(`Task ${params.id} is in a terminal state (${state}) and cannot be subscribed to.`);
    yield { payload: { $case: 'task', value: current } };
    if (INTERRUPTED.has(state)) return;
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const next = queue.shift()!;
      for (const ev of diffTask(current, next)) yield ev;
      current = next;
      const s = current.status?.state ?? 0;
      if (TERMINAL.has(s) || INTERRUPTED.has(s)) return;
    }
  } finally {
    off();
  }
}
