/**
 * `@tradekit/agents/news`: an economic calendar (ForexFactory weekly JSON) from a URL and/or files,
 * cached, shared with the institutional agent ("News Blackout (…)") and the risk policy (pre-trade
 * news gate) through the run's container. Put it under `plugins:`.
 */
import { definePlugin } from '@tradekit/core';
import { NewsCalendar, NewsCalendarToken, symbolCurrencies } from '../news/calendar.js';
import { agentsError } from '../errors.js';
import { AGENTS_VERSION, CORE_RANGE } from '../version.js';

export interface NewsConfig {
  url: string | null;
  files: string[];
  cacheHours: number;
  retryMinutes: number;
  fetchTimeoutSeconds: number;
  preMinutes: number;
  postMinutes: number;
  impacts: string[];
  cacheFile?: string;
  gate: boolean;
}

export const NEWS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: {
      type: ['string', 'null'],
      default: 'https://nfs.faireconomy.media/ff_calendar_thisweek.json',
      description: 'ForexFactory-style weekly calendar URL (original NEWS_CALENDAR_URL); null for files only',
    },
    files: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'calendar JSON files (same format), relative to the config file: history for replays',
    },
    cacheHours: { type: 'number', exclusiveMinimum: 0, default: 4, description: 'original NEWS_CACHE_HOURS: re-fetch after this long' },
    retryMinutes: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 15,
      description: 'after a failed fetch, wait this long before trying again (offline: no fetch per call)',
    },
    fetchTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 10 },
    preMinutes: { type: 'number', minimum: 0, default: 15, description: 'original NEWS_PRE_MINUTES: blackout before an event' },
    postMinutes: { type: 'number', minimum: 0, default: 15, description: 'original NEWS_POST_MINUTES: blackout after an event' },
    impacts: { type: 'array', items: { type: 'string' }, default: ['High'], description: 'impact levels that cause a blackout' },
    cacheFile: { type: 'string', minLength: 1, description: 'keep the last download here (relative to the config) so an offline restart still has the week' },
    gate: {
      type: 'boolean',
      default: false,
      description: 'also skip symbols in blackout for every agent (beforeScan), not only through the institutional agent and the risk policy',
    },
  },
} as const;

export default definePlugin<NewsConfig>({
  name: '@tradekit/agents/news',
  version: AGENTS_VERSION,
  description: 'Economic calendar with cached fetches and per-currency blackout windows',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['hook'],
  configSchema: NEWS_SCHEMA,
  async setup(ctx, c) {
    const sources = [...(c.url ? [c.url] : []), ...c.files.map((f) => ctx.resolvePath(f))];
    if (!sources.length) throw agentsError('TK_ERR_AGENTS_CONFIG', 'news: set `url` or at least one of `files`');
    const calendar = new NewsCalendar(
      {
        sources,
        ttlMs: c.cacheHours * 3_600_000,
        retryMs: c.retryMinutes * 60_000,
        fetchTimeoutMs: c.fetchTimeoutSeconds * 1000,
        preMs: c.preMinutes * 60_000,
        postMs: c.postMinutes * 60_000,
        impacts: c.impacts,
        cacheFile: c.cacheFile ? ctx.resolvePath(c.cacheFile) : undefined,
      },
      ctx.clock,
      ctx.log,
    );
    await calendar.restore();
    await calendar.refresh();
    ctx.register(NewsCalendarToken, calendar);
    // Replays wait for the (file) read so results are deterministic; live runs refresh in the background.
    ctx.hooks.cycleStart.tapPromise({ name: ctx.plugin.instance }, async () => {
      if (ctx.clock.kind === 'sim') await calendar.refresh();
      else void calendar.refresh();
    });
    if (c.gate) {
      const currencies = new Map<string, string[]>();
      ctx.hooks.beforeScan.tapPromise({ name: ctx.plugin.instance }, async (cycle, symbol) => {
        let cur = currencies.get(symbol);
        if (!cur) currencies.set(symbol, (cur = symbolCurrencies(await cycle.data.symbolInfo(symbol))));
        const ev = calendar.blackout(cur, cycle.clock.now());
        return ev ? `News Blackout (${ev.currency} ${ev.title})` : undefined;
      });
    }
  },
});
