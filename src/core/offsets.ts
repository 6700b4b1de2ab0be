/**
 * Offsets to commit when records of a partition finish out of order: only the contiguous prefix of finished
 * records may be committed, so a crash never skips a request that was still running.
 */
export class PartitionOffsets {
  private readonly pending = new Map<number, Set<bigint>>();
  private readonly finished = new Map<number, Set<bigint>>();

  begin(partition: number, offset: string): void {
    this.set(this.pending, partition).add(BigInt(offset));
  }

  /** Marks a record done; returns the offset to commit (next to read) if the committable prefix advanced. */
  finish(partition: number, offset: string): string | undefined {
    const pending = this.set(this.pending, partition);
    const finished = this.set(this.finished, partition);
    finished.add(BigInt(offset));
    let advancedTo: bigint | undefined;
    // pop the lowest pending offsets for as long as they are finished (offsets may have gaps)
    for (;;) {
      let lowest: bigint | undefined;
      for (const p of pending) if (lowest === undefined || p < lowest) lowest = p;
      if (lowest === undefined || !finished.has(lowest)) {
        if (advancedTo === undefined) return undefined;
        return (lowest ?? advancedTo + 1n).toString();
      }
      pending.delete(lowest);
      finished.delete(lowest);
      advancedTo = lowest;
    }
  }

  /** Forget partitions this instance no longer owns. */
  drop(partition: number): void {
    this.pending.delete(partition);
    this.finished.delete(partition);
  }

  inFlight(): number {
    let n = 0;
    for (const s of this.pending.values()) n += s.size;
    return n;
  }

  private set(map: Map<number, Set<bigint>>, partition: number): Set<bigint> {
    let s = map.get(partition);
    if (!s) map.set(partition, (s = new Set()));
    return s;
  }
}
