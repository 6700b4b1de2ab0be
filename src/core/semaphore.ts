/** Bounded concurrency: `acquire` waits while `limit` holders are active. The waiter queue is what applies backpressure. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters.shift()?.();
    };
  }

  get inUse(): number {
    return this.active;
  }

  /** Resolves when nothing holds the semaphore. */
  async idle(pollMs = 10): Promise<void> {
    while (this.active > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}
