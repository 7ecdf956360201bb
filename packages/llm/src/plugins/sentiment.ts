/**
 * `@tradekit/llm/sentiment`: news sentiment as a `research` gate and a size overlay. Put it under
 * `plugins:`. Per candidate: headlines about the symbol's currencies → the model's validated sentiment →
 *   - veto when confident sentiment contradicts the side (and, optionally, on high news risk);
 *   - FEAR/PANIC × fearFactor, GREED/EUPHORIA × greedFactor on the risk policy's volume (only down).
 * An invalid, late, failed or over-budget answer takes `onFailure`: skip (no veto, no reduction) or
 * block (veto). No headline: nothing to ask, the candidate goes on.
 */
import { definePlugin, isPromiseLike, isTradekitError, type Candidate, type CycleContext } from '@tradekit/core';
import { clientFor, effectiveMode, LLM_SECTION_SCHEMA, ON_FAILURE_SCHEMA, type LlmSection } from '../config.js';
import { currenciesOf } from '../currencies.js';
import { llmError } from '../errors.js';
import { SizeOverlay } from '../overlay.js';
import { FileHeadlines, HttpHeadlines, type HeadlineSource } from '../sentiment/feed.js';
import { emotionFactor, SentimentAnalyzer, sentimentVeto, type GateRules } from '../sentiment/analyzer.js';
import { CORE_RANGE, LLM_VERSION } from '../version.js';

export interface SentimentConfig extends GateRules {
  llm: LlmSection;
  onFailure: 'skip' | 'block';
  feed: { files: string[]; url?: string; ttlMinutes: number; timeoutMs: number };
  lookbackHours: number;
  maxHeadlines: number;
  cacheMinutes: number;
  gate: boolean;
  overlay: boolean;
}

export const SENTIMENT_PLUGIN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['llm', 'feed'],
  properties: {
    llm: LLM_SECTION_SCHEMA,
    onFailure: ON_FAILURE_SCHEMA,
    feed: {
      type: 'object',
      additionalProperties: false,
      properties: {
        files: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          default: [],
          description: 'headline JSON files (relative to the config): history for backtests',
        },
        url: { type: 'string', pattern: '^https?://', description: 'an HTTP feed answering the same JSON' },
        ttlMinutes: { type: 'number', exclusiveMinimum: 0, default: 15 },
        timeoutMs: { type: 'integer', minimum: 100, default: 5000 },
      },
    },
    lookbackHours: { type: 'number', exclusiveMinimum: 0, default: 24, description: 'headlines of this many hours before the decision' },
    maxHeadlines: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cacheMinutes: {
      type: 'number',
      minimum: 0,
      default: 15,
      description: 'one answer per symbol per this many minutes (the original 15-minute cache); 0 = per bar',
    },
    gate: { type: 'boolean', default: true, description: 'veto entries against confident sentiment' },
    overlay: { type: 'boolean', default: true, description: 'scale size down by the emotion' },
    minConfidence: { type: 'number', minimum: 0, maximum: 1, default: 0.6 },
    blockScore: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'BUY is vetoed below −blockScore, SELL above +blockScore (at minConfidence or more)',
    },
    blockHighRisk: { type: 'boolean', default: true },
    highRiskConfidence: { type: 'number', minimum: 0, maximum: 1, default: 0.7 },
    fearFactor: { type: 'number', minimum: 0, maximum: 1, default: 0.6, description: 'size × this on FEAR/PANIC (≤ 1: only reduces)' },
    greedFactor: { type: 'number', minimum: 0, maximum: 1, default: 0.8, description: 'size × this on GREED/EUPHORIA (≤ 1: only reduces)' },
  },
} as const;

