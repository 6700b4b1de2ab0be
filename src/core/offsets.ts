/**
 * Offsets to commit when records of a partition finish out of order: only the contiguous prefix of finished
 * records may be committed, so a crash never skips a request that was still running. A `PartitionWindow` per
 * partition, addressed by offset: a record read twice (after a rebalance) is two entries, each finished once.
 */
import { PartitionWindow, type Windowed } from './partition-window.js';

interface Partition {
  window: PartitionWindow<number, Windowed>;
  /** Entries not yet finished, by offset (more than one when the record was read again). */
  open: Map<string, Windowed[]>;
}

export class PartitionOffsets {
  private readonly partitions = new Map<number, Partition>();

  begin(partition: number, offset: string): void {
    const p = this.of(partition);
    const entry: Windowed = { offset };
    const same = p.open.get(offset);
    if (same) same.push(entry);
    else p.open.set(offset, [entry]);
    p.window.begin(entry);
  }

  /** Marks a record done; returns the offset to commit (next to read) if the committable prefix advanced. */
  finish(partition: number, offset: string): string | undefined {
    const p = this.of(partition);
    const same = p.open.get(offset);
    const entry = same?.shift();
    if (!entry) return undefined;
    if (same!.length === 0) p.open.delete(offset);
    return p.window.finish(entry) ? p.window.committable() : undefined;
  }

  /** Forget partitions this instance no longer owns. */
  drop(partition: number): void {
    this.partitions.delete(partition);
  }

  inFlight(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.window.size;
    return n;
  }

  private of(partition: number): Partition {
    let p = this.partitions.get(partition);
    if (!p) this.partitions.set(partition, (p = { window: new PartitionWindow(partition, '', partition), open: new Map() }));
    return p;
  }
}
