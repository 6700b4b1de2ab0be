/**
 * One circuit breaker per agent: after `threshold` consecutive failures (timeouts, unreachable), calls fail fast
 * for `cooldownMs`; then one trial call is let through (half-open) and its outcome closes or re-opens the circuit.
 * A2A errors from the agent are answers, not failures, and do not count.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trial = false;

  constructor(
    readonly threshold = 5,
    readonly cooldownMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** True if a call may go out now. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'half-open' && !this.trial) {
      this.trial = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.trial = false;
  }

  failure(): void {
    this.failures++;
    this.trial = false;
    if (this.failures >= this.threshold) this.openedAt = this.now();
  }

  retryInMs(): number {
    return Math.max(0, this.cooldownMs - (this.now() - this.openedAt));
  }
}
