/**
 * Agents and risk policies are taps like any other: each is tapped into the hooks under its plugin's
 * name, so ordering (`stage`), error wrapping and timings apply to them too.
 */
import type { EngineHooks } from '../hooks.js';
import type { Agent, CycleContext, RiskPolicy } from '../interfaces.js';
import type { Action, Candidate, ClosedTrade, MaybePromise, OrderIntent, OrderResult, Position, ScanResult, SymbolScan, Veto } from '../types.js';
import { isSkip, isVeto } from '../types.js';
import type { TradingStateController } from './trading-state.js';
import { runFlow, then, wait, type Flow } from '../util/maybe.js';

export const RANK_TAP = 'tradekit:rank';
export const STATE_GATE_TAP = 'tradekit:trading-state';

function handles(agent: Agent, symbol: string): boolean {
  return !agent.symbols || agent.symbols.includes(symbol);
}

export function wireAgent(hooks: EngineHooks, plugin: string, agent: Agent): void {
  const opts = { name: plugin, plugin } as { name: string };
  hooks.scan.tapPromise(opts, ((ctx: CycleContext, scan: SymbolScan): MaybePromise<void> => {
    if (!handles(agent, scan.symbol)) return undefined;
    return then(agent.scan({ cycle: ctx, symbol: scan.symbol, scan }), (res: ScanResult) => {
      if (!res) return;
      if (isSkip(res)) scan.skip(res.skip);
      else scan.propose({ ...res, symbol: res.symbol ?? scan.symbol, agent: res.agent ?? agent.name ?? plugin });
    });
  }) as unknown as (ctx: CycleContext, scan: SymbolScan) => Promise<void>);

  const manage = agent.manage?.bind(agent);
  if (manage) {
    hooks.manage.tapPromise(opts, ((ctx: CycleContext, positions: Position[]) =>
      runFlow(collectActions(ctx, positions.filter((p) => handles(agent, p.symbol)), (p) => manage(ctx, p)))) as unknown as (ctx: CycleContext, p: Position[]) => Promise<void>);
  }
  const onFill = agent.onFill?.bind(agent);
  if (onFill) {
    hooks.afterExecute.tapPromise(opts, ((result: OrderResult, ctx: CycleContext) => (result.status === 'filled' && handles(agent, result.symbol) ? onFill(result, ctx) : undefined)) as never);
  }
  const onClose = agent.onClose?.bind(agent);
  if (onClose) hooks.positionClosed.tapPromise(opts, ((trade: ClosedTrade) => (handles(agent, trade.symbol) ? onClose(trade) : undefined)) as never);
}

export function wireRiskPolicy(hooks: EngineHooks, plugin: string, policy: RiskPolicy): void {
  const opts = { name: plugin, plugin } as { name: string };
  const preScan = policy.preScan?.bind(policy);
  if (preScan) {
    hooks.beforeScan.tapPromise(opts, ((ctx: CycleContext, symbol: string) => then(preScan(ctx, symbol), (v) => (v.ok ? undefined : v.reason))) as never);
  }
  const preTrade = policy.preTrade?.bind(policy);
  const size = policy.size?.bind(policy);
  if (preTrade || size) {
    hooks.beforeExecute.tapPromise(opts, ((intent: OrderIntent | Veto, ctx: CycleContext, candidate: Candidate) => {
      if (isVeto(intent)) return intent;
      return runFlow(
        (function* (): Flow<OrderIntent | Veto> {
          if (preTrade) {
            const v = yield* wait(preTrade(ctx, candidate, intent));
            if (!v.ok) return { veto: v.reason };
          }
          if (size) {
            const vol = yield* wait(size(ctx, candidate, intent));
            if (vol !== undefined) return { ...intent, volume: Number.isNaN(intent.volume) ? vol : Math.min(intent.volume, vol) };
          }
          return intent;
        })(),
      );
    }) as never);
  }
  const manage = policy.manage?.bind(policy);
  if (manage) {
    hooks.manage.tapPromise(opts, ((ctx: CycleContext, positions: Position[]) => runFlow(collectActions(ctx, positions, (p) => manage(ctx, p)))) as never);
  }
}

function* collectActions(ctx: CycleContext, positions: Position[], fn: (p: Position) => MaybePromise<Action[] | void>): Flow<void> {
  for (const p of positions) {
    const actions = yield* wait(fn(p));
    if (actions) for (const a of actions) ctx.actions.push(a);
  }
}

/** Built-in taps: the trading-state gate (first) and ranking by (score, probability) (last). */
export function wireBuiltins(hooks: EngineHooks, tradingState: TradingStateController): void {
  hooks.gate.tap({ name: STATE_GATE_TAP, stage: -1000 }, () => {
    if (tradingState.state === 'HALTED') return 'Halted (trading paused)';
    if (tradingState.state === 'REDUCING') return 'Reducing (no new entries)';
    return undefined;
  });
  hooks.candidates.tap({ name: RANK_TAP, stage: 1000 }, (list) =>
    [...list].sort((a, b) => b.score - a.score || b.probability - a.probability),
  );
}
