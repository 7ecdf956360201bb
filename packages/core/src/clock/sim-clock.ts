import type { Clock } from '../interfaces.js';
import { TradekitError } from '../errors.js';
import { abortError } from './live-clock.js';

/**
 * Simulated time for replays and backtests. Time only moves forward, when the driver says so;
 * `sleep` advances it and resolves without a timer.
 */
export class SimClock implements Clock {
  readonly kind = 'sim' as const;
  private t: number;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Moves time to `t` (never backwards). */
  set(t: number): void {
    if (t < this.t) {
      throw new TradekitError('TK_ERR_ENGINE_STATE', `SimClock cannot go back in time (${new Date(t).toISOString()} < ${new Date(this.t).toISOString()})`);
    }
    this.t = t;
  }

  advance(ms: number): void {
    this.set(this.t + ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    this.advance(Math.max(0, ms));
    return Promise.resolve();
  }
}
