/**
 * An economic calendar in the ForexFactory weekly JSON format
 * (`[{ title, country, date: "2026-06-05T08:30:00-04:00", impact: "High", forecast, previous }]`),
 * loaded from URLs and/or files and cached:
 * - a fetch happens only when the cache is older than `ttlMs`; a failed fetch keeps the previous
 *   events and is not retried before `retryMs` (the original re-fetched on every call while offline,
 *   stalling each symbol 10 s, three times per cycle);
 * - with `cacheFile`, the last good download is written to disk and read back at start, so a restart
 *   without network still knows the week's events;
 * - blackout = a high-impact event for one of the symbol's currencies within [−pre, +post] of now.
 * There is no built-in schedule: no calendar means no blackout (the original always applied a hard-coded
 * fake FOMC/CPI schedule to every USD symbol).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Clock, Logger } from '@tradekit/core';
import { agentsError } from '../errors.js';

export interface CalendarEvent {
  title: string;
  /** ISO currency code the event belongs to (ForexFactory's `country`). */
  currency: string;
  /** Epoch ms UTC. */
  time: number;
  impact: string;
}

/** Parses ForexFactory-style JSON; throws TK_ERR_AGENTS_NEWS_FORMAT when it is not that shape. */
export function parseCalendar(json: unknown, where: string): CalendarEvent[] {
  if (!Array.isArray(json))
    throw agentsError('TK_ERR_AGENTS_NEWS_FORMAT', `${where}: expected a JSON array of events, got ${json === null ? 'null' : typeof json}`);
  const out: CalendarEvent[] = [];
  json.forEach((e: unknown, i) => {
    if (!e || typeof e !== 'object') throw agentsError('TK_ERR_AGENTS_NEWS_FORMAT', `${where}[${i}]: not an object`);
    const r = e as Record<string, unknown>;
    const title = r.title;
    const currency = r.country ?? r.currency;
    const date = r.date;
    if (typeof title !== 'string' || typeof currency !== 'string' || typeof date !== 'string') {
      throw agentsError('TK_ERR_AGENTS_NEWS_FORMAT', `${where}[${i}]: needs string fields title, country and date`);
    }
    const time = Date.parse(date);
    if (!Number.isFinite(time)) throw agentsError('TK_ERR_AGENTS_NEWS_FORMAT', `${where}[${i}]: date ${JSON.stringify(date)} is not an ISO time`);
    out.push({ title, currency: currency.toUpperCase(), time, impact: typeof r.impact === 'string' ? r.impact : 'Unknown' });
  });
  return out;
}

export interface CalendarOptions {
  /** http(s) URLs and/or file paths (absolute). */
  sources: string[];
  ttlMs: number;
  retryMs: number;
  fetchTimeoutMs: number;
  preMs: number;
  postMs: number;
  /** Impacts that cause a blackout (ForexFactory: High, Medium, Low, Holiday). */
  impacts: string[];
  cacheFile?: string;
}

export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface CalendarStats {
  fetches: number;
  failures: number;
  lastError?: string;
  loadedAt?: number;
  events: number;
}

export class NewsCalendar {
  private events: CalendarEvent[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private nextAttempt = Number.NEGATIVE_INFINITY;
  private inFlight?: Promise<void>;
  readonly stats: CalendarStats = { fetches: 0, failures: 0, events: 0 };

  constructor(
    private readonly o: CalendarOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly fetchFn: FetchLike = globalThis.fetch as unknown as FetchLike,
  ) {}

  get all(): readonly CalendarEvent[] {
    return this.events;
  }

  /** True when the next `refresh()` would fetch. */
  get due(): boolean {
    const now = this.clock.now();
    return now - this.loadedAt >= this.o.ttlMs && now >= this.nextAttempt;
  }

  /** Reads the disk cache (if configured and present). Never throws. */
  async restore(): Promise<boolean> {
    if (!this.o.cacheFile) return false;
    try {
      const raw = JSON.parse(await readFile(this.o.cacheFile, 'utf8')) as { savedAt?: number; events?: unknown };
      this.set(parseCalendar(raw.events, this.o.cacheFile));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn({ err: (e as Error).message, file: this.o.cacheFile }, 'news cache unreadable; ignoring it');
      return false;
    }
  }

  /** Fetches when due; one fetch at a time; failures keep the old events. Never throws. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (!this.due) return Promise.resolve();
    this.inFlight = this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const merged: CalendarEvent[] = [];
    let failed: string | undefined;
    for (const src of this.o.sources) {
      try {
        merged.push(...(await this.read(src)));
      } catch (e) {
        failed = `${src}: ${(e as Error).message}`;
      }
    }
    this.stats.fetches++;
    const now = this.clock.now();
    if (failed && merged.length === 0) {
      this.stats.failures++;
      this.stats.lastError = failed;
      this.nextAttempt = now + this.o.retryMs;
      this.log.warn({ err: failed, retryInMs: this.o.retryMs, keeping: this.events.length }, 'economic calendar fetch failed; keeping the last events');
      return;
    }
    if (failed) this.log.warn({ err: failed }, 'one economic calendar source failed; using the others');
    this.set(merged);
    this.loadedAt = now;
    this.nextAttempt = now;
    if (this.o.cacheFile && this.o.sources.some(isUrl)) {
      await writeFile(
        this.o.cacheFile,
        JSON.stringify({
          savedAt: now,
          events: this.events.map((e) => ({ title: e.title, country: e.currency, date: new Date(e.time).toISOString(), impact: e.impact })),
        }),
        'utf8',
      ).catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'cannot write the news cache'));
    }
  }

  private async read(src: string): Promise<CalendarEvent[]> {
    if (!isUrl(src)) {
      let text: string;
      try {
        text = await readFile(src, 'utf8');
      } catch (e) {
        throw agentsError('TK_ERR_AGENTS_NEWS_FETCH', `cannot read ${src}: ${(e as Error).message}`, { cause: e });
      }
      return parseCalendar(JSON.parse(text), src);
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.o.fetchTimeoutMs);
    try {
      const res = await this.fetchFn(src, { signal: ac.signal });
      if (!res.ok) throw agentsError('TK_ERR_AGENTS_NEWS_FETCH', `HTTP ${res.status}`);
      return parseCalendar(await res.json(), src);
    } finally {
      clearTimeout(timer);
    }
  }

  private set(events: CalendarEvent[]): void {
    const seen = new Set<string>();
    this.events = events
      .filter((e) => {
        const k = `${e.time}|${e.currency}|${e.title}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .sort((a, b) => a.time - b.time);
    this.stats.events = this.events.length;
    this.stats.loadedAt = this.clock.now();
  }

  /** The blacking-out event for any of `currencies` at `now`, if any. */
  blackout(currencies: readonly string[], now: number): CalendarEvent | undefined {
    const ev = this.events;
    // First event that could still matter: time ≥ now − post.
    let lo = 0;
    let hi = ev.length;
    const from = now - this.o.postMs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ev[mid]!.time < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ev.length && ev[i]!.time <= now + this.o.preMs; i++) {
      const e = ev[i]!;
      if (this.o.impacts.includes(e.impact) && currencies.includes(e.currency)) return e;
    }
    return undefined;
  }
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

export const NewsCalendarToken = Symbol.for('tradekit.agents.NewsCalendar');

/** Currencies a symbol's news affects: its base and profit currencies (XAUUSD → XAU, USD). */
export function symbolCurrencies(info: { baseCurrency: string; profitCurrency: string; marginCurrency?: string }): string[] {
  return [...new Set([info.baseCurrency, info.profitCurrency].filter(Boolean).map((c) => c.toUpperCase()))];
}
