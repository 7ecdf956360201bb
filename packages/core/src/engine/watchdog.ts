/**
 * Deadlines for asynchronous plugin calls without a timer per call: one unref'd interval checks the
 * armed deadlines while any is armed. Wall-clock by design (a plugin hang is a wall-clock problem).
 */
import { performance } from 'node:perf_hooks';

export class Watchdog {
  private readonly armed = new Map<number, { deadline: number; fire: () => void }>();
  private nextToken = 1;
  private interval: NodeJS.Timeout | undefined;
  private resolutionMs = 1000;

  arm(ms: number, fire: () => void): number {
    const token = this.nextToken++;
    this.armed.set(token, { deadline: performance.now() + ms, fire });
    const res = Math.max(5, Math.min(1000, Math.floor(ms / 4)));
    if (!this.interval || res < this.resolutionMs) {
      if (this.interval) clearInterval(this.interval);
      this.resolutionMs = res;
      this.interval = setInterval(() => this.check(), res);
      this.interval.unref();
    }
    return token;
  }

  disarm(token: number): void {
    this.armed.delete(token);
    if (this.armed.size === 0 && this.interval) {
      clearInterval(this.interval);
      this.interval = undefined;
      this.resolutionMs = 1000;
    }
  }

  private check(): void {
    const now = performance.now();
    for (const [token, a] of this.armed) {
      if (a.deadline <= now) {
        this.disarm(token);
        a.fire();
      }
    }
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    this.armed.clear();
  }
}
