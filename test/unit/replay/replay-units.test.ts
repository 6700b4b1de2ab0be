/** Pure parts of src/replay: positions, topic globs, filters, token bucket, percentiles, stats, trace, diff, lines, HTML. */
import { describe, expect, it } from 'vitest';
import {
  TokenBucket,
  buildTrace,
  compareAnswers,
  compileFilter,
  computeStats,
  formatLine,
  matchTopics,
  outcomesOf,
  parseDuration,
  parsePosition,
  percentile,
  renderTraceHtml,
  rewriteRequest,
  type Clock,
  type RecordView,
} from '../../../src/replay/index.js';

const view = (v: Partial<RecordView> & Pick<RecordView, 'kind' | 'timestamp'>): RecordView => ({
  topic: 't',
  partition: 0,
  offset: 0,
  key: null,
  headers: {},
  ...v,
});
const req = (id: string, at: number, extra: Partial<RecordView> = {}) =>
  view({
    kind: 'request',
    timestamp: at,
    topic: 'agent.echo.requests',
    agent: 'echo',
    method: 'SEND_MESSAGE',
    correlationId: id,
    ...extra,
  });
const reply = (id: string, at: number, extra: Partial<RecordView> = {}) =>
  view({
    kind: 'reply',
    timestamp: at,
    topic: 'a2a.replies.x',
    correlationId: id,
    endOfStream: true,
    sequence: 0,
    resultCase: 'task',
    state: 'COMPLETED',
    ...extra,
  });

describe('positions', () => {
  it('parses durations, times and offsets', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(() => parseDuration('15 minutes')).toThrow(/not a duration/);
    expect(parsePosition('15m', 1_000_000)).toEqual({ kind: 'time', ms: 100_000 });
    expect(parsePosition('-15m', 1_000_000)).toEqual({ kind: 'time', ms: 100_000 });
    expect(parsePosition('@1767225600000')).toEqual({ kind: 'time', ms: 1767225600000 });
    expect(parsePosition('2026-01-01T00:00:00Z')).toEqual({ kind: 'time', ms: Date.UTC(2026, 0, 1) });
    expect(parsePosition('120')).toEqual({ kind: 'offset', all: 120 });
    expect(parsePosition('0:10,3:77')).toEqual({
      kind: 'offset',
      partitions: new Map([
        [0, 10],
        [3, 77],
      ]),
    });
    expect(parsePosition('end')).toEqual({ kind: 'edge', edge: 'end' });
    expect(() => parsePosition('yesterday')).toThrow(/not a position/);
  });
});

describe('topic globs', () => {
  it('matches patterns and reports missing literal names', () => {
    const existing = [
      'agent.echo.requests',
      'agent.echo.requests.high',
      'agent.registry',
      'a2a.replies.1',
      '__consumer_offsets',
      'a2a.tasks',
    ];
    expect(matchTopics(['agent.*.requests*', 'a2a.tasks', 'nope'], existing)).toEqual({
      topics: ['agent.echo.requests', 'agent.echo.requests.high', 'a2a.tasks'],
      missing: ['nope'],
    });
    expect(matchTopics(['*'], existing).topics).not.toContain('__consumer_offsets');
  });
});

describe('filters', () => {
  it('ANDs the criteria and normalises states and methods', () => {
    const v = reply('c1', 1, { contextId: 'ctx', taskId: 't', state: 'INPUT_REQUIRED', text: 'Whom?', method: 'SEND_MESSAGE' });
    expect(compileFilter({ contextId: 'ctx', state: 'task_state_input_required', method: 'SendMessage' })(v)).toBe(true);
    expect(compileFilter({ contextId: 'ctx', state: 'COMPLETED' })(v)).toBe(false);
    expect(compileFilter({ agent: 'echo' })(v)).toBe(false); // replies carry no agent
    expect(compileFilter({ grep: 'whom' })(v)).toBe(true);
  });
});

describe('token bucket', () => {
  it('spaces takes at 1/rate with burst 1', async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const b = new TokenBucket(4, 1, clock);
    const at: number[] = [];
    for (let i = 0; i < 9; i++) {
      await b.take();
      at.push(now);
    }
    expect(at).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });
});

describe('percentiles and stats', () => {
  it('uses nearest rank', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(s, 50), percentile(s, 95), percentile(s, 99), percentile([7], 99), percentile([], 50)]).toEqual([
      50,
      95,
      99,
      7,
      undefined,
    ]);
  });

  it('computes latency from request to final reply and outcome rates per agent and skill', () => {
    const views = [
      req('a', 0),
      reply('a', 10, { endOfStream: false, resultCase: 'statusUpdate', state: 'WORKING' }),
      reply('a', 30, { resultCase: 'end', state: undefined }),
      req('b', 0),
      reply('b', 20, { state: 'FAILED' }),
      req('c', 0),
      reply('c', 40, { state: 'INPUT_REQUIRED' }),
      req('d', 0, { skill: 'greet' }),
      req('e', 0),
      reply('e', 5, { resultCase: 'error', state: undefined, error: { code: -32001, message: 'x' } }),
    ];
    const s = computeStats(views);
    expect(s.rows.map((r) => [r.agent, r.skill, r.requests, r.answered])).toEqual([
      ['echo', '-', 4, 4],
      ['echo', 'greet', 1, 0],
    ]);
    const row = s.rows[0]!;
    expect([row.p50Ms, row.p95Ms, row.p99Ms]).toEqual([20, 40, 40]);
    expect(row.failureRate).toBe(0.5); // FAILED + error
    expect(row.inputRequiredRate).toBe(0.25);
    expect(outcomesOf(views).get('a')?.state).toBe('WORKING');
  });
});

