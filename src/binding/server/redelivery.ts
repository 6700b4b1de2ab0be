/**
 * Redelivered SendMessage requests: answered from the shared task store once settled, taken over (in the same
 * task) when the instance that ran them is dead.
 */
import type { Task } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { KafkaTaskStore, settledSince } from './task-store.js';

export interface RedeliveryOptions {
  store: KafkaTaskStore;
  /** A known task that does not change for this long is presumed orphaned even if its writer looks alive, ms. */
  takeoverAfterMs: number;
  /** How often the liveness of the task's last writer is checked while waiting, ms. Default 250. */
  livenessCheckMs?: number;
  /** The server's counters; `deduplicated` and `takenOver` are counted here. */
  stats: { deduplicated: number; takenOver: number };
}

/** What to do with a SendMessage: answer with a settled task, run it again inside a known task, or run it. */
export type Redelivery = { settled: Task } | { takeover: Task } | undefined;

/**
 * At-least-once delivery means a SendMessage can arrive again: after a rebalance, or twice at once. A messageId the
 * store already knows is not run again while its task settles. Once the instance that last wrote the task is no
 * longer alive (it left its task-store group: crashed or stopped), or the task has not changed for
 * `takeoverAfterMs`, the message runs again in the same task, so the request still ends with one terminal snapshot.
 */
export class RedeliveryGuard {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: RedeliveryOptions) {}

  async check(messageId: string, ctx: ServerCallContext): Promise<Redelivery> {
    const { store } = this.opts;
    // the same request arriving twice at once (redelivery during a rebalance) runs once
    const running = this.running.get(messageId);
    if (running) await running;
    const known = await store.findByMessageId(messageId, ctx);
    if (!known) return undefined;
    if (settledSince(known.task, known.firstSeenAt)) {
      this.opts.stats.deduplicated++;
      return { settled: known.task };
    }
    // it ran here and ended without settling (interrupted by a stop, a Message answer): run it again here
    if (running) return { takeover: known.task };
    const settled = await this.waitForRunner(known.task, known.firstSeenAt, known.context);
    if (settled) {
      this.opts.stats.deduplicated++;
      return { settled };
    }
    this.opts.stats.takenOver++;
    return { takeover: (await store.load(known.task.id, known.context)) ?? known.task };
  }

  /**
   * Follows the task until it settles (resolves the task) or its runner is gone (resolves undefined): the last
   * writer is no longer alive, or nothing changed for `takeoverAfterMs`.
   */
  private async waitForRunner(task: Task, since: number, context: ServerCallContext): Promise<Task | undefined> {
    const { store } = this.opts;
    const every = this.opts.livenessCheckMs ?? 250;
    let idleSince = Date.now();
    let done: Task | undefined;
    let wake: (() => void) | undefined;
    const off = store.onUpdate((u) => {
      if (u.taskId !== task.id) return;
      idleSince = Date.now();
      if (settledSince(u.task, since)) {
        done = u.task;
        wake?.();
      }
    });
    try {
      for (;;) {
        const now = await store.load(task.id, context);
        if (now && settledSince(now, since)) return now;
        if (done) return done;
        const writer = store.lastWriter(task.id);
        // written by an earlier life of this instance (same instance id) and not running now: orphaned
        if (writer === store.instanceId) return undefined;
        if (writer !== undefined && !(await store.isAlive(writer))) return undefined;
        if (Date.now() - idleSince >= this.opts.takeoverAfterMs) return undefined;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, every).unref();
        });
        if (done) return done;
      }
    } finally {
      off();
    }
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
