/** The W3C header codec and the log line format of src/core/telemetry.ts (no SDK registered: the no-op path). */
import { describe, expect, it } from 'vitest';
import { contextFrom, continueTraceparent, logLine, spanContextFrom, startSpan, SpanKind, traceHeaders, tracingOn } from '../../../src/core/telemetry.js';

describe('telemetry without an SDK', () => {
  it('creates no span and no context', () => {
    expect(tracingOn()).toBe(false);
    expect(startSpan('x', SpanKind.INTERNAL, {})).toBeUndefined();
    expect(contextFrom({ traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01' })).toBeUndefined();
    expect(traceHeaders()).toBeUndefined();
  });

  it('reads valid traceparent headers only', () => {
    expect(spanContextFrom({ traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01', tracestate: 'a=1' })).toMatchObject({
      traceId: '0123456789abcdef0123456789abcdef',
      spanId: '0123456789abcdef',
      traceFlags: 1,
      isRemote: true,
    });
    for (const bad of ['', '00-00000000000000000000000000000000-0123456789abcdef-01', '00-0123456789abcdef0123456789abcdef-0000000000000000-01', 'ff-0123456789abcdef0123456789abcdef-0123456789abcdef-01', '00-XYZ-1-01']) {
      expect(spanContextFrom({ traceparent: bad }), bad).toBeUndefined();
    }
  });

  it('keeps the readable log line by default and writes JSON when asked', () => {
    expect(logLine('echo (i1)', 'hello', {})).toBe('kamf echo (i1): hello\n');
    const j = JSON.parse(logLine('echo (i1)', 'hello', { KAMF_LOG_FORMAT: 'json' })) as Record<string, unknown>;
    expect(j).toMatchObject({ component: 'kamf echo (i1)', msg: 'hello' });
    expect(typeof j.time).toBe('string');
  });

  it('continues a trace without an SDK: same trace id, a new parent id', () => {
    const tp = continueTraceparent('00-0123456789abcdef0123456789abcdef-0123456789abcdef-01')!;
    expect(tp).toMatch(/^00-0123456789abcdef0123456789abcdef-[0-9a-f]{16}-01$/);
    expect(tp.split('-')[2]).not.toBe('0123456789abcdef');
    expect(spanContextFrom({ traceparent: tp })).toBeDefined();
    expect(continueTraceparent(undefined)).toBeUndefined();
    expect(continueTraceparent('garbage')).toBeUndefined();
  });
});
