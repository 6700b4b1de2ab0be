/** Redelivered SendMessage requests: answered from the shared task store once settled, taken over when their runner died. */
import type { Task } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { KafkaTaskStore, settledSince } from './task-store.js';

export interface RedeliveryOptions {
  store: KafkaTaskStore;
  /** A known task that does not change for this long is presumed orphaned (its runner died), ms. */
  takeoverAfterMs: number;
  /** The server's counters; `deduplicated` and `takenOver` are counted here. */
  stats: { deduplicated: number; takenOver: number };
}

/**
 * At-least-once delivery means a SendMessage can arrive again: after a rebalance, or twice at once. A messageId the
 * store already knows is not run again while its task settles; only a task that stops changing altogether is run
 * again (taken over).
 */
export class RedeliveryGuard {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: RedeliveryOptions) {}

  /**
   * The settled task to answer a redelivered message with, or undefined when the message must run. Before a
   * first turn is taken over, its orphaned task is closed (FAILED) so it does not stay WORKING.
   */
  async settled(messageId: string, taskId: string | undefined, ctx: ServerCallContext): Promise<Task | undefined> {
    const { store } = this.opts;
    // the same request arriving twice at once (redelivery during a rebalance) runs once
    const running = this.running.get(messageId);
    if (running) await running;
    const known = await store.findByMessageId(messageId, ctx);
    // seen before but not settled: after a rebalance the previous owner may still be running it, so wait for
    // it to finish; only when the task stops changing altogether is it taken over (its runner died)
    const settled = !known
      ? undefined
      : settledSince(known.task, known.firstSeenAt)
        ? known.task
        : running
          ? undefined
          : await store.waitForSettled(known.task.id, known.firstSeenAt, known.context, this.opts.takeoverAfterMs);
    if (settled) {
      this.opts.stats.deduplicated++;
      return settled;
    }
    if (known && !taskId) {
      // taking over a first turn: the new run makes a new task, so close the orphan instead of leaving it WORKING
      this.opts.stats.takenOver++;
      await store.save(
        { ...known.task, status: { state: 4, message: undefined, timestamp: new Date().toISOString() }, metadata: { ...known.task.metadata, 'kamf.interrupted': 'its instance stopped; the request was run again' } },
        known.context,
      );
    }
    return undefined;
  }

  /** Awaits `run`, marked as running for `messageId` meanwhile, so a duplicate arriving now waits for it. */
  async track(messageId: string, run: Promise<void>): Promise<void> {
    this.running.set(messageId, run.then(() => {}, () => {}));
    try {
      return await run;
    } finally {
      this.running.delete(messageId);
    }
  }
}
