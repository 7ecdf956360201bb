/**
 * The original's AsyncRateLimiter: a token bucket per terminal. `acquire()` resolves when a token is
 * available, in arrival order, waiting (wall time) rather than failing. Defaults sit safely below
 * what brokers tolerate; a 10024 from the server still backs off on top of this.
 */
import { systemTimer, type WallTimer } from '../transport/wall-clock.js';

export interface RateLimit {
  /** Tokens added per second (0 = unlimited). */
  perSecond: number;
  /** Bucket size: requests allowed in a burst. */
  burst: number;
}

export class AsyncRateLimiter {
  private tokens: number;
  private last: number;
  private chain: Promise<void> = Promise.resolve();
  /** Total ms callers waited (for metrics and tests). */
  waitedMs = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly timer: WallTimer = systemTimer,
  ) {
    this.tokens = limit.burst;
    this.last = timer.now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (this.limit.perSecond <= 0) return Promise.resolve();
    const next = this.chain.then(() => this.take(signal));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.timer.now();
      this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const wait = Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000);
      this.waitedMs += wait;
      await this.timer.sleep(wait, signal);
    }
  }
}
