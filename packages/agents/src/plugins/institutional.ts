/**
 * `@tradekit/agents/institutional`: the original's PairAgent as one agent per symbol. Shares indicator
 * tracks with the trade manager (FeatureHub) and reads the news calendar when the news plugin is
 * configured. Fills (not placements) update cooldown and regime counts; closes feed the per-symbol
 * consecutive-loss breaker; all of it is persisted in the run's state store.
 */
import { definePlugin, type FilledResult } from '@tradekit/core';
import { agentsError } from '../errors.js';
import { featureHubOf } from '../features/hub.js';
import { FEATURE_DEFAULTS, type FeatureParams } from '../features/track.js';
import { InstitutionalAgent } from '../institutional/agent.js';
import { INSTITUTIONAL_SCHEMA, type InstitutionalConfig } from '../institutional/config.js';
import { loadModelFile, type ProbabilityModel } from '../model/model-file.js';
import { NewsCalendarToken, type NewsCalendar } from '../news/calendar.js';
import { AGENTS_VERSION, CORE_RANGE } from '../version.js';

export function featureParamsOf(c: InstitutionalConfig): FeatureParams {
  return {
    ...FEATURE_DEFAULTS,
    smc: {
      lookback: c.bos.sweepLookback,
      momentum: c.bos.momentumMultiplier,
      sweepRecentBars: c.smc.sweepRecentBars,
      fvgMinAtr: c.smc.fvgMinAtr,
      maxZones: c.smc.maxZones,
    },
  };
}

export default definePlugin<InstitutionalConfig>({
  name: '@tradekit/agents/institutional',
  version: AGENTS_VERSION,
  description: 'Per-symbol institutional agent: MTF trend filters, confluence both ways, regime, SMC, BOS and mean-reversion setups, ATR stops',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['agent'],
  configSchema: INSTITUTIONAL_SCHEMA,
  async setup(ctx, c) {
    const symbols = c.symbols ?? ctx.symbols;
    const unknown = symbols.filter((s) => !ctx.symbols.includes(s));
    if (unknown.length) throw agentsError('TK_ERR_AGENTS_CONFIG', `symbols ${unknown.join(', ')} are not run symbols (${ctx.symbols.join(', ')})`);
    const w = c.preTrade.weights;
    const sum = w.trend + w.model + w.memory + w.momentum + w.calm;
    if (Math.abs(sum - 1) > 1e-9)
      throw agentsError(
        'TK_ERR_AGENTS_CONFIG',
        `institutional: preTrade.weights sum to ${sum}, not 1 (the original's: trend 0.3, model 0.25, memory 0.2, momentum 0.15, calm 0.1)`,
      );
    const hub = featureHubOf(ctx);
    hub.requireHistory(Math.max(c.historyBars, c.htfBars));
    let model: ProbabilityModel | undefined;
    if (c.model) {
      model = await loadModelFile(ctx.resolvePath(c.model), { timeframe: c.timeframe });
      ctx.log.info(
        { model: c.model, trainedThrough: model.trainedThrough ? new Date(model.trainedThrough).toISOString() : undefined },
        'probability model loaded',
      );
    } else ctx.log.info('no probability model configured: probability is neutral (0.5) and the model gate is off');
    const news = ctx.isRegistered<NewsCalendar>(NewsCalendarToken) ? ctx.resolve<NewsCalendar>(NewsCalendarToken) : undefined;
    if (c.newsFilter && !news) ctx.log.info('newsFilter is on but no news plugin is configured: no news blackout');
    const deps = { hub, featureParams: featureParamsOf(c), news, model, store: ctx.state, log: ctx.log, instance: ctx.plugin.instance };
    const agents = new Map<string, InstitutionalAgent>();
    for (const s of symbols) {
      const agent = new InstitutionalAgent(s, c, deps);
      await agent.load();
      agents.set(s, agent);
      ctx.addAgent(agent);
    }
    const owner = new Map<string, InstitutionalAgent>();
    for (const a of agents.values()) for (const id of Object.keys(a.state.open)) owner.set(id, a);
    // Fills of our orders (market fills now, limit fills when the ledger sees them later).
    ctx.hooks.afterExecute.tapPromise({ name: ctx.plugin.instance }, async (result, _cycle, intent) => {
      if (result.status !== 'filled' || intent.source?.agent !== ctx.plugin.instance) return;
      const agent = agents.get(result.symbol);
      if (!agent) return;
      const r = result as FilledResult;
      owner.set(r.positionId, agent);
      await agent.onOurFill(r.positionId, r.time, intent.source.details?.regimeKey as string | undefined);
    });
    ctx.hooks.positionClosed.tapPromise({ name: ctx.plugin.instance }, async (trade) => {
      const agent = owner.get(trade.positionId);
      if (!agent) return;
      if (!trade.partial) owner.delete(trade.positionId);
      await agent.onOurExit(trade.positionId, trade.profit, trade.partial, trade.closeTime);
    });
  },
});
