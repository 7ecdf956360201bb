/**
 * Headlines for the sentiment plugin, from a pluggable source. Both built-in sources read the same
 * JSON: an array of `{ time, title, currencies | currency, source? }` (time as ISO text or epoch ms).
 * Headlines are untrusted text: they go to the model as quoted data, never as instructions, and only
 * those published at or before the decision time are ever returned (no look-ahead in replays).
 */
import { readFile } from 'node:fs/promises';
import { isTradekitError, type Clock, type Logger } from '@tradekit/core';
import { llmError } from '../errors.js';

export interface Headline {
  time: number;
  title: string;
  currencies: string[];
  source?: string;
}

export interface HeadlineSource {
  /** Headlines about any of `currencies` published in (from, to], newest first, at most `limit`. */
  headlines(currencies: readonly string[], from: number, to: number, limit: number): Promise<Headline[]>;
}

const MAX_TITLE = 300;

export function parseHeadlines(json: unknown, where: string): Headline[] {
  if (!Array.isArray(json)) throw llmError('TK_ERR_LLM_FEED', `${where}: expected a JSON array of headlines`);
  return json.map((h: unknown, i) => {
    if (!h || typeof h !== 'object') throw llmError('TK_ERR_LLM_FEED', `${where}[${i}]: not an object`);
    const r = h as Record<string, unknown>;
    const time = typeof r.time === 'number' ? r.time : typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
    if (!Number.isFinite(time)) throw llmError('TK_ERR_LLM_FEED', `${where}[${i}]: time must be ISO text or epoch ms`);
    if (typeof r.title !== 'string' || !r.title.trim()) throw llmError('TK_ERR_LLM_FEED', `${where}[${i}]: title must be a non-empty string`);
    const cur = Array.isArray(r.currencies) ? r.currencies : typeof r.currency === 'string' ? [r.currency] : undefined;
    if (!cur?.every((c) => typeof c === 'string')) throw llmError('TK_ERR_LLM_FEED', `${where}[${i}]: needs currencies (array of codes) or currency`);
    return {
      time,
      title: r.title.trim().slice(0, MAX_TITLE),
      currencies: (cur as string[]).map((c) => c.toUpperCase()),
      ...(typeof r.source === 'string' ? { source: r.source.slice(0, 64) } : {}),
    };
  });
}

function select(all: readonly Headline[], currencies: readonly string[], from: number, to: number, limit: number): Headline[] {
  const out = all.filter((h) => h.time > from && h.time <= to && h.currencies.some((c) => currencies.includes(c)));
  out.sort((a, b) => b.time - a.time || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  return out.slice(0, limit);
}

/** Headline files (history for backtests), read once. */
export class FileHeadlines implements HeadlineSource {
  private all: Headline[] | undefined;

  constructor(private readonly files: readonly string[]) {}

  async load(): Promise<void> {
    const all: Headline[] = [];
    for (const f of this.files) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (e) {
        throw llmError('TK_ERR_LLM_FEED', `cannot read the headline file ${f}: ${(e as Error).message}`, { cause: e });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw llmError('TK_ERR_LLM_FEED', `${f}: not JSON (${(e as Error).message})`);
      }
      all.push(...parseHeadlines(json, f));
    }
    this.all = all;
  }

  async headlines(currencies: readonly string[], from: number, to: number, limit: number): Promise<Headline[]> {
    if (!this.all) await this.load();
    return select(this.all!, currencies, from, to, limit);
  }
}

/**
 * An HTTP feed answering the same JSON, fetched again when older than `ttlMs` of clock time. A failed
 * fetch keeps the previous headlines (and is logged); the first failing fetch is an error.
 */
export class HttpHeadlines implements HeadlineSource {
  private all: Headline[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loaded = false;

  constructor(
    private readonly url: string,
    private readonly o: { ttlMs: number; timeoutMs: number; clock: Clock; log: Logger },
  ) {}

  private lastError?: Error;

  private async refresh(): Promise<void> {
    const now = this.o.clock.now();
    if (now - this.fetchedAt < this.o.ttlMs) {
      // Within the TTL: the last headlines, or the last failure (a feed that is down is not asked again
      // for every candidate).
      if (this.loaded) return;
      if (this.lastError) throw this.lastError;
    }
    this.fetchedAt = now;
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(this.o.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw llmError('TK_ERR_LLM_FEED', `headline feed ${this.url}: HTTP ${res.status}`);
      this.all = parseHeadlines(await res.json(), this.url);
      this.loaded = true;
      this.lastError = undefined;
    } catch (e) {
      const err = isTradekitError(e) ? e : llmError('TK_ERR_LLM_FEED', `headline feed ${this.url}: ${(e as Error).message}`, { cause: e });
      if (!this.loaded) throw (this.lastError = err);
      this.o.log.warn({ err: (err as Error).message }, 'headline feed: keeping the previous headlines');
    }
  }

  async headlines(currencies: readonly string[], from: number, to: number, limit: number): Promise<Headline[]> {
    await this.refresh();
    return select(this.all, currencies, from, to, limit);
  }
}
