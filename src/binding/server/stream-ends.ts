/**
 * Streams being written, by correlation id, and the ends their callers asked for (a `kamf-end-stream` control
 * record). An end can be read before its stream has started (both sit in one partition, and a request is decoded
 * asynchronously), so ends are kept for a minute and a stream that opens after its end is ended at once.
 */
const KEEP_MS = 60_000;

export class StreamEnds {
  private readonly streams = new Map<string, AbortController>();
  private readonly asked = new Map<string, number>();

  /** The signal that aborts when the caller ends the stream; `close` when the stream ended by itself. */
  open(correlationId: string): { signal: AbortSignal; close: () => void } {
    const controller = new AbortController();
    if (this.asked.delete(correlationId)) controller.abort();
    else this.streams.set(correlationId, controller);
    return { signal: controller.signal, close: () => this.streams.get(correlationId) === controller && this.streams.delete(correlationId) };
  }

  /** The caller stopped reading: end its stream now, or as soon as it opens. */
  end(correlationId: string): void {
    const open = this.streams.get(correlationId);
    if (open) {
      this.streams.delete(correlationId);
      open.abort();
      return;
    }
    const now = Date.now();
    // oldest first: drop the ends nobody opened within a minute (their stream was never served here)
    for (const [id, at] of this.asked) {
      if (now - at < KEEP_MS) break;
      this.asked.delete(id);
    }
    this.asked.set(correlationId, now);
  }

  get openStreams(): number {
    return this.streams.size;
  }
}
