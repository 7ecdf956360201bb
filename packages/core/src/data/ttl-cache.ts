/**
 * A TTL cache in front of any DataSource (the original's DataCache, done right): keyed by symbol +
 * timeframe + query (count or range), concurrent requests for one key share a single fetch, entries
 * expire after `ttlMs` of *clock* time or as soon as a newer bar may have closed, the number of
 * entries is bounded (least recently used goes first), and hits/misses/joins/evictions are counted.
 * Synchronous sources stay synchronous through the cache.
 */
import type { Clock, Coverage, DataSource } from '../interfaces.js';
import { TradekitError } from '../errors.js';
import type { BarQuery, BarSeries, MaybePromise, SymbolInfo, Tick, Timeframe } from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
import { TIMEFRAME_MS } from './timeframes.js';

export interface TtlCacheOptions {
  /** Bars: time to live in clock ms (also bounded by the next bar close). */
  ttlMs: number;
  /** Quotes: time to live in clock ms; 0 = never cached. */
  tickTtlMs: number;
  /** Symbol specifications: time to live in clock ms. */
  infoTtlMs: number;
  /** Entries kept at most (LRU eviction). */
  maxEntries: number;
}

export const CACHE_DEFAULTS: TtlCacheOptions = { ttlMs: 60_000, tickTtlMs: 0, infoTtlMs: 3_600_000, maxEntries: 512 };

export interface CacheStats {
  hits: number;
  misses: number;
  /** Requests that joined a fetch already in flight. */
  joins: number;
  evictions: number;
  errors: number;
  size: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

export class TtlCache implements DataSource {
  readonly name: string;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly counters = { hits: 0, misses: 0, joins: 0, evictions: 0, errors: 0 };
  private readonly opts: TtlCacheOptions;

  constructor(
    private readonly inner: DataSource,
    private readonly clock: Clock,
    options: Partial<TtlCacheOptions> = {},
  ) {
    this.opts = { ...CACHE_DEFAULTS, ...options };
    this.name = `cache(${inner.name})`;
  }

  stats(): CacheStats {
    return { ...this.counters, size: this.entries.size };
  }

  clear(): void {
    this.entries.clear();
  }

  listSymbols(signal?: AbortSignal): MaybePromise<string[]> {
    return this.get('symbols', this.opts.infoTtlMs, () => this.inner.listSymbols(signal));
  }

  symbolInfo(symbol: string, signal?: AbortSignal): MaybePromise<SymbolInfo> {
    return this.get(`info|${symbol}`, this.opts.infoTtlMs, () => this.inner.symbolInfo(symbol, signal));
  }

  timeframes(symbol: string): readonly Timeframe[] {
    return this.inner.timeframes?.(symbol) ?? [];
  }

  columns(symbol: string, timeframe: Timeframe): BarSeries {
    if (!this.inner.columns) throw new TradekitError('TK_ERR_ENGINE_STATE', `the data source "${this.inner.name}" has no history columns`);
    return this.inner.columns(symbol, timeframe);
  }

  get hasCoverage(): boolean {
    return typeof this.inner.coverage === 'function';
  }

  coverage(symbol: string, timeframe?: Timeframe): Coverage {
    if (!this.inner.coverage) throw new TradekitError('TK_ERR_ENGINE_STATE', `the data source "${this.inner.name}" has no history coverage`);
    return this.inner.coverage(symbol, timeframe);
  }

  bars(symbol: string, timeframe: Timeframe, query: BarQuery, signal?: AbortSignal): MaybePromise<BarSeries> {
    const key = typeof query === 'number' ? `bars|${symbol}|${timeframe}|n${query}` : `bars|${symbol}|${timeframe}|${query.from}-${query.to}`;
    // A cached "last N bars" answer goes stale as soon as the next bar closes.
    const tf = TIMEFRAME_MS[timeframe];
    const ttl = this.opts.ttlMs;
    const expiry =
      typeof query === 'number'
        ? (s: BarSeries, now: number) => (s.length > 0 ? Math.min(now + ttl, s.time[s.length - 1]! + 2 * tf) : now + ttl)
        : (_s: BarSeries, now: number) => now + ttl;
    return this.get(key, expiry, () => this.inner.bars(symbol, timeframe, query, signal));
  }

  tick(symbol: string, signal?: AbortSignal): MaybePromise<Tick> {
    if (this.opts.tickTtlMs <= 0) return this.inner.tick(symbol, signal);
    return this.get(`tick|${symbol}`, this.opts.tickTtlMs, () => this.inner.tick(symbol, signal));
  }

  close(): MaybePromise<void> {
    this.entries.clear();
    return this.inner.close?.();
  }

  private get<T>(key: string, ttl: number | ((value: T, now: number) => number), fetch: () => MaybePromise<T>): MaybePromise<T> {
    const expiresAt = (value: T, at: number): number => (typeof ttl === 'number' ? at + ttl : ttl(value, at));
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (e && e.expiresAt > now) {
      this.counters.hits++;
      // Refresh recency: Map keeps insertion order, so re-inserting moves the key to the end.
      this.entries.delete(key);
      this.entries.set(key, e);
      return e.value as T;
    }
    if (e) this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) {
      this.counters.joins++;
      return pending as Promise<T>;
    }
    this.counters.misses++;
    let v: MaybePromise<T>;
    try {
      v = fetch();
    } catch (err) {
      this.counters.errors++;
      throw err;
    }
    if (!isPromiseLike(v)) {
      this.store(key, v, expiresAt(v, now));
      return v;
    }
    const p = (v as Promise<T>).then(
      (value) => {
        this.inFlight.delete(key);
        this.store(key, value, expiresAt(value, this.clock.now()));
        return value;
      },
      (err: unknown) => {
        this.inFlight.delete(key);
        this.counters.errors++;
        throw err;
      },
    );
    this.inFlight.set(key, p);
    return p;
  }

  private store(key: string, value: unknown, expiresAt: number): void {
    if (expiresAt <= this.clock.now()) return;
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.counters.evictions++;
    }
  }
}
