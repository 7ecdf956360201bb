/**
 * Whether this run may write to its broker right now. Three things stop it: the run lease is not held
 * (renewals failing, or another process took the run over: fenced), or the state store is failing (a
 * write the journal cannot record must not happen: "no order without its journal rows"). The engine
 * asks before every order, close, modify and cancel; the run watches the store failure and clears it
 * once the store works again and recovery has brought the journal back in line with the broker.
 */
import type { TradekitError } from '../errors.js';

export class WriteGuard {
  private storeError?: TradekitError;
  private fencedError?: TradekitError;
  private readonly listeners = new Set<(e: TradekitError | undefined) => void>();

  constructor(private readonly lease?: { readonly held: boolean }) {}

  /** Why broker writes are refused now, or undefined when they are allowed. */
  get blocked(): string | undefined {
    if (this.fencedError) return 'run taken over by another process (fenced)';
    if (this.storeError) return `state store failing (${this.storeError.code})`;
    if (this.lease && !this.lease.held) return 'run lease not held';
    return undefined;
  }

  get storeFailure(): TradekitError | undefined {
    return this.storeError;
  }

  get fenced(): TradekitError | undefined {
    return this.fencedError;
  }

  /** Records a failure of the state store or the lease; true the first time (the caller reports it). */
  fail(err: TradekitError): boolean {
    if (err.code === 'TK_ERR_RUN_FENCED') {
      if (this.fencedError) return false;
      this.fencedError = err;
    } else {
      if (this.storeError) return false;
      this.storeError = err;
    }
    for (const l of this.listeners) l(err);
    return true;
  }

  storeRecovered(): void {
    if (!this.storeError) return;
    this.storeError = undefined;
    for (const l of this.listeners) l(undefined);
  }

  onChange(fn: (e: TradekitError | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** Whether an error means the run must stop writing: the store failed, or the run was fenced. */
export function isStateFailure(e: unknown): e is TradekitError {
  const code = (e as { code?: string } | null)?.code;
  return code === 'TK_ERR_STATE_IO' || code === 'TK_ERR_RUN_FENCED';
}
