/**
 * A DataSource decorator that shares bar windows between processes through Redis, so fifty live runs
 * on one symbol fetch its bars from the source once per TTL, not fifty times.
 *
 * - **Key**: the configured source identity + the DataSource's name + symbol + timeframe + the query
 *   exactly (cache-key.ts). Values are binary columns (bar-codec.ts).
 * - **Single flight across processes**: on a miss, `SET lock NX PX lockMs`; the holder reads the key
 *   once more (someone may just have stored it), fetches, stores, and releases its lock (only its own:
 *   compare-and-delete). The others poll the key (10 → 100 ms) and take the lock themselves when it
 *   is gone without a value, so a holder that died blocks them at most `lockMs`. Within one process,
 *   requests for one key share one promise.
 * - **Never newer than the reader's clock**: a window is served only while its expiry (the writer's
 *   clock: the TTL, and for windows that can still grow, the close of the next bar) is ahead of the
 *   reader's clock, and only if its last bar closed at or before the reader's clock; otherwise the
 *   reader asks its source directly (clock skew between machines). What is served is byte for byte
 *   what the source returned for that query.
 * - **Quotes, specifications, symbol lists pass through** (a quote is per instant; the rest is read
 *   once per run).
 * - **Redis trouble never stops a run**: any Redis failure (down, slow, a corrupt value) is counted,
 *   logged once in a while, and the run reads its source directly.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  TIMEFRAME_MS,
  TradekitError,
  type BarQuery,
  type BarSeries,
  type Clock,
  type Coverage,
  type DataSource,
  type Logger,
  type SymbolInfo,
  type Tick,
  type Timeframe,
} from '@tradekit/core';
import { throttled } from '../log-throttle.js';
import { redactorFor } from '../redis.js';
import { decodeWindow, encodeWindow, encodedSize } from './bar-codec.js';
import { lockKeyOf, windowKey } from './cache-key.js';
import { inFlight } from './shared.js';

export interface RedisBarCacheOptions {
  /** The Redis URL (for the per-process sharing of fetches and for messages). */
  url: string;
  /** Identity of the feed: runs with the same `source` share windows (e.g. `mt5:ICMarketsSC-Live`). */
  source: string;
  /** Time to live of a window, ms (also bounded by the close of the next bar). */
  ttlMs: number;
  /** Lock time to live, ms: how long a dead fetcher can hold the others up. */
  lockMs: number;
  /** Windows larger than this (encoded) are not shared. */
  maxBytes: number;
  /** Key prefix (default `tradekit:mdc`). */
  prefix?: string;
  log?: Logger;
}

export interface RedisCacheStats {
  /** Served from Redis. */
  hits: number;
  /** Fetched from the source by this instance (as the lock holder). */
  misses: number;
  /** Joined a fetch in flight in this process. */
  joins: number;
  /** Waited for another process's fetch at least once. */
  waits: number;
  /** A cached window closed after this reader's clock: read from the source instead. */
  skewed: number;
  /** Read from the source without the cache: Redis failed, or a waiter gave up. */
  bypassed: number;
  /** Windows too large to share. */
  tooLarge: number;
  errors: number;
}

