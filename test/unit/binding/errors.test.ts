/** The binding's errors are KamfErrors with stable codes, and the A2A error a caller receives stays the same. */
import { describe, expect, it } from 'vitest';
import { parseInterfaceUrl } from '../../../src/binding/protocol.js';
import { undecodableCode } from '../../../src/binding/server/call-context.js';
import { BINDING_ERROR, UnauthenticatedError, errorOf } from '../../../src/binding/server/errors.js';
import { KamfError, isKamfError } from '../../../src/core/errors.js';

describe('binding errors', () => {
  it('UnauthenticatedError is the KamfError A2A_UNAUTHENTICATED and reaches the caller as -32040', () => {
    const err = new UnauthenticatedError();
    expect(isKamfError(err, 'A2A_UNAUTHENTICATED')).toBe(true);
    expect(errorOf(err)).toEqual({ code: BINDING_ERROR.unauthenticated, message: err.message });
    expect(errorOf(new KamfError('A2A_UNAUTHENTICATED', 'no token'))).toEqual({ code: -32040, message: 'no token' });
  });

  it('other KamfErrors are internal errors for the caller', () => {
    expect(errorOf(new KamfError('A2A_TASK_STORE_NOT_STARTED', 'x')).code).toBe(BINDING_ERROR.internal);
  });

  it('a malformed interface URL is A2A_BAD_INTERFACE_URL', () => {
    expect(parseInterfaceUrl('kafka://a:9092,b:9092/agent.echo.requests')).toEqual({ brokers: ['a:9092', 'b:9092'], topic: 'agent.echo.requests' });
    let caught: unknown;
    try {
      parseInterfaceUrl('http://example.com/x');
    } catch (err) {
      caught = err;
    }
    expect(isKamfError(caught, 'A2A_BAD_INTERFACE_URL')).toBe(true);
  });

  it('dead-letter codes are KamfError codes; anything else counts as CODEC_DECODE_FAILED', () => {
    expect(undecodableCode(new KamfError('CODEC_BAD_MAGIC', 'x'))).toBe('CODEC_BAD_MAGIC');
    expect(undecodableCode(new KamfError('A2A_EMPTY_RECORD', 'x'))).toBe('A2A_EMPTY_RECORD');
    expect(undecodableCode(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' }))).toBe('CODEC_DECODE_FAILED');
  });
});
