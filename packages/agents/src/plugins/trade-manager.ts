/**
 * `@tradekit/agents/trade-manager`: break-even, one partial close, a progressive ratcheting trail and
 * the early cut, as a direct tap on the engine's `manage` hook (put it under `plugins:`). The engine
 * hands it only this run's positions (filtered by magic); `agents:` narrows it to some agents' trades.
 */
import { TIMEFRAME_MS, definePlugin, runFlow, wait, type Action, type CycleContext, type Flow, type Position } from '@tradekit/core';
import { featureHubOf } from '../features/hub.js';
import { TRADE_MANAGER_SCHEMA, type TradeManagerConfig } from '../trade-manager/config.js';
import { TradeManager } from '../trade-manager/manager.js';
import { agentsError } from '../errors.js';
import { AGENTS_VERSION, CORE_RANGE } from '../version.js';

export default definePlugin<TradeManagerConfig>({
  name: '@tradekit/agents/trade-manager',
  version: AGENTS_VERSION,
  description: 'Smart exit: break-even with buffer, one partial close, progressive ratcheting trail, early cut; exit state persisted per position',
  requires: { '@tradekit/core': CORE_RANGE },
  provides: ['hook'],
  configSchema: TRADE_MANAGER_SCHEMA,
  setup(ctx, c) {
    if (c.trailTightAtr > c.trailInitialAtr)
      throw agentsError('TK_ERR_AGENTS_CONFIG', `trade-manager: trailTightAtr (${c.trailTightAtr}) must not exceed trailInitialAtr (${c.trailInitialAtr})`);
    const hub = featureHubOf(ctx);
    const tm = new TradeManager(c, { hub, store: ctx.state, log: ctx.log, instance: ctx.plugin.instance, barMs: TIMEFRAME_MS[c.timeframe] });
    // Most cycles of a replay hold no position: nothing to walk, no flow to start.
    ctx.hooks.manage.tapPromise({ name: ctx.plugin.instance }, ((cycle: CycleContext, positions: Position[]) =>
      positions.length === 0
        ? undefined
        : runFlow(
            (function* (): Flow<void> {
              for (const p of positions) {
                const actions: Action[] = yield* wait(tm.manage(cycle, p));
                for (const a of actions) cycle.actions.push(a);
              }
            })(),
          )) as never);
    ctx.hooks.positionClosed.tapPromise({ name: ctx.plugin.instance }, async (trade) => {
      if (!trade.partial) await tm.forget(trade.positionId);
    });
  },
});
