/** `kamf trace` follows causal links: sub-requests in the same W3C trace, outcomes from snapshots when replies are gone. */
import { describe, expect, it } from 'vitest';
import type { RecordView } from '../../../src/replay/records.js';
import { buildTrace, formatTrace } from '../../../src/replay/trace.js';

const view = (v: Partial<RecordView> & Pick<RecordView, 'kind' | 'timestamp'>): RecordView => ({ topic: 't', partition: 0, offset: 0, key: null, headers: {}, ...v });
const T1 = '0123456789abcdef0123456789abcdef';
const T2 = 'fedcba9876543210fedcba9876543210';
const tp = (trace: string) => ({ traceparent: `00-${trace}-0123456789abcdef-01` });

describe('trace across agents', () => {
  it('holds the sub-requests of the same trace, and the caller outcome from a2a.tasks', () => {
    const views = [
      view({ kind: 'request', timestamp: 100, topic: 'agent.balance.requests', agent: 'balance', method: 'SEND_MESSAGE', correlationId: 'r1', contextId: 'ctx-1', messageId: 'm1', headers: tp(T1) }),
      // the coordinator's sub-requests: their own contexts, the caller's trace
      view({ kind: 'request', timestamp: 110, topic: 'agent.data.requests', agent: 'data', method: 'SEND_MESSAGE', correlationId: 'r2', contextId: 'ctx-2', messageId: 'm2', headers: tp(T1) }),
      view({ kind: 'reply', timestamp: 130, topic: 'a2a.replies.b', correlationId: 'r2', endOfStream: true, resultCase: 'task', state: 'COMPLETED', contextId: 'ctx-2' }),
      view({ kind: 'request', timestamp: 111, topic: 'agent.cs.requests', agent: 'cs', method: 'SEND_MESSAGE', correlationId: 'r3', contextId: 'ctx-3', messageId: 'm3', headers: tp(T1) }),
      view({ kind: 'snapshot', timestamp: 140, topic: 'a2a.tasks', taskId: 't1', contextId: 'ctx-1', state: 'COMPLETED', historyMessageIds: ['m1'] }),
      // another conversation in another trace
      view({ kind: 'request', timestamp: 120, topic: 'agent.data.requests', agent: 'data', method: 'SEND_MESSAGE', correlationId: 'r9', contextId: 'ctx-9', messageId: 'm9', headers: tp(T2) }),
    ];
    const t = buildTrace(views, 'ctx-1');
    expect(t.requests.map((r) => r.correlationId).sort()).toEqual(['r1', 'r2', 'r3']);
    const caller = t.requests.find((r) => r.correlationId === 'r1')!;
    expect(caller).toMatchObject({ state: 'COMPLETED', settledMs: 40, replies: 0 });
    expect(formatTrace(t, (ms) => String(ms))).toContain('task settled after 40 ms (a2a.tasks)');
  });
});
