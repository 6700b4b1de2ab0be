import { describe, expect, it } from 'vitest';
import { PartitionOffsets } from '../../../src/core/offsets.js';
import { PrioritySlots } from '../../../src/binding/server/lanes.js';

describe('PartitionOffsets', () => {
  it('commits only the contiguous finished prefix', () => {
    const o = new PartitionOffsets();
    for (const off of ['10', '11', '12', '13']) o.begin(0, off);
    expect(o.finish(0, '12')).toBeUndefined(); // 10 still running
    expect(o.finish(0, '11')).toBeUndefined();
    expect(o.finish(0, '10')).toBe('13'); // 10,11,12 done: next to read is 13
    expect(o.inFlight()).toBe(1);
    expect(o.finish(0, '13')).toBe('14');
    expect(o.inFlight()).toBe(0);
  });

  it('keeps partitions apart', () => {
    const o = new PartitionOffsets();
    o.begin(0, '5');
    o.begin(1, '7');
    expect(o.finish(1, '7')).toBe('8');
    expect(o.finish(0, '5')).toBe('6');
  });

  it('a record read twice (after a rebalance) is committed past only when both reads finished', () => {
    const o = new PartitionOffsets();
    o.begin(0, '5');
    o.begin(0, '6');
    o.begin(0, '5'); // read again
    expect(o.finish(0, '6')).toBeUndefined();
    const afterOne = o.finish(0, '5');
    expect(afterOne === undefined || BigInt(afterOne) <= 5n).toBe(true);
    expect(o.finish(0, '5')).toBe('7');
    expect(o.finish(0, '5')).toBeUndefined(); // nothing left to finish
    expect(o.inFlight()).toBe(0);
  });

  it('handles gaps in offsets (compaction, transactions)', () => {
    const o = new PartitionOffsets();
    o.begin(0, '3');
    o.begin(0, '9');
    expect(o.finish(0, '9')).toBeUndefined();
    expect(o.finish(0, '3')).toBe('10');
  });
});

describe('PrioritySlots with one priority: a plain bounded semaphore', () => {
  it('never lets more than `limit` run', async () => {
    const s = new PrioritySlots(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = await s.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, i % 3));
        running--;
        release();
      }),
    );
    expect(peak).toBe(3);
    expect(s.inUse).toBe(0);
  });

  it('tryAcquire takes a free slot at once and refuses when all are taken; a released slot goes to a waiter first', async () => {
    const s = new PrioritySlots(2);
    const a = s.tryAcquire();
    const b = s.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(s.tryAcquire()).toBeUndefined();
    const waiting = s.acquire();
    expect(s.waiting()).toBe(1);
    a!();
    a!(); // a second release of the same slot is ignored
    const c = await waiting;
    expect(s.inUse).toBe(2);
    expect(s.tryAcquire()).toBeUndefined(); // the released slot went to the waiter, not back to the pool
    b!();
    c();
    expect(s.inUse).toBe(0);
    expect(s.tryAcquire()).toBeTruthy();
  });
});
