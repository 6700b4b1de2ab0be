/** `kamf stats` when reply topics are gone: outcomes and latencies from the task snapshots, with their source. */
import { describe, expect, it } from 'vitest';
import type { RecordView } from '../../../src/replay/records.js';
import { computeStats } from '../../../src/replay/stats.js';

const view = (v: Partial<RecordView> & Pick<RecordView, 'kind' | 'timestamp'>): RecordView => ({ topic: 't', partition: 0, offset: 0, key: null, headers: {}, ...v });
const req = (id: string, at: number, messageId: string) =>
  view({ kind: 'request', timestamp: at, topic: 'agent.balance.requests', agent: 'balance', method: 'SEND_MESSAGE', correlationId: id, messageId });
const snap = (at: number, state: string, ids: string[]) => view({ kind: 'snapshot', timestamp: at, topic: 'a2a.tasks', state, historyMessageIds: ids });
const reply = (id: string, at: number) => view({ kind: 'reply', timestamp: at, topic: 'a2a.replies.x', correlationId: id, endOfStream: true, resultCase: 'task', state: 'COMPLETED' });

describe('stats without reply topics', () => {
  it('takes the first settled snapshot after each request, and says which figures came from where', () => {
    const views = [
      req('a', 100, 'm-a'),
      snap(110, 'WORKING', ['m-a']),
      snap(150, 'COMPLETED', ['m-a']),
      req('b', 200, 'm-b'),
      snap(260, 'FAILED', ['m-b']),
      req('c', 300, 'm-c'), // answered by its reply: the reply wins
      snap(320, 'COMPLETED', ['m-c']),
      reply('c', 330),
      req('d', 400, 'm-d'), // still working: unanswered
      snap(410, 'WORKING', ['m-d']),
      // a second turn of task a: its earlier settled snapshot does not answer it
      req('e', 500, 'm-e'),
      snap(520, 'INPUT_REQUIRED', ['m-a', 'm-e']),
    ];
    const [row] = computeStats(views).rows;
    expect(row).toMatchObject({ agent: 'balance', requests: 5, answered: 4, unanswered: 1, answeredFrom: { replies: 1, tasks: 3 } });
    expect(row!.outcomes).toEqual({ ok: 2, failed: 1, unanswered: 1, 'input-required': 1 });
    // latencies 50 (a), 60 (b), 30 (c, reply), 20 (e)
    expect([row!.p50Ms, row!.maxMs]).toEqual([30, 60]);
  });
});
