import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/binding/client/circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one trial through after the cooldown, and closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    for (let i = 0; i < 2; i++) {
      expect(b.allow()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.retryInMs()).toBe(1000);
    now = 999;
    expect(b.allow()).toBe(false);
    now = 1000;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true); // the trial
    expect(b.allow()).toBe(false); // only one trial at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('re-opens when the trial fails', () => {
    let now = 0;
    const b = new CircuitBreaker(1, 500, () => now);
    b.failure();
    now = 500;
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.retryInMs()).toBe(500);
  });
});
