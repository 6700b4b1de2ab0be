/** `kamf trace --otel`: a recorded conversation becomes a root span with one child per request, at the records' times. */
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordView } from '../../../src/replay/records.js';
import { emitTraceSpans } from '../../../src/replay/otel.js';
import { buildTrace } from '../../../src/replay/trace.js';
import { idOf, parentOf, startTestTracing } from '../../support/otel.js';

const tracing = startTestTracing();
afterAll(() => tracing.shutdown());

const view = (v: Partial<RecordView> & Pick<RecordView, 'kind' | 'timestamp'>): RecordView => ({ topic: 't', partition: 0, offset: 0, key: null, headers: {}, ...v });
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

describe('emitTraceSpans', () => {
  it('makes the conversation span and one span per request, ending at the final reply or settled snapshot', () => {
    const t0 = 1_764_000_000_000;
    const views = [
      view({ kind: 'request', timestamp: t0, topic: 'agent.balance.requests', agent: 'balance', method: 'SEND_MESSAGE', correlationId: 'r1', contextId: 'c1', messageId: 'm1' }),
      view({ kind: 'request', timestamp: t0 + 10, topic: 'agent.data.requests', agent: 'data', method: 'SEND_MESSAGE', correlationId: 'r2', contextId: 'c1', messageId: 'm2' }),
      view({ kind: 'reply', timestamp: t0 + 40, topic: 'a2a.replies.x', correlationId: 'r2', endOfStream: true, resultCase: 'task', state: 'COMPLETED', contextId: 'c1' }),
      view({ kind: 'snapshot', timestamp: t0 + 90, topic: 'a2a.tasks', taskId: 't1', contextId: 'c1', state: 'COMPLETED', historyMessageIds: ['m1'] }),
    ];
    expect(emitTraceSpans(buildTrace(views, 'c1'))).toBe(3);
    const spans = tracing.spans();
    const root = spans.find((s) => s.name === 'conversation c1')!;
    expect(root.events).toHaveLength(4);
    const balance = spans.find((s) => s.name === 'SEND_MESSAGE balance')!;
    const data = spans.find((s) => s.name === 'SEND_MESSAGE data')!;
    expect([parentOf(balance), parentOf(data)]).toEqual([idOf(root), idOf(root)]);
    expect([ms(balance.startTime) - t0, ms(balance.endTime) - t0]).toEqual([0, 90]);
    expect([ms(data.startTime) - t0, ms(data.endTime) - t0]).toEqual([10, 40]);
    expect(balance.attributes['kamf.outcome.source']).toBe('tasks');
    expect(data.attributes['kamf.outcome.source']).toBe('reply');
  });
});
