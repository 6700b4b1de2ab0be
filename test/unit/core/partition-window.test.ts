import { describe, expect, it } from 'vitest';
import { PartitionWindow, type Windowed } from '../../../src/core/partition-window.js';

const group = 'g';
const rec = (offset: string): Windowed => ({ offset });

describe('PartitionWindow', () => {
  it('commits only the finished prefix, whatever order records finish in', () => {
    const w = new PartitionWindow<string, Windowed>(group, 't', 0);
    const r = ['7', '8', '9', '10', '12'].map(rec); // 11 is a gap (a compacted or transaction-marker offset)
    for (const x of r) w.begin(x);
    expect(w.finish(r[1]!)).toBe(false);
    expect(w.committable()).toBeUndefined();
    expect(w.finish(r[0]!)).toBe(true);
    expect(w.committable()).toBe('9'); // 7 and 8 done: the next to read is the lowest one still in flight
    expect(w.finish(r[3]!)).toBe(false);
    expect(w.finish(r[2]!)).toBe(true);
    expect(w.committable()).toBe('12'); // the gap is skipped: 12 is still in flight
    expect(w.finish(r[4]!)).toBe(true);
    expect(w.committable()).toBe('13');
    expect(w.size).toBe(0);
  });

  it('keeps offsets in numeric order when a rebalance reads lower ones again, and counts a record read twice twice', () => {
    const w = new PartitionWindow<string, Windowed>(group, 't', 0);
    const late = [rec('99'), rec('100'), rec('101')];
    for (const x of late) w.begin(x);
    const again = [rec('98'), rec('100')];
    for (const x of again) w.begin(x);
    expect(w.size).toBe(5);
    for (const x of late) w.finish(x);
    expect(w.committable()).toBeUndefined(); // 98 is not done
    w.finish(again[0]!);
    expect(w.committable()).toBe('100'); // the second read of 100 is still in flight
    w.finish(again[1]!);
    expect(w.committable()).toBe('102');
  });

  it('stays small over a long run of records finished in order', () => {
    const w = new PartitionWindow<string, Windowed>(group, 't', 0);
    for (let i = 0; i < 10_000; i++) {
      const x = rec(String(i));
      w.begin(x);
      w.finish(x);
    }
    expect(w.size).toBe(0);
    expect(w.committable()).toBe('10000');
  });
});
