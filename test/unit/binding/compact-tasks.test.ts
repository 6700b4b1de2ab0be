/** The task store's in-memory view: scoping by (tenant, owner), removal by id alone (expiry, tombstones). */
import type { Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { CompactTaskView } from '../../../src/binding/server/compact-tasks.js';

const task = (id: string, state = 3): Task => ({
  id,
  contextId: `ctx-${id}`,
  status: { state, message: undefined, timestamp: `2026-11-30T00:00:0${id.length % 10}.000Z` },
  artifacts: [],
  history: [],
  metadata: undefined,
});

describe('CompactTaskView', () => {
  it('answers a task only in its own scope', () => {
    const view = new CompactTaskView();
    view.put(task('t1'), undefined, 'alice');
    expect(view.get('t1', undefined, 'alice')?.id).toBe('t1');
    expect(view.get('t1', undefined, 'bob')).toBeUndefined();
    expect(view.get('t1', 'acme', 'alice')).toBeUndefined();
  });

  it('removes a task by id alone, from its scope and its listing', () => {
    const view = new CompactTaskView();
    view.put(task('t1'), 'acme', 'alice');
    view.put(task('t2'), 'acme', 'alice');
    view.put(task('t3'), undefined, 'bob');
    expect(view.size).toBe(3);
    expect(view.remove('t1')).toBe(true);
    expect(view.remove('t1')).toBe(false);
    expect(view.size).toBe(2);
    expect(view.get('t1', 'acme', 'alice')).toBeUndefined();
    expect(view.list({ tenant: 'acme' } as never, 'acme', 'alice').tasks.map((t) => t.id)).toEqual(['t2']);
    expect([...view.indexes()].map((i) => i.id).sort()).toEqual(['t2', 't3']);
  });

  it('keeps one entry per id when a snapshot moves a task to another scope', () => {
    const view = new CompactTaskView();
    view.put(task('t1', 2), undefined, 'alice');
    view.put(task('t1', 3), undefined, 'bob');
    expect(view.size).toBe(1);
    expect(view.get('t1', undefined, 'alice')).toBeUndefined();
    expect(view.get('t1', undefined, 'bob')?.status?.state).toBe(3);
    expect(view.list({} as never, undefined, 'alice').tasks).toEqual([]);
    expect([...view.indexes()].map((i) => [i.id, i.state])).toEqual([['t1', 3]]);
  });
});
