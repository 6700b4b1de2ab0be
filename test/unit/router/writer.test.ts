/** Which produce failures the embedded engine retries, dead-letters or fails on, from real kafkajs error objects. */
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyWriteError, kafkaErrorTypes } from '../../../src/router/engine/writer.js';

// kafkajs builds protocol errors from the broker's error code
const protocol = (type: string, code: number) => new KafkaJSProtocolError({ type, code, retriable: false, message: type } as unknown as Error);

describe('produce error classes', () => {
  it('retries connection loss, timeouts and leader moves, also when kafkajs gave up on them', () => {
    expect(classifyWriteError(new KafkaJSConnectionError('Connection error: socket closed'))).toBe('transient');
    expect(classifyWriteError(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'))).toBe('transient');
    expect(classifyWriteError(new KafkaJSNumberOfRetriesExceeded(protocol('NOT_LEADER_FOR_PARTITION', 6), { retryCount: 5, retryTime: 1000 }))).toBe('transient');
    expect(classifyWriteError(new Error('anything unknown'))).toBe('transient');
  });

  it('hands records Kafka refuses to the caller (dead letter), found through the retry wrapper', () => {
    const tooLarge = new KafkaJSNumberOfRetriesExceeded(protocol('MESSAGE_TOO_LARGE', 10), { retryCount: 5, retryTime: 1000 });
    expect(kafkaErrorTypes(tooLarge)).toContain('MESSAGE_TOO_LARGE');
    expect(classifyWriteError(tooLarge)).toBe('refused');
    expect(classifyWriteError(protocol('INVALID_TOPIC_EXCEPTION', 17))).toBe('refused');
  });

  it('replaces the producer when its sequence numbers went astray', () => {
    expect(classifyWriteError(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', 45))).toBe('sequence');
    expect(classifyWriteError(protocol('UNKNOWN_PRODUCER_ID', 59))).toBe('sequence');
  });

  it('fails the engine when it may not write', () => {
    expect(classifyWriteError(protocol('TOPIC_AUTHORIZATION_FAILED', 29))).toBe('fatal');
  });
});