const RELEASE_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** A Redis failure (as opposed to the source's own error, which reaches the caller unchanged). */
class RedisFailed extends Error {}

export class RedisBarCache implements DataSource {
  readonly name: string;
  private readonly counters: RedisCacheStats = { hits: 0, misses: 0, joins: 0, waits: 0, skewed: 0, bypassed: 0, tooLarge: 0, errors: 0 };
  private readonly prefix: string;
  private readonly redact: (s: string) => string;
  private readonly once = throttled(30_000);

  constructor(
    private readonly inner: DataSource,
    private readonly clock: Clock,
    private readonly redis: Redis,
    private readonly o: RedisBarCacheOptions,
  ) {
    this.name = `redis-cache(${inner.name})`;
    this.prefix = o.prefix ?? 'tradekit:mdc';
    this.redact = redactorFor(o.url);
  }

  stats(): RedisCacheStats {
    return { ...this.counters };
  }

  listSymbols(signal?: AbortSignal) {
    return this.inner.listSymbols(signal);
  }

  symbolInfo(symbol: string, signal?: AbortSignal): SymbolInfo | Promise<SymbolInfo> {
    return this.inner.symbolInfo(symbol, signal);
  }

  tick(symbol: string, signal?: AbortSignal): Tick | Promise<Tick> {
    return this.inner.tick(symbol, signal);
  }

  timeframes(symbol: string): readonly Timeframe[] {
    return this.inner.timeframes?.(symbol) ?? [];
  }

  get hasCoverage(): boolean {
    return typeof this.inner.coverage === 'function';
  }

  coverage(symbol: string, timeframe?: Timeframe): Coverage {
    if (!this.inner.coverage) throw new TradekitError('TK_ERR_ENGINE_STATE', `the data source "${this.inner.name}" has no history coverage`);
    return this.inner.coverage(symbol, timeframe);
  }

  columns(symbol: string, timeframe: Timeframe): BarSeries {
    if (!this.inner.columns) throw new TradekitError('TK_ERR_ENGINE_STATE', `the data source "${this.inner.name}" has no history columns`);
    return this.inner.columns(symbol, timeframe);
  }

  close() {
    return this.inner.close?.();
  }

  async bars(symbol: string, timeframe: Timeframe, query: BarQuery, signal?: AbortSignal): Promise<BarSeries> {
    // Under a simulated clock the window depends on the simulated time, not only on the query: never share.
    if (this.clock.kind !== 'live') return this.inner.bars(symbol, timeframe, query, signal);
    const key = windowKey(this.prefix, this.o.source, this.inner.name, symbol, timeframe, query);
    const local = `${this.o.url}|${key}`;
    let p = inFlight.get(local) as Promise<BarSeries> | undefined;
    if (p) this.counters.joins++;
    else {
      // Shared by every run of this process that asks meanwhile: no run's signal may cancel it for the
      // others. Each caller stops waiting on its own signal instead.
      p = this.load(key, symbol, timeframe, query).finally(() => inFlight.delete(local));
      inFlight.set(local, p);
    }
    return signal ? untilAborted(p, signal) : p;
  }

  private async load(key: string, symbol: string, timeframe: Timeframe, query: BarQuery): Promise<BarSeries> {
    const lockKey = lockKeyOf(key);
    const started = performance.now();
    let delay = 10;
    let waited = false;
    try {
      for (;;) {
        const hit = await this.read(key, symbol, timeframe);
        if (hit === 'skewed') {
          this.counters.skewed++;
          return await this.inner.bars(symbol, timeframe, query);
        }
        if (hit) {
          this.counters.hits++;
          return hit;
        }
        const token = randomBytes(12).toString('base64');
        if ((await this.r(() => this.redis.set(lockKey, token, 'PX', this.o.lockMs, 'NX'))) === 'OK') {
          try {
            // Someone may have stored it between our read and our lock.
            const again = await this.read(key, symbol, timeframe);
            if (again && again !== 'skewed') {
              this.counters.hits++;
              return again;
            }
            this.counters.misses++;
            const fetchedAt = this.clock.now();
            const s = await this.inner.bars(symbol, timeframe, query);
            // The run has its window: a failure to share it is only logged.
            await this.store(key, s, query, timeframe, fetchedAt).catch((e: Error) => this.failed(e));
            return s;
          } finally {
            await this.r(() => this.redis.eval(RELEASE_LUA, 1, lockKey, token)).catch(() => undefined);
          }
        }
        if (!waited) {
          waited = true;
          this.counters.waits++;
        }
        if (performance.now() - started > this.o.lockMs * 2 + 1_000) {
          // Several holders in a row took too long: stop waiting, read the source.
          this.counters.bypassed++;
          return await this.inner.bars(symbol, timeframe, query);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(100, Math.ceil(delay * 1.5));
      }
    } catch (e) {
      if (!(e instanceof RedisFailed)) throw e;
      this.failed(e);
      this.counters.bypassed++;
      return this.inner.bars(symbol, timeframe, query);
    }
  }

  private failed(e: Error): void {
    this.counters.errors++;
    if (this.once(e.message)) this.o.log?.warn({ code: 'TK_ERR_CLUSTER_CACHE' }, `redis-cache: ${e.message}; reading the source directly meanwhile`);
  }

  /** The window if it may be served now; 'skewed' if it closes after this reader's clock. */
  private async read(key: string, symbol: string, timeframe: Timeframe): Promise<BarSeries | 'skewed' | undefined> {
    const buf = await this.r(() => this.redis.getBuffer(key));
    if (!buf) return undefined;
    const w = decodeWindow(buf, symbol, timeframe);
    if (!w) {
      this.counters.errors++;
      return undefined;
    }
    const now = this.clock.now();
    const s = w.series;
    if (s.length > 0 && s.time[s.length - 1]! + TIMEFRAME_MS[timeframe] > now) return 'skewed';
    return w.expiresAt > now ? s : undefined;
  }

  private async store(key: string, s: BarSeries, query: BarQuery, timeframe: Timeframe, fetchedAt: number): Promise<void> {
    const now = this.clock.now();
    const expiresAt = expiryOf(s, query, timeframe, fetchedAt, this.o.ttlMs);
    if (expiresAt <= now) return;
    if (encodedSize(s) > this.o.maxBytes) {
      this.counters.tooLarge++;
      return;
    }
    await this.r(() => this.redis.set(key, encodeWindow(s, expiresAt, fetchedAt), 'PX', Math.max(1, Math.ceil(expiresAt - now))));
  }

  private async r<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw new RedisFailed(this.redact((e as Error).message));
    }
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const stopped = () => new TradekitError('TK_ERR_RUN_ABORTED', 'the run was stopped', { cause: signal.reason });
  if (signal.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/**
 * Until when a window may be served (writer's clock). A window that can still grow — the last N bars,
 * or a range reaching past the last closed bar — goes stale when the next bar may have closed; a range
 * that closed before the fetch only ages out by the TTL.
 */
export function expiryOf(s: BarSeries, query: BarQuery, timeframe: Timeframe, fetchedAt: number, ttlMs: number): number {
  const tf = TIMEFRAME_MS[timeframe];
  const byTtl = fetchedAt + ttlMs;
  const closed = typeof query !== 'number' && query.to + tf <= fetchedAt;
  if (closed) return byTtl;
  if (s.length > 0) return Math.min(byTtl, s.time[s.length - 1]! + 2 * tf);
  return Math.min(byTtl, fetchedAt + tf);
}
