/**
 * What every RunLease implementation shares: the holder's own view of whether it still holds the
 * lease. It counts from the time a renewal was *sent* (not answered), and gives up a safety margin
 * before the TTL ends, so a process that stalled (GC, SIGSTOP, a slow disk) stops writing before any
 * other process could have taken the lease over.
 */
import { TradekitError } from '../errors.js';
import type { Clock, LeaseHolder, LeaseOptions, LeaseState, RunLease } from '../interfaces.js';

export abstract class LeaseBase implements RunLease {
  token = 0;
  protected readonly holder: LeaseHolder;
  protected readonly ttlMs: number;
  protected readonly clock: Clock;
  private validUntil = -Infinity;
  private fencedBy?: TradekitError;

  constructor(
    readonly run: string,
    o: LeaseOptions,
  ) {
    this.holder = o.holder;
    this.ttlMs = o.ttlMs;
    this.clock = o.clock;
  }

  get held(): boolean {
    return this.token > 0 && !this.fencedBy && this.clock.now() < this.validUntil;
  }

  /** Call with the wall time read just before the acquiring or renewing write was sent. */
  protected renewedAt(sentAt: number): void {
    this.validUntil = sentAt + this.ttlMs - Math.min(this.ttlMs / 5, 5_000);
  }

  /** Released: not held any more (the token stays, so the store's writes remain fenced by it). */
  protected dropped(): void {
    this.validUntil = -Infinity;
  }

  protected fenced(current: LeaseState | undefined): TradekitError {
    const by = current ? `${current.holder} (token ${current.token})` : 'nobody (the lease row is gone)';
    this.fencedBy = new TradekitError(
      'TK_ERR_RUN_FENCED',
      `run ${this.run}: this process (token ${this.token}) lost its lease to ${by}; it stops writing at once`,
      {
        classification: 'fatal',
        details: { run: this.run, token: this.token, holder: current?.holder, holderToken: current?.token },
      },
    );
    this.validUntil = -Infinity;
    return this.fencedBy;
  }

  protected locked(current: LeaseState): TradekitError {
    const now = this.clock.now();
    const where = current.host ? ` on ${current.host}${current.pid ? ` (pid ${current.pid})` : ''}` : '';
    return new TradekitError(
      'TK_ERR_RUN_LOCKED',
      `run ${this.run} is held by ${current.holder}${where} since ${iso(current.acquiredAt)}; its lease ends at ${iso(current.expiresAt)} (in ${Math.max(0, Math.ceil((current.expiresAt - now) / 1000))} s). Stop that process first; if it died, start again after the lease has expired`,
      {
        classification: 'retryable',
        retryAfterMs: Math.max(0, current.expiresAt - now),
        details: { run: this.run, holder: current.holder, host: current.host, pid: current.pid, expiresAt: current.expiresAt },
      },
    );
  }

  protected get fenceError(): TradekitError | undefined {
    return this.fencedBy;
  }

  abstract acquire(): Promise<{ state: LeaseState; previous?: LeaseState }>;
  abstract renew(opts?: { seqHwm?: number }): Promise<void>;
  abstract release(opts?: { seqHwm?: number }): Promise<void>;
  abstract read(): Promise<LeaseState | undefined>;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
