/** Marble tests of the embedded engine's time-based operators, and the lane slots of the agent server. */
import { concatMap, of, delay, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchWithin, priorityMergeMap, PriorityQueue, rateLimit, shardOf } from '../../../src/router/operators.js';
import { PrioritySlots, laneLayout, laneTopics } from '../../../src/binding/server/lanes.js';
import { laneOf } from '../../../src/router/engine.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('rateLimit', () => {
  it('spaces items at the rate once the burst is spent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // 100/s = one token per 10 ms, burst 1
      const src = cold('(abcd)|');
      expectObservable(src.pipe(rateLimit({ perSecond: 100 }))).toBe('a 9ms b 9ms c 9ms (d|)');
    });
  });

  it('lets a burst through at once, then the rate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('(abcd)|');
      expectObservable(src.pipe(rateLimit({ perSecond: 100, burst: 2 }))).toBe('(ab) 6ms c 9ms (d|)');
    });
  });

  it('releases the higher lane first when a token frees up', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // n = normal (priority 1), h = high (priority 0) arriving behind a queue of normal items
      const src = cold('(nmo) 2ms h|');
      const priorityOf = (x: string) => (x === 'h' ? 0 : 1);
      expectObservable(src.pipe(rateLimit({ perSecond: 100, priorityOf }))).toBe('n 9ms h 9ms m 9ms (o|)');
    });
  });

  it('is a pass-through without a rate', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-c|').pipe(rateLimit({ perSecond: Infinity }))).toBe('a-b-c|');
    });
  });
});

describe('batchWithin', () => {
  it('emits full batches at once and the rest after the linger time', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('(abc)-d 20ms e|');
      // a b c at 0 (the group takes 5 frames), d at 6, e at 27, complete at 28
      expectObservable(src.pipe(batchWithin(2, 5))).toBe('x 4ms y 5ms z 16ms (w|)', { x: ['a', 'b'], y: ['c'], z: ['d'], w: ['e'] });
    });
  });

  it('flushes at the end of a synchronous burst with linger 0', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('(abc)--(de)|').pipe(batchWithin(10, 0))).toBe('x 6ms y 3ms |', { x: ['a', 'b', 'c'], y: ['d', 'e'] });
    });
  });

  it('with linger 0 on the default scheduler, emits the burst in a microtask, before any timer', async () => {
    // a 0 ms timer would wait for Node's 1 ms minimum on every record routed at one in flight
    const src = new Subject<string>();
    const seen: string[] = [];
    const batches: string[][] = [];
    src.pipe(batchWithin(10, 0)).subscribe((b) => batches.push(b));
    setTimeout(() => seen.push(`timer after ${batches.length} batch(es)`), 0);
    src.next('a');
    src.next('b');
    expect(batches).toEqual([]);
    await Promise.resolve();
    src.next('c');
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([['a', 'b'], ['c']]);
    expect(seen).toEqual(['timer after 2 batch(es)']);
  });
});

describe('priorityMergeMap', () => {
  it('starts waiting items highest priority first, at most `concurrency` at once', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // each item takes 10 ms; concurrency 1; h (priority 0) arrives while a is running and b, c wait
      const src = cold('(abc) 2ms h|');
      const work = (x: string) => of(x).pipe(delay(10));
      const out = src.pipe(priorityMergeMap(work, { concurrency: 1, priorityOf: (x) => (x === 'h' ? 0 : 1) }));
      expectObservable(out).toBe('10ms a 9ms h 9ms b 9ms (c|)');
    });
  });

  it('with enough concurrency behaves like mergeMap', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('ab|').pipe(priorityMergeMap((x) => of(x).pipe(delay(3)), { concurrency: 4, priorityOf: () => 0 }));
      expectObservable(out).toBe('---a(b|)');
    });
  });

  it('keeps the order of one priority (FIFO)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('(abcd)|').pipe(priorityMergeMap((x) => of(x).pipe(delay(1)), { concurrency: 1, priorityOf: () => 1 }), concatMap((x) => of(x)));
      expectObservable(out).toBe('-abcd-|');
    });
  });
});

describe('PriorityQueue and shards', () => {
  it('is FIFO within a priority and serves lower numbers first', () => {
    const q = new PriorityQueue<string>();
    q.push('n1', 1);
    q.push('n2', 1);
    q.push('h1', 0);
    q.push('l1', 2);
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['h1', 'n1', 'n2', 'l1', undefined]);
    expect(q.size).toBe(0);
  });

  it('puts one key always on the same shard', () => {
    const a = shardOf(Buffer.from('ctx-1'), 8, 0);
    expect(shardOf(Buffer.from('ctx-1'), 8, 5)).toBe(a);
    expect(shardOf(null, 4, 6)).toBe(2);
  });

  it('maps lane topics to their agent and priority', () => {
    expect(laneOf('p.agent.data.requests.high')).toEqual({ destination: 'p.agent.data', priority: 0, lane: 'high' });
    expect(laneOf('agent.data.requests')).toEqual({ destination: 'agent.data', priority: 1, lane: '' });
    expect(laneOf('a2a.unroutable')).toEqual({ destination: 'a2a.unroutable', priority: 1, lane: '' });
  });
});

describe('PrioritySlots (agent lanes)', () => {
  it('gives a freed slot to the highest lane waiting', async () => {
    const slots = new PrioritySlots(1);
    const release = await slots.acquire(1);
    const order: string[] = [];
    const normal = slots.acquire(1).then((r) => (order.push('normal'), r));
    const high = slots.acquire(0).then((r) => (order.push('high'), r));
    expect(slots.waiting()).toBe(2);
    release();
    (await high)();
    (await normal)();
    expect(order).toEqual(['high', 'normal']);
    expect(slots.inUse).toBe(0);
  });

  it('lays out one consumer group per lane, the lowest lane keeping the agent group', () => {
    expect(laneLayout(['agent.a.requests'], 'agent.a')).toEqual([{ topic: 'agent.a.requests', groupId: 'agent.a', priority: 0 }]);
    expect(laneLayout(laneTopics('agent.a.requests', ['high', '']), 'agent.a')).toEqual([
      { topic: 'agent.a.requests.high', groupId: 'agent.a.lane-0', priority: 0 },
      { topic: 'agent.a.requests', groupId: 'agent.a', priority: 1 },
    ]);
  });
});