describe('trace', () => {
  it('joins records by context, task and correlation id; hops add up to the span', () => {
    const views = [
      req('r1', 100, { text: 'greet', messageId: 'm1' }),
      view({
        kind: 'snapshot',
        timestamp: 105,
        topic: 'a2a.tasks',
        taskId: 'T',
        contextId: 'C',
        state: 'SUBMITTED',
        historyMessageIds: ['m1'],
      }),
      reply('r1', 112, { taskId: 'T', contextId: 'C', state: 'INPUT_REQUIRED' }),
      req('r2', 150, { text: 'Ada', contextId: 'C', taskId: 'T' }),
      reply('r2', 171, { taskId: 'T', contextId: 'C', state: 'COMPLETED' }),
      req('other', 120, { contextId: 'X' }),
      reply('other', 125, { contextId: 'X', taskId: 'Y' }),
    ];
    const t = buildTrace(views, 'C');
    expect(t.events.map((e) => e.at)).toEqual([100, 105, 112, 150, 171]);
    expect(t.hops.map((h) => h.latencyMs)).toEqual([5, 7, 38, 21]);
    expect(t.totalMs).toBe(71);
    expect(t.requests.map((r) => [r.text, r.firstReplyMs, r.state])).toEqual([
      ['greet', 12, 'INPUT_REQUIRED'],
      ['Ada', 21, 'COMPLETED'],
    ]);
    expect(t.stateChanges.map((s) => s.state)).toEqual(['SUBMITTED', 'INPUT_REQUIRED', 'COMPLETED']);
    const html = renderTraceHtml(t);
    expect(html.match(/<rect class="hop"/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link/);
  });
});

describe('diff', () => {
  it('classifies same, text-changed, state-changed and missing answers', () => {
    const o = (state: string, text: string) => ({ correlationId: 'x', state, text, final: true, replies: 1 });
    const { summary, rows } = compareAnswers([
      { request: req('1', 0), recorded: o('COMPLETED', 'a'), replayed: o('COMPLETED', 'a') },
      { request: req('2', 0), recorded: o('COMPLETED', 'a'), replayed: o('COMPLETED', 'b') },
      { request: req('3', 0), recorded: o('COMPLETED', 'a'), replayed: o('FAILED', 'a') },
      { request: req('4', 0), replayed: o('FAILED', 'a') },
      { request: req('5', 0), recorded: o('COMPLETED', 'a') },
    ]);
    expect(rows.map((r) => r.verdict)).toEqual(['same', 'text-changed', 'state-changed', 'no-recorded-answer', 'no-replayed-answer']);
    expect(summary).toMatchObject({
      requests: 5,
      same: 1,
      textChanged: 1,
      stateChanged: 1,
      noRecordedAnswer: 1,
      noReplayedAnswer: 1,
      transitions: { 'COMPLETED→FAILED': 1 },
    });
  });
});

describe('re-injection rewrite', () => {
  it('new correlation id and messageId, replay-of header, reply-to rules', () => {
    const v = req('orig', 0, {
      topic: 'agent.echo.requests',
      partition: 2,
      offset: 41,
      headers: {
        'kamf-correlation-id': 'orig',
        'kamf-reply-to': 'a2a.replies.old',
        'kamf-deadline': '1',
        traceparent: 'tp',
        'kamf-target-agent': 'echo',
      },
      value: {
        requestId: 'orig',
        method: 'SEND_MESSAGE',
        params: { tenant: '', message: { messageId: 'm1', contextId: 'c', taskId: '', role: 1, parts: [] } },
      },
    });
    const rw = rewriteRequest(v, { into: 'agent.echo2.requests', replyTopic: 'a2a.replies.mine', deadline: 99 });
    expect(rw.requestId).not.toBe('orig');
    expect(rw.request.requestId).toBe(rw.requestId);
    expect(rw.messageId).not.toBe('m1');
    expect(rw.headers).toMatchObject({
      'kamf-correlation-id': rw.requestId,
      'kamf-reply-to': 'a2a.replies.mine',
      'kamf-deadline': '99',
      'kamf-replay-of': 'agent.echo.requests/2/41',
      traceparent: 'tp',
      'kamf-target-agent': 'echo2',
    });
    const keep = rewriteRequest(v, { into: 'x', keepReplyTo: true, keepMessageIds: true });
    expect(keep.headers['kamf-reply-to']).toBe('a2a.replies.old');
    expect(keep.headers['kamf-deadline']).toBeUndefined();
    expect(keep.messageId).toBe('m1');
  });
});

describe('conversation lines', () => {
  it('formats requests, replies and undecodable records on one line', () => {
    const at = Date.UTC(2026, 0, 1, 12, 0, 1, 123);
    expect(
      formatLine(req('5f0c1a2b-xxxx', at, { topic: 'agent.echo.requests', contextId: 'ab12cd34-zz', text: 'hello' }), { utc: true }),
    ).toBe('12:00:01.123 agent.echo.requests  → SendMessage ctx=ab12cd34 task=- #5f0c1a2b "hello"');
    expect(formatLine(reply('5f0c1a2b-xxxx', at, { topic: 'r', taskId: '9f3e2a11-yy', text: 'hello' }), { utc: true })).toBe(
      '12:00:01.123 r  ← task 9f3e2a11 COMPLETED #5f0c1a2b "hello"',
    );
    expect(
      formatLine(
        view({ kind: 'undecodable', timestamp: at, topic: 'r', partition: 1, offset: 7, decodeError: 'CODEC_BAD_MAGIC: bad magic byte' }),
        { utc: true },
      ),
    ).toBe('12:00:01.123 r  ✗ undecodable at 1@7: CODEC_BAD_MAGIC: bad magic byte');
  });
});
