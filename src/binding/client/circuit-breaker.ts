/**
 * One circuit breaker per agent request topic, on cockatiel's: after `threshold` consecutive calls that timed out
 * (the agent did not answer), calls fail fast for `cooldownMs`; then one trial call goes out (half-open) while the
 * others wait for its outcome, and the outcome closes or re-opens the circuit.
 *
 * What counts as a failure: a call that timed out (A2A_TIMEOUT) whose request the server does not deduplicate.
 * A SendMessage is deduplicated by messageId, so its timeouts (and the safe retries that follow them) never open
 * the circuit. A2A errors are answers, not failures. A call that ends any other way (aborted by its caller, the
 * client closed, a codec error) counts as neither: an aborted trial closes nothing and wedges nothing.
 * The breaker wraps a whole call, retries included: it never refuses a call's own retry.
 */
import { CircuitState as CockatielState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { KamfError, isKamfError } from '../../core/errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

const NAMES: Record<CockatielState, CircuitState> = {
  [CockatielState.Closed]: 'closed',
  [CockatielState.Open]: 'open',
  [CockatielState.HalfOpen]: 'half-open',
  [CockatielState.Isolated]: 'isolated',
};

/** True for the errors that open the circuit: a timeout of a request the server does not deduplicate. */
export function countsAgainstAgent(err: unknown): boolean {
  return isKamfError(err, 'A2A_TIMEOUT') && err.details.deduplicated !== true;
}

export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  private readonly listeners = new Set<(state: CircuitState) => void>();

  constructor(
    readonly topic: string,
    readonly threshold = 5,
    readonly cooldownMs = 10_000,
  ) {
    this.policy = circuitBreaker(handleWhen(countsAgainstAgent), { halfOpenAfter: cooldownMs, breaker: new ConsecutiveBreaker(threshold) });
    this.policy.onStateChange((s) => {
      if (s === CockatielState.Open) this.openedAt = Date.now();
      for (const l of this.listeners) l(NAMES[s]);
    });
  }

  /** The circuit's state now: `open` only while calls fail fast (after the cool-down the next call is the trial). */
  get state(): CircuitState {
    const s = NAMES[this.policy.state];
    return s === 'open' && this.retryInMs() === 0 ? 'half-open' : s;
  }

  /** Time until the next trial call is allowed, ms (0 when calls go out). */
  retryInMs(): number {
    if (this.policy.state !== CockatielState.Open) return 0;
    return Math.max(0, this.cooldownMs - (Date.now() - this.openedAt));
  }

  /** Called on every state change (for metrics and logs). Returns the unsubscribe function. */
  onStateChange(listener: (state: CircuitState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs one call through the breaker; throws A2A_CIRCUIT_OPEN at once while the circuit is open. */
  async execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.policy.execute(({ signal: s }) => call(s), signal);
    } catch (err) {
      if ((err as { isBrokenCircuitError?: boolean }).isBrokenCircuitError || (err as Error)?.name === 'BrokenCircuitError') {
        throw new KamfError('A2A_CIRCUIT_OPEN', `Circuit open for ${this.topic}: ${this.threshold} calls in a row got no answer; retrying in ${this.retryInMs()} ms`, {
          details: { topic: this.topic, retryInMs: this.retryInMs() },
        });
      }
      throw err;
    }
  }
}
