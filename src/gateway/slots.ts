/** Concurrent streams per caller: a counted slot per open stream, released exactly once. */
import type { GatewayStats } from './stats.js';

export class StreamSlots {
  private readonly held = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly stats: GatewayStats,
  ) {}

  /** A release function, or undefined when the caller already holds `limit` slots. */
  acquire(caller: string): (() => void) | undefined {
    const n = this.held.get(caller) ?? 0;
    if (n >= this.limit) return undefined;
    this.held.set(caller, n + 1);
    this.stats.streamSlots++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.stats.streamSlots--;
      const left = (this.held.get(caller) ?? 1) - 1;
      if (left > 0) this.held.set(caller, left);
      else this.held.delete(caller);
    };
  }

  /** Slots held by one caller, or by everyone. */
  count(caller?: string): number {
    if (caller !== undefined) return this.held.get(caller) ?? 0;
    let n = 0;
    for (const v of this.held.values()) n += v;
    return n;
  }
}
