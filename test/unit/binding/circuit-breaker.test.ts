/**
 * The per-agent circuit breaker: it opens on timeouts of requests the server does not deduplicate, never on those
 * it does (SendMessage), lets waiting callers through with the trial, and an aborted trial does not wedge it.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/binding/client/circuit-breaker.js';
import { KamfError, isKamfError } from '../../../src/core/errors.js';

const timeout = (deduplicated: boolean) => new KamfError('A2A_TIMEOUT', 'no reply', { details: { deduplicated } });
const fail = (err: unknown) => () => Promise.reject(err);
const ok = () => Promise.resolve('answer');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CircuitBreaker', () => {
  it('opens after the threshold of counted timeouts, fails fast, then one trial closes it', async () => {
    const b = new CircuitBreaker('agent.x.requests', 3, 100);
    const seen: string[] = [];
    b.onStateChange((s) => seen.push(s));
    for (let i = 0; i < 2; i++) await expect(b.execute(fail(timeout(false)))).rejects.toMatchObject({ code: 'A2A_TIMEOUT' });
    expect(b.state).toBe('closed');
    await expect(b.execute(fail(timeout(false)))).rejects.toMatchObject({ code: 'A2A_TIMEOUT' });
    expect(b.state).toBe('open');
    let calls = 0;
    const refused = await b.execute(() => (calls++, ok())).catch((e: unknown) => e);
    expect(isKamfError(refused, 'A2A_CIRCUIT_OPEN')).toBe(true);
    expect(calls).toBe(0);
    expect((refused as KamfError).details.retryInMs).toBeGreaterThan(0);
    await sleep(120);
    expect(b.state).toBe('half-open');
    expect(await b.execute(ok)).toBe('answer');
    expect(b.state).toBe('closed');
    expect(seen).toEqual(['open', 'half-open', 'closed']);
  });

  it('repeated timeouts of deduplicated requests (SendMessage) do not open it', async () => {
    const b = new CircuitBreaker('agent.x.requests', 2, 60_000);
    for (let i = 0; i < 20; i++) await expect(b.execute(fail(timeout(true)))).rejects.toMatchObject({ code: 'A2A_TIMEOUT' });
    expect(b.state).toBe('closed');
    expect(await b.execute(ok)).toBe('answer');
  });

  it('A2A errors are answers: they reset the count', async () => {
    const b = new CircuitBreaker('agent.x.requests', 2, 60_000);
    await b.execute(fail(timeout(false))).catch(() => {});
    await b.execute(ok);
    await b.execute(fail(timeout(false))).catch(() => {});
    expect(b.state).toBe('closed');
  });

  it('an aborted trial call does not wedge it, and callers waiting on the trial go through after it', async () => {
    const b = new CircuitBreaker('agent.x.requests', 1, 50);
    await b.execute(fail(timeout(false))).catch(() => {});
    expect(b.state).toBe('open');
    await sleep(70);
    // the trial is aborted by its caller: neither success nor failure of the agent
    const ac = new AbortController();
    const trial = b.execute(
      (signal) =>
        new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => reject(new KamfError('A2A_ABORTED', 'aborted')));
          ac.signal.addEventListener('abort', () => reject(new KamfError('A2A_ABORTED', 'aborted')));
        }),
      ac.signal,
    );
    // twenty concurrent callers arrive during the trial: they wait for it instead of being refused
    const waiting = Array.from({ length: 20 }, () => b.execute(ok));
    await sleep(10);
    ac.abort();
    await expect(trial).rejects.toMatchObject({ code: 'A2A_ABORTED' });
    expect(await Promise.all(waiting)).toEqual(Array(20).fill('answer'));
    expect(b.state).toBe('closed');
  });

  it('a failed trial re-opens it', async () => {
    const b = new CircuitBreaker('agent.x.requests', 1, 50);
    await b.execute(fail(timeout(false))).catch(() => {});
    await sleep(70);
    await expect(b.execute(fail(timeout(false)))).rejects.toMatchObject({ code: 'A2A_TIMEOUT' });
    expect(b.state).toBe('open');
    expect(b.retryInMs()).toBeGreaterThan(0);
  });
});
