/**
 * `@tradekit/agents/risk`: the original's RiskManager (see risk/policy.ts). Registers the RiskPolicy and
 * taps the cycle gate; counts fills (never placements) and refreshes its statistics after closes.
 */
import { definePlugin, tapMaybe } from '@tradekit/core';
import { NewsCalendarToken, type NewsCalendar } from '../news/calendar.js';
import { RISK_SCHEMA, type RiskConfig } from '../risk/config.js';
import { RiskManager } from '../risk/policy.js';
import { agentsError } from '../errors.js';
import { AGENTS_VERSION, CORE_RANGE } from '../version.js';

export default definePlugin<RiskConfig>({
  name: '@tradekit/agents/risk',
  version: AGENTS_VERSION,
  description:
    'Risk manager: circuit breaker, daily limits, kill switch, payoff mandate, spread/news/session gates, correlation and exposure guards, cost gate, Kelly/tier sizing',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['risk'],
  configSchema: RISK_SCHEMA,
  async setup(ctx, c) {
    if (c.maxRiskPercent < c.riskPercent)
      throw agentsError(
        'TK_ERR_AGENTS_CONFIG',
        `risk: maxRiskPercent (${c.maxRiskPercent}) is below riskPercent (${c.riskPercent}); raise maxRiskPercent or lower riskPercent`,
      );
    if (c.kellyWindowTrades > 0 && c.kellyWindowTrades < c.kellyMinTrades) {
      throw agentsError(
        'TK_ERR_AGENTS_CONFIG',
        `risk: kellyWindowTrades (${c.kellyWindowTrades}) is below kellyMinTrades (${c.kellyMinTrades}): the history would never be used; raise it or set 0 for the whole window`,
      );
    }
    const news = ctx.isRegistered<NewsCalendar>(NewsCalendarToken) ? ctx.resolve<NewsCalendar>(NewsCalendarToken) : undefined;
    const rm = new RiskManager(c, { store: ctx.state, log: ctx.log, instance: ctx.plugin.instance, news });
    await rm.load();
    ctx.addRiskPolicy(rm);
    tapMaybe(ctx.hooks, 'gate', ctx.plugin.instance, (cycle) => rm.gate(cycle));
    ctx.hooks.afterExecute.tapPromise({ name: ctx.plugin.instance }, async (result) => {
      if (result.status === 'filled') await rm.onFill(result.symbol, result.time);
    });
    ctx.hooks.positionClosed.tapPromise({ name: ctx.plugin.instance }, async () => rm.onClose());
  },
});
