/**
 * The embedded engine's RxJS operators: small, pure (no Kafka, no clocks but the scheduler passed in), and tested
 * with marbles (test/unit/router/operators.test.ts).
 *
 * None of them bounds its own input: what bounds them is the engine's in-flight window (consumer pause/resume),
 * so at most `maxInFlight` records are anywhere in these operators at once.
 */
import { KamfError } from '../core/errors.js';
import { Observable, Subscription, asapScheduler, asyncScheduler, from, type MonoTypeOperatorFunction, type ObservableInput, type OperatorFunction, type SchedulerLike } from 'rxjs';

/** FIFO per priority level; lower number = served first. */
export class PriorityQueue<T> {
  private readonly levels = new Map<number, { items: T[]; head: number }>();
  private order: number[] = [];
  private count = 0;

  push(item: T, priority = 0): void {
    let level = this.levels.get(priority);
    if (!level) {
      level = { items: [], head: 0 };
      this.levels.set(priority, level);
      this.order = [...this.levels.keys()].sort((a, b) => a - b);
    }
    level.items.push(item);
    this.count++;
  }

  shift(): T | undefined {
    for (const p of this.order) {
      const level = this.levels.get(p)!;
      if (level.head < level.items.length) {
        const item = level.items[level.head]!;
        level.items[level.head++] = undefined as T;
        if (level.head > 1024 && level.head * 2 > level.items.length) {
          level.items = level.items.slice(level.head);
          level.head = 0;
        }
        this.count--;
        return item;
      }
    }
    return undefined;
  }

  get size(): number {
    return this.count;
  }
}

export interface RateLimitOptions<T> {
  /** Sustained rate; Infinity (or <= 0) turns the limiter off. */
  perSecond: number;
  /** Tokens that may be spent at once after a quiet period. Default 1. */
  burst?: number;
  /** Which waiting item goes first when a token frees up: lower = sooner. Default: all equal (FIFO). */
  priorityOf?: (item: T) => number;
}

/**
 * Token-bucket rate limit with priority: items wait in a priority queue and leave one per token, highest
 * priority first, FIFO within a priority. Completes when the source has completed and the queue is empty.
 */
export function rateLimit<T>(options: RateLimitOptions<T>, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  const { perSecond, priorityOf } = options;
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return (source) => source;
  const interval = 1000 / perSecond;
  const burst = Math.max(1, options.burst ?? 1);
  return (source) =>
    new Observable<T>((subscriber) => {
      const queue = new PriorityQueue<T>();
      let tokens = burst;
      let last = scheduler.now();
      let timer: Subscription | undefined;
      let done = false;
      const drain = () => {
        const now = scheduler.now();
        tokens = Math.min(burst, tokens + (now - last) / interval);
        last = now;
        while (queue.size > 0 && tokens >= 1 - 1e-9) {
          tokens -= 1;
          subscriber.next(queue.shift()!);
        }
        if (queue.size > 0 && !timer) {
          timer = scheduler.schedule(() => {
            timer = undefined;
            drain();
          }, Math.max(0, (1 - tokens) * interval));
        }
        if (done && queue.size === 0) subscriber.complete();
      };
      const sub = source.subscribe({
        next: (item) => {
          queue.push(item, priorityOf?.(item) ?? 0);
          drain();
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          done = true;
          drain();
        },
      });
      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

/**
 * Batches for produce: emits when `maxSize` items are collected or `maxWaitMs` after the first item of a batch
 * (0 = at the end of the current synchronous burst), and flushes what is left when the source completes.
 */
export function batchWithin<T>(
  maxSize: number,
  maxWaitMs: number,
  // 0 ms on asyncScheduler is a setInterval, which Node holds for at least 1 ms: asap ends the burst in a microtask
  scheduler: SchedulerLike = maxWaitMs > 0 ? asyncScheduler : asapScheduler,
): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let timer: Subscription | undefined;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        subscriber.next(batch);
      };
      const sub = source.subscribe({
        next: (item) => {
          buffer.push(item);
          if (buffer.length >= maxSize) flush();
          else if (!timer) timer = scheduler.schedule(flush, maxWaitMs);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

/**
 * mergeMap with bounded concurrency where the items waiting for a slot are started highest priority first
 * (lower number first, FIFO within a priority), instead of mergeMap's FIFO buffer.
 */
export function priorityMergeMap<T, R>(
  project: (item: T) => ObservableInput<R>,
  options: { concurrency: number; priorityOf: (item: T) => number },
): OperatorFunction<T, R> {
  const { concurrency, priorityOf } = options;
  if (!(concurrency >= 1)) throw new KamfError('CONFIG_INVALID', `concurrency must be >= 1, got ${concurrency}`);
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue = new PriorityQueue<T>();
      const inner = new Subscription();
      let active = 0;
      let done = false;
      const pump = () => {
        while (active < concurrency && queue.size > 0) {
          const item = queue.shift()!;
          active++;
          const holder = new Subscription();
          inner.add(holder);
          holder.add(
            from(project(item)).subscribe({
              next: (r) => subscriber.next(r),
              error: (err) => subscriber.error(err),
              complete: () => {
                active--;
                inner.remove(holder);
                pump();
              },
            }),
          );
        }
        if (done && active === 0 && queue.size === 0) subscriber.complete();
      };
      const sub = source.subscribe({
        next: (item) => {
          queue.push(item, priorityOf(item));
          pump();
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          done = true;
          pump();
        },
      });
      return () => {
        sub.unsubscribe();
        inner.unsubscribe();
      };
    });
}

/** Stable shard of a key (per-key order: one shard produces one batch at a time). Null keys go round-robin. */
export function shardOf(key: Buffer | string | null | undefined, shards: number, fallback: number): number {
  if (shards <= 1) return 0;
  if (key === null || key === undefined) return fallback % shards;
  const buf = typeof key === 'string' ? Buffer.from(key) : key;
  let h = 2166136261;
  for (const b of buf) h = Math.imul(h ^ b, 16777619);
  return (h >>> 0) % shards;
}
