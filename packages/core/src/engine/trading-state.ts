/**
 * ACTIVE / HALTED / REDUCING lives in core and is persisted, so a restart keeps a halted run halted.
 * HALTED: no new orders, positions are still managed. REDUCING: no new entries; closes and
 * stop-tightening are allowed.
 */
import type { KeyValueStore } from '../interfaces.js';
import type { TradingState } from '../types.js';

export type StateListener = (from: TradingState, to: TradingState, reason?: string, by?: string) => void;

const KEY = 'engine.tradingState';

export class TradingStateController {
  private current: TradingState = 'ACTIVE';
  private readonly listeners = new Set<StateListener>();

  constructor(private readonly kv?: KeyValueStore) {}

  get state(): TradingState {
    return this.current;
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
    this.current = to;
    await this.kv?.set(KEY, { state: to, reason, by });
    for (const l of this.listeners) l(from, to, reason, by);
    return true;
  }

  onChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Whether a new entry may be placed now. */
  allowsEntries(): boolean {
    return this.current === 'ACTIVE';
  }
}
