import type { Clock } from '../../src/index.js';

/** A wall clock a test sets by hand (leases and renewals judged at chosen instants). */
export class ManualClock implements Clock {
  readonly kind = 'live' as const;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
}
