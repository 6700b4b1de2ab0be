/**
 * The records of one source partition in flight, in offset order, and the offset that may be committed: the one
 * after the longest finished prefix. Records finish out of order (destinations write at their own pace), so a
 * crash never skips one that was still being written. A record's window is kept on it, so finishing one costs
 * no lookup and, for records read in order, no search.
 */

/** What the window needs of a record: its offset, and whether every write of it is done. */
export interface Windowed {
  offset: string;
  done?: boolean;
}

/** Kafka offsets are non-negative integers in decimal without leading zeros: shorter is smaller. */
function compareOffsets(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

export class PartitionWindow<G, R extends Windowed> {
  private items: Array<R | undefined> = [];
  private head = 0;
  /** The last record of the finished prefix taken out of the window, if any since the last commit. */
  private lastDone?: string;

  constructor(
    readonly group: G,
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** A record just read; normally the highest offset so far (a rebalance may read lower ones again). */
  begin(record: R): void {
    const items = this.items;
    if (items.length === this.head || compareOffsets(items[items.length - 1]!.offset, record.offset) <= 0) {
      items.push(record);
      return;
    }
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOffsets(items[mid]!.offset, record.offset) <= 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, record);
  }

  /** Marks a record finished; true if the committable offset moved. */
  finish(record: R): boolean {
    record.done = true;
    const items = this.items;
    let moved = false;
    while (this.head < items.length && items[this.head]!.done) {
      this.lastDone = items[this.head]!.offset;
      items[this.head++] = undefined;
      moved = true;
    }
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return moved;
  }

  /** The next offset to read after the finished prefix (what Kafka's commit takes), or undefined if none finished. */
  committable(): string | undefined {
    if (this.lastDone === undefined) return undefined;
    return this.head < this.items.length ? this.items[this.head]!.offset : (BigInt(this.lastDone) + 1n).toString();
  }

  get size(): number {
    return this.items.length - this.head;
  }
}
