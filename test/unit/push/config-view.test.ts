import { describe, expect, it } from 'vitest';
import { PushConfigView } from '../../../src/push/config-view.js';

const entry = (taskId: string, id: string) => ({ taskId, id });

describe('PushConfigView', () => {
  it('finds a task\'s configs by task, and keeps both indexes in step through updates and deletes', () => {
    const v = new PushConfigView<{ taskId: string; id: string }>();
    v.set('a/t1/c1', entry('t1', 'c1'));
    v.set('a/t1/c2', entry('t1', 'c2'));
    v.set('a/t2/c3', entry('t2', 'c3'));
    expect([...v.ofTask('t1').keys()]).toEqual(['a/t1/c1', 'a/t1/c2']);
    expect(v.ofTask('none').size).toBe(0);

    v.set('a/t1/c1', entry('t1', 'c1b')); // the same key written again: updated, not added
    expect([...v.ofTask('t1').values()].map((e) => e.id)).toEqual(['c1b', 'c2']);
    v.set('a/t2/c3', entry('t3', 'c3')); // a record naming another task moves the config
    expect(v.ofTask('t2').size).toBe(0);
    expect([...v.ofTask('t3').keys()]).toEqual(['a/t2/c3']);

    v.delete('a/t1/c1');
    v.delete('a/t1/c1'); // twice: a tombstone read after the local delete
    v.delete('a/t1/c2');
    expect(v.ofTask('t1').size).toBe(0);
    expect([...v.values()].map((e) => e.id)).toEqual(['c3']);
  });
});
