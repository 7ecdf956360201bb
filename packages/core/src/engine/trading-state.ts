/**
 * ACTIVE / HALTED / REDUCING lives in core and is persisted, so a restart keeps a halted run halted.
 * HALTED: no new orders, positions are still managed. REDUCING: no new entries; closes and
 * stop-tightening are allowed. While the state store fails, the system holds the run HALTED (not
 * persisted) and releases it to the persisted state once the store works again.
 */
import type { KeyValueStore } from '../interfaces.js';
import type { TradingState } from '../types.js';

export type StateListener = (from: TradingState, to: TradingState, reason?: string, by?: string) => void;

const KEY = 'engine.tradingState';

export class TradingStateController {
  private current: TradingState = 'ACTIVE';
  /** A halt imposed by the system (the state store failing): HALTED whatever the persisted state, not persisted. */
  private held?: string;
  private readonly listeners = new Set<StateListener>();

  constructor(private readonly kv?: KeyValueStore) {}

  /** The effective state: HALTED while the system holds the run, else the persisted state. */
  get state(): TradingState {
    return this.held === undefined ? this.current : 'HALTED';
  }

  /** The state a user or plugin set (what a restart comes back to). */
  get persisted(): TradingState {
    return this.current;
  }

  /** Halts the run without persisting (the store may be what failed); `release` restores the set state. */
  hold(reason: string): void {
    if (this.held !== undefined) return;
    const from = this.state;
    this.held = reason;
    if (from !== 'HALTED') for (const l of this.listeners) l(from, 'HALTED', reason, 'system');
  }

  release(reason: string): void {
    if (this.held === undefined) return;
    this.held = undefined;
    if (this.current !== 'HALTED') for (const l of this.listeners) l('HALTED', this.current, reason, 'system');
  }

  async load(): Promise<TradingState> {
    const saved = await this.kv?.get<{ state: TradingState }>(KEY);
    if (saved?.state === 'HALTED' || saved?.state === 'REDUCING' || saved?.state === 'ACTIVE') this.current = saved.state;
    return this.current;
  }

  /** Changes the state (persisted before listeners hear of it). Returns false when already there. */
  async set(to: TradingState, reason?: string, by?: string): Promise<boolean> {
    const from = this.current;
    if (from === to) return false;
    await this.kv?.set(KEY, { state: to, reason, by });
    this.current = to;
    if (this.held === undefined) for (const l of this.listeners) l(from, to, reason, by);
    return true;
  }

  onChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Whether a new entry may be placed now. */
  allowsEntries(): boolean {
    return this.state === 'ACTIVE';
  }
}
