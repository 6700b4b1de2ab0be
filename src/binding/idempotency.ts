/**
 * The idempotency key of one request's execution. At-least-once delivery means an executor can run twice for one
 * request (its instance crashed after the executor finished, before the result was written). Every run sees the
 * same key: the request's `messageId` (a client's retries reuse it, a redelivery carries it, a takeover runs it
 * again), prefixed by the tenant when there is one. The task id is stable too when the crashed run had saved its
 * task (the takeover continues it), but not when it crashed before its first snapshot: use the key, not the task
 * id, to make external side effects idempotent (docs/write-an-agent.md).
 */
import type { RequestContext } from '@a2a-js/sdk/server';

export function idempotencyKey(ctx: Pick<RequestContext, 'userMessage'> & { context?: { tenant?: string | undefined } | undefined }): string {
  const tenant = ctx.context?.tenant;
  return tenant ? `${tenant}/${ctx.userMessage.messageId}` : ctx.userMessage.messageId;
}
