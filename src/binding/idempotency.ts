/**
 * The idempotency key of one execution. At-least-once delivery means an executor can run twice for one request (its
 * instance crashed after the executor finished, before the result was written). Both runs see the same key: the
 * request's `messageId` (a client's retries reuse it) and the task id (a run that takes over a dead instance's
 * request continues the same task). Use it to make external side effects idempotent (docs/write-an-agent.md).
 */
import type { RequestContext } from '@a2a-js/sdk/server';

export function idempotencyKey(ctx: Pick<RequestContext, 'taskId' | 'userMessage'>): string {
  return `${ctx.taskId}/${ctx.userMessage.messageId}`;
}
