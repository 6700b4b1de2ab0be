/**
 * The kafkajs log creator of src/core/kafka.ts: readable lines by default; with KAMF_LOG_FORMAT=json one JSON object
 * per entry, its facts as fields and the active span's trace and span ids beside them.
 */
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import { createKafka } from '../../../src/core/kafka.js';

const TRACE_ID = '0123456789abcdef0123456789abcdef';
const SPAN_ID = 'fedcba9876543210';
const endpoints = { brokers: ['127.0.0.1:1'], registryUrl: 'http://127.0.0.1:1' };

describe('kafkajs log lines', () => {
  let lines: string[];
  const saved = { format: process.env.KAMF_LOG_FORMAT, level: process.env.KAMF_LOG_LEVEL };
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    delete process.env.KAMF_LOG_LEVEL;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [k, v] of [['KAMF_LOG_FORMAT', saved.format], ['KAMF_LOG_LEVEL', saved.level]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    context.disable();
  });

  it('with KAMF_LOG_FORMAT=json an entry is one JSON line with the active trace and span ids', () => {
    process.env.KAMF_LOG_FORMAT = 'json';
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const logger = createKafka(loadConfig({ env: {} }), endpoints).logger().namespace('Connection');
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.error('Connection error', { broker: '127.0.0.1:1', retryCount: 2 }));
    logger.error('outside any span');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.endsWith('\n') && l.indexOf('\n') === l.length - 1).toBe(true);
    const [inSpan, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inSpan).toMatchObject({ component: 'kafkajs', level: 'ERROR', namespace: 'Connection', msg: 'Connection error', broker: '127.0.0.1:1', retryCount: 2, trace_id: TRACE_ID, span_id: SPAN_ID });
    expect(typeof inSpan!.time).toBe('string');
    expect(outside).toMatchObject({ component: 'kafkajs', msg: 'outside any span' });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('keeps the readable line by default, and shows retriable broker answers only when debugging', () => {
    delete process.env.KAMF_LOG_FORMAT;
    const logger = createKafka(loadConfig({ env: {} }), endpoints).logger().namespace('Connection');
    logger.error('Connection error', { broker: '127.0.0.1:1' });
    logger.error('The coordinator is loading and hence can\'t process requests');
    expect(lines).toEqual(['kafkajs ERROR Connection: Connection error (broker=127.0.0.1:1)\n']);
  });
});
