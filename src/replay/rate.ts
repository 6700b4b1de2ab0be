/**
 * A token bucket for `--rate`: `rate` tokens per second, at most `burst` saved up (default 1, so records leave
 * evenly spaced). `take()` waits until a token is there. Clock and sleep are injectable for tests.
 */
import { KamfError } from '../core/errors.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst = 1,
    private readonly clock: Clock = realClock,
  ) {
    if (!(rate > 0)) throw new KamfError('CONFIG_INVALID', `rate must be > 0 (records per second), got ${rate}`, { details: { rate } });
    if (!(burst >= 1)) throw new KamfError('CONFIG_INVALID', `burst must be >= 1, got ${burst}`, { details: { burst } });
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Takes one token, waiting as long as needed. */
  async take(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
    }
  }
}

/** Takes nothing, waits for nothing: for unpaced replays. */
export const unlimited = { take: async (): Promise<void> => {} };