export default definePlugin<SentimentConfig>({
  name: '@tradekit/llm/sentiment',
  version: LLM_VERSION,
  description: 'News sentiment from a language model: research gate and reduce-only size overlay',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['hook'],
  configSchema: SENTIMENT_PLUGIN_SCHEMA,
  async setup(ctx, c) {
    if (!c.feed.files.length && !c.feed.url) throw llmError('TK_ERR_LLM_CONFIG', 'sentiment: set feed.files or feed.url');
    // A recording must replay: its prompts come from headline files only (an HTTP feed answers what is
    // new now, not what was known at a bar of the past, and replay makes no network call).
    const mode = effectiveMode(c.llm);
    const useUrl = c.feed.url && mode === 'live' ? c.feed.url : undefined;
    if (c.feed.url && !useUrl) {
      if (!c.feed.files.length)
        throw llmError(
          'TK_ERR_LLM_CONFIG',
          `sentiment: llm.mode ${mode} reads headlines from feed.files only (an HTTP feed cannot be replayed): add headline history files`,
        );
      ctx.log.warn({ mode }, 'sentiment: feed.url is not read in record/replay mode; headlines come from feed.files');
    }
    const sources: HeadlineSource[] = [];
    if (c.feed.files.length) {
      const f = new FileHeadlines(c.feed.files.map((p) => ctx.resolvePath(p, 'feed.files')));
      await f.load();
      sources.push(f);
    }
    if (useUrl) sources.push(new HttpHeadlines(useUrl, { ttlMs: c.feed.ttlMinutes * 60_000, timeoutMs: c.feed.timeoutMs, clock: ctx.clock, log: ctx.log }));
    const feed: HeadlineSource =
      sources.length === 1
        ? sources[0]!
        : {
            headlines: async (cur, from, to, limit) =>
              (await Promise.all(sources.map((s) => s.headlines(cur, from, to, limit))))
                .flat()
                .sort((a, b) => b.time - a.time)
                .slice(0, limit),
          };
    const client = await clientFor(ctx, c.llm, 'sentiment');
    const analyzer = new SentimentAnalyzer(client, feed, {
      lookbackMs: c.lookbackHours * 3_600_000,
      maxHeadlines: c.maxHeadlines,
      bucketMs: c.cacheMinutes * 60_000,
    });
    const overlay = new SizeOverlay();
    const currencies = new Map<string, string[]>();

    ctx.hooks.research.tapPromise({ name: ctx.plugin.instance }, async (cand: Candidate, cycle: CycleContext) => {
      let cur = currencies.get(cand.symbol);
      if (!cur) {
        const info = cycle.data.symbolInfo(cand.symbol);
        currencies.set(cand.symbol, (cur = currenciesOf(isPromiseLike(info) ? await info : info)));
      }
      let r: Awaited<ReturnType<typeof analyzer.analyze>>;
      try {
        r = await analyzer.analyze(cand.symbol, cur, cycle.clock.now());
      } catch (e) {
        // No headlines to judge (the feed is down): the same policy as no answer. A replay miss with
        // onMissing: error is not caught: the engine vetoes and reports it.
        if (!isTradekitError(e) || e.code !== 'TK_ERR_LLM_FEED') throw e;
        ctx.log.warn({ symbol: cand.symbol, code: e.code }, `sentiment: no headlines (${e.message})`);
        return c.onFailure === 'block' ? `Sentiment unavailable (${e.code}): blocked (onFailure: block)` : undefined;
      }
      if (!r) return undefined;
      const o = r.outcome;
      if (!o.ok) {
        ctx.log.warn({ symbol: cand.symbol, code: o.code, failure: o.failure }, `sentiment unavailable: ${o.message}`);
        return c.onFailure === 'block' ? `Sentiment unavailable (${o.code}): blocked (onFailure: block)` : undefined;
      }
      const s = o.value;
      if (c.gate) {
        const veto = sentimentVeto(cand, s, c);
        if (veto) return veto;
      }
      if (c.overlay) overlay.reduce(cand, emotionFactor(s.emotion, c), `Sentiment ${s.emotion}`);
      return undefined;
    });
    if (c.overlay) overlay.tap(ctx);
  },
});
