import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../../src/binding/server/replies.js';

describe('dead-lettered headers', () => {
  it('never carry credentials, and say which were removed', () => {
    const out = redactCredentials({ authorization: 'Bearer secret', 'X-Api-Key': 'k', 'kamf-method': 'SendMessage', traceparent: '00-a-b-01' });
    expect(out).toEqual({ 'kamf-method': 'SendMessage', traceparent: '00-a-b-01', 'kamf-dlq-redacted': 'authorization,X-Api-Key' });
    expect(JSON.stringify(out)).not.toContain('secret');
  });

  it('leave headers without credentials as they are', () => {
    expect(redactCredentials({ 'kamf-method': 'GetTask' })).toEqual({ 'kamf-method': 'GetTask' });
    expect(redactCredentials(undefined)).toEqual({});
  });
});
