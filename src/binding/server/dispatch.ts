/** Calls the SDK's request handler for each A2A operation and hands what it returns to the reply path. */
import type { Message, StreamResponse, Task } from '@a2a-js/sdk';
import type { A2ARequestHandler, ExecutionEventBusManager, ServerCallContext } from '@a2a-js/sdk/server';
import type { A2ARequest, A2AResult } from '../../codec/mapping/envelopes.js';
import { followTaskFromStore } from './cross-instance.js';
import type { ErrorLog } from './errors.js';
import type { RedeliveryGuard } from './redelivery.js';
import type { ReplyPath, ReplyTarget } from './replies.js';
import { settledSince, type KafkaTaskStore } from './task-store.js';
import type { StreamEnds } from './stream-ends.js';

export interface Dispatcher {
  handler: A2ARequestHandler;
  busManager: ExecutionEventBusManager;
  store: KafkaTaskStore;
  redeliveries: RedeliveryGuard;
  replies: ReplyPath;
  log: ErrorLog;
  /** The handler relays to an agent elsewhere, which follows its own tasks (no snapshots here to follow). */
  relay?: boolean;
  /** Streams their callers ended (`kamf-end-stream`). */
  streamEnds: StreamEnds;
}

/** Writes a stream until it ends or its caller ends it; `drain`: read on unwritten (the events save the task). */
async function streamTo(d: Dispatcher, target: ReplyTarget | undefined, events: AsyncGenerator<StreamResponse, void, undefined>, drain: boolean): Promise<void> {
  if (!target) return d.replies.stream(target, events);
  const end = d.streamEnds.open(target.correlationId);
  try {
    await d.replies.stream(target, events, { signal: end.signal, drain });
  } finally {
    end.close();
  }
}

/**
 * Runs one request and replies to `target` (when the caller gave a reply topic). SDK errors are thrown. `answered`:
 * the request was answered before (a redelivered returnImmediately send): it only takes over a task whose runner died.
 */
export async function dispatch(d: Dispatcher, request: A2ARequest, ctx: ServerCallContext, target: ReplyTarget | undefined, answered = false): Promise<void> {
  const h = d.handler;
  const unary = (result: A2AResult) => d.replies.unary(target, result);
  switch (request.method) {
    case 'SEND_MESSAGE':
    case 'SEND_STREAMING_MESSAGE': {
      let params = request.params;
      const messageId = params.message?.messageId;
      const background = request.method === 'SEND_MESSAGE' && params.configuration?.returnImmediately === true;
      if (answered && (!background || !messageId)) return;
      const since = Date.now();
      if (messageId) {
        const seen = await d.redeliveries.check(messageId, ctx);
        if (answered && !(seen && 'takeover' in seen)) return;
        if (seen && 'settled' in seen) {
          const settled = seen.settled;
          if (request.method === 'SEND_MESSAGE') return unary({ $case: 'sendMessage', value: { payload: { $case: 'task', value: settled } } });
          return d.replies.stream(target, (async function* () {
            yield { payload: { $case: 'task' as const, value: settled } } satisfies StreamResponse;
          })());
        }
        // its runner died: run it again in the same task, so the request still ends in one terminal snapshot
        if (seen && params.message && !params.message.taskId) params = { ...params, message: { ...params.message, taskId: seen.takeover.id, contextId: seen.takeover.contextId } };
      }
      const run =
        request.method === 'SEND_MESSAGE'
          ? h.sendMessage(params, ctx).then(async (r: Message | Task) => {
              await unary({ $case: 'sendMessage', value: { payload: 'role' in r ? { $case: 'message', value: r } : { $case: 'task', value: r } } });
              // answered at once, but the work goes on here: the request stays open (its offset uncommitted) until
              // the task settles, so a crash mid-task brings it back and another instance takes the task over
              if (background && !('role' in r)) await settledHere(d, r, since, ctx);
            })
          : streamTo(d, target, h.sendMessageStream(params, ctx), true);
      if (!messageId) return run;
      return d.redeliveries.track(messageId, run);
    }
    case 'GET_TASK':
      return unary({ $case: 'task', value: await h.getTask(request.params, ctx) });
    case 'LIST_TASKS':
      return unary({ $case: 'listTasks', value: await h.listTasks(request.params, ctx) });
    case 'CANCEL_TASK':
      return unary({ $case: 'task', value: await h.cancelTask(request.params, ctx) });
    case 'SUBSCRIBE_TO_TASK': {
      const taskId = request.params.id;
      // the task may be running on another instance: then follow its snapshots instead of a local event bus
      const local = d.relay || d.busManager.getByTaskId(taskId, ctx);
      const events = local ? h.resubscribe(request.params, ctx) : followTaskFromStore(d.store, h, request.params, ctx);
      return streamTo(d, target, events, false);
    }
    case 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG':
      return unary({ $case: 'pushConfig', value: await h.createTaskPushNotificationConfig(request.params, ctx) });
    case 'GET_TASK_PUSH_NOTIFICATION_CONFIG':
      return unary({ $case: 'pushConfig', value: await h.getTaskPushNotificationConfig(request.params, ctx) });
    case 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS':
      return unary({ $case: 'listPushConfigs', value: await h.listTaskPushNotificationConfigs(request.params, ctx) });
    case 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG':
      await h.deleteTaskPushNotificationConfig(request.params, ctx);
      return unary({ $case: 'empty' });
    case 'GET_EXTENDED_AGENT_CARD':
      return unary({ $case: 'agentCard', value: await h.getAuthenticatedExtendedAgentCard(request.params, ctx) });
  }
}

/** Resolves once the task settles (terminal or interrupted) or its execution on this instance has ended. */
function settledHere(d: Dispatcher, task: Task, since: number, ctx: ServerCallContext): Promise<void> {
  const bus = d.busManager.getByTaskId(task.id, ctx);
  if (!bus || settledSince(task, since)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      off();
      bus.off('finished', done);
      resolve();
    };
    const off = d.store.onUpdate((u) => u.taskId === task.id && settledSince(u.task, since) && done());
    bus.on('finished', done);
  });
}
