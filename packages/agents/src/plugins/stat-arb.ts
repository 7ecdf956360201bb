/**
 * `@tradekit/agents/stat-arb`: Engle-Granger pairs trading (see stat-arb/agent.ts). Both legs go
 * through the engine like any candidate (journal, risk policies, trading state); set
 * `engine.maxEntriesPerCycle` ≥ 2 so both legs can enter in the same cycle.
 */
import { definePlugin, tapMaybe } from '@tradekit/core';
import { agentsError } from '../errors.js';
import { StatArbAgent } from '../stat-arb/agent.js';
import { STAT_ARB_SCHEMA, type StatArbConfig } from '../stat-arb/config.js';
import { AGENTS_VERSION, CORE_RANGE } from '../version.js';

export default definePlugin<StatArbConfig>({
  name: '@tradekit/agents/stat-arb',
  version: AGENTS_VERSION,
  description: 'Pairs trading: Engle-Granger cointegration, OLS hedge ratio, z-score entry/flatten, spread state persisted',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['agent'],
  configSchema: STAT_ARB_SCHEMA,
  async setup(ctx, c) {
    for (const p of c.pairs) {
      const missing = [p.a, p.b].filter((s) => !ctx.symbols.includes(s));
      if (missing.length)
        throw agentsError('TK_ERR_AGENTS_CONFIG', `stat-arb pair ${p.a}/${p.b}: ${missing.join(', ')} not among the run symbols (${ctx.symbols.join(', ')})`);
      if (p.a === p.b) throw agentsError('TK_ERR_AGENTS_CONFIG', `stat-arb pair ${p.a}/${p.b}: the legs must differ`);
    }
    if (c.exitZ >= c.entryZ) throw agentsError('TK_ERR_AGENTS_CONFIG', `stat-arb: exitZ (${c.exitZ}) must be below entryZ (${c.entryZ})`);
    const agent = new StatArbAgent(c, { store: ctx.state, log: ctx.log, instance: ctx.plugin.instance });
    await agent.load();
    ctx.addAgent(agent);
    // The actions go straight into the cycle's list (no array or flow per cycle).
    tapMaybe(ctx.hooks, 'manage', ctx.plugin.instance, (cycle, positions) => agent.manageInto(cycle, positions, cycle.actions));
    ctx.hooks.afterExecute.tapPromise({ name: ctx.plugin.instance }, async (result, _cycle, intent) => {
      const d = intent.source?.details;
      if (result.status !== 'filled' || intent.source?.agent !== ctx.plugin.instance || !d?.statArb) return;
      await agent.onLegFill(
        String(d.statArb),
        d.leg === 'b' ? 'b' : 'a',
        result.positionId,
        result.time,
        d.direction === 'short' ? 'short' : 'long',
        Number(d.beta),
      );
    });
    ctx.hooks.positionClosed.tapPromise({ name: ctx.plugin.instance }, async (trade) => {
      if (!trade.partial) await agent.onLegClosed(trade.positionId);
    });
  },
});
