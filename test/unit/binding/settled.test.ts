import type { Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { settledSince } from '../../../src/binding/server/task-store.js';

const task = (state: number, timestamp?: string): Task => ({
  id: 't',
  contextId: 'c',
  status: { state, message: undefined, timestamp },
  artifacts: [],
  history: [],
  metadata: undefined,
});

describe('settledSince: is a redelivered turn already handled?', () => {
  const seen = Date.parse('2026-01-01T00:00:10Z');
  it('terminal after the message arrived: handled', () => {
    expect(settledSince(task(3, '2026-01-01T00:00:11Z'), seen)).toBe(true);
  });
  it('still working: not handled', () => {
    expect(settledSince(task(2, '2026-01-01T00:00:11Z'), seen)).toBe(false);
  });
  it('INPUT_REQUIRED from the previous turn (set before this follow-up arrived): not handled', () => {
    expect(settledSince(task(6, '2026-01-01T00:00:05Z'), seen)).toBe(false);
  });
  it('INPUT_REQUIRED set by this turn: handled', () => {
    expect(settledSince(task(6, '2026-01-01T00:00:12Z'), seen)).toBe(true);
  });
  it('a terminal task without a timestamp counts as handled', () => {
    expect(settledSince(task(4), seen)).toBe(true);
  });
});
