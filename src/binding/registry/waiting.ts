/** Waiting on a directory: `waitFor` (until an agent is live) and `watch` (its events as an async iterable). */
import type { EventEmitter } from 'node:events';
import type { KamfError } from '../../core/errors.js';
import type { DirectoryEventMap, WatchOptions } from './directory-types.js';
import type { DirectoryEvent, JoinedEvent, LiveAgent, RegistryView } from './view.js';

export interface WaitersOptions {
  /** Where the directory emits its events. */
  events: EventEmitter<DirectoryEventMap>;
  view: RegistryView;
  /** True once the directory has stopped. */
  stopped: () => boolean;
  closedError: (what: string) => KamfError;
  notFoundError: (agentName: string, timeoutMs: number) => KamfError;
}

/** The pending waitFor() calls and watch() iterations of one directory; closeAll() ends them when it stops. */
export class DirectoryWaiters {
  private readonly closers = new Set<() => void>();

  constructor(private readonly opts: WaitersOptions) {}

  /** Rejects every pending waitFor() and ends every watch(). */
  closeAll(): void {
    for (const close of [...this.closers]) close();
  }

  /**
   * Resolves with the agent as soon as it has a live instance; rejects with REGISTRY_AGENT_NOT_FOUND after
   * `timeoutMs`, with REGISTRY_CLOSED when the directory stops, or with the signal's reason.
   */
  waitFor(name: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<LiveAgent> {
    const { events, view } = this.opts;
    const known = view.agent(name);
    if (known) return Promise.resolve(known);
    if (this.opts.stopped()) return Promise.reject(this.opts.closedError(`waitFor("${name}")`));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<LiveAgent>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(this.opts.notFoundError(name, timeoutMs));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        events.off('joined', onJoined);
        this.closers.delete(onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const onJoined = (e: JoinedEvent) => {
        if (e.agentName !== name) return;
        const agent = view.agent(name);
        if (!agent) return;
        cleanup();
        resolve(agent);
      };
      const onClose = () => {
        cleanup();
        reject(this.opts.closedError(`waitFor("${name}")`));
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason as Error);
      };
      events.on('joined', onJoined);
      this.closers.add(onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Directory events as an async iterable. Listening starts when `watch()` is called (not at the first
   * `next()`); the iteration ends when the directory stops, the signal aborts, or the consumer breaks out.
   */
  watch(options: WatchOptions): AsyncIterableIterator<DirectoryEvent> {
    const { events, view } = this.opts;
    const queue: DirectoryEvent[] = options.replay ? [...view.snapshot()] : [];
    let done = this.opts.stopped();
    let wake: (() => void) | undefined;
    const push = (e: DirectoryEvent) => {
      queue.push(e);
      wake?.();
    };
    const finish = () => {
      if (done) return;
      done = true;
      events.off('joined', push);
      events.off('updated', push);
      events.off('left', push);
      this.closers.delete(finish);
      options.signal?.removeEventListener('abort', finish);
      wake?.();
    };
    if (!done) {
      events.on('joined', push);
      events.on('updated', push);
      events.on('left', push);
      this.closers.add(finish);
      if (options.signal?.aborted) finish();
      else options.signal?.addEventListener('abort', finish, { once: true });
    }
    const iterator: AsyncIterableIterator<DirectoryEvent> = {
      next: async (): Promise<IteratorResult<DirectoryEvent>> => {
        for (;;) {
          const e = queue.shift();
          if (e) return { value: e, done: false };
          if (done) return { value: undefined, done: true };
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<DirectoryEvent>> => {
        finish();
        queue.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
