/**
 * Agents and risk policies are taps like any other: each is tapped into the hooks under its plugin's
 * name, so ordering (`stage`), error wrapping and timings apply to them too.
 */
import { tapMaybe, type EngineHooks, type TapOptions } from '../hooks.js';
import type { Agent, CycleContext, RiskPolicy, ScanContext } from '../interfaces.js';
import type {
  Action,
  Candidate,
  ClosedBar,
  ClosedTrade,
  MaybePromise,
  OrderIntent,
  OrderResult,
  Position,
  ScanResult,
  SymbolScan,
  Timeframe,
  Veto,
} from '../types.js';
import { isSkip, isVeto } from '../types.js';
import { STATUS } from './status-text.js';
import type { TradingStateController } from './trading-state.js';
import { andThen, extend, isPromiseLike, runFlow, wait, type Flow } from '../util/maybe.js';

export const RANK_TAP = 'tradekit:rank';
export const STATE_GATE_TAP = 'tradekit:trading-state';

function handles(agent: Agent, symbol: string): boolean {
  return !agent.symbols || agent.symbols.includes(symbol);
}

/** Where an agent's `barFeeds` are followed (the engine's BarFeeder) and the run's symbols. */
export interface BarFollowing {
  follow(symbol: string, timeframe: Timeframe, history?: number): void;
  readonly symbols: readonly string[];
}

export function wireAgent(hooks: EngineHooks, plugin: string, agent: Agent, feeds?: BarFollowing): void {
  const opts: TapOptions = { name: plugin, plugin };
  const name = agent.name ?? plugin;
  const apply = (scan: SymbolScan, res: ScanResult): void => {
    if (!res) return;
    if (isSkip(res)) scan.skip(res.skip);
    else scan.propose(extend(res, { symbol: res.symbol ?? scan.symbol, agent: res.agent ?? name }));
  };
  // The engine passes the SymbolScan, which is also the ScanContext (cycle, symbol, scan).
  tapMaybe(hooks, 'scan', opts, (ctx: CycleContext, s: SymbolScan): MaybePromise<void> => {
    const scan = s as SymbolScan & ScanContext;
    if (!handles(agent, scan.symbol)) return undefined;
    const r = agent.scan(scan.cycle === ctx ? scan : { cycle: ctx, symbol: scan.symbol, scan });
    if (isPromiseLike(r)) return applyLater(r as Promise<ScanResult>, apply, scan);
    apply(scan, r as ScanResult);
    return undefined;
  });

  const manage = agent.manage?.bind(agent);
  if (manage) {
    tapMaybe(hooks, 'manage', opts, (ctx, positions) => collectActions(ctx, positions, agent, manage));
  }
  const onFill = agent.onFill?.bind(agent);
  if (onFill) {
    tapMaybe(hooks, 'afterExecute', opts, (result: OrderResult, ctx: CycleContext) =>
      result.status === 'filled' && handles(agent, result.symbol) ? onFill(result, ctx) : undefined,
    );
  }
  const onClose = agent.onClose?.bind(agent);
  if (onClose) tapMaybe(hooks, 'positionClosed', opts, (trade: ClosedTrade) => (handles(agent, trade.symbol) ? onClose(trade) : undefined));
  const onBar = agent.onBar?.bind(agent);
  const barFeeds = agent.barFeeds ?? [];
  if (onBar && barFeeds.length && feeds) {
    const symbols = agent.symbols ?? feeds.symbols;
    for (const s of symbols) for (const f of barFeeds) feeds.follow(s, f.timeframe, f.history);
    const timeframes = barFeeds.map((f) => f.timeframe);
    // Only the bars of its own symbols and timeframes (another agent may follow others).
    tapMaybe(hooks, 'bar', opts, (bar: ClosedBar, ctx: CycleContext) =>
      timeframes.includes(bar.timeframe) && handles(agent, bar.symbol) ? onBar(bar, ctx) : undefined,
    );
  }
}

export function wireRiskPolicy(hooks: EngineHooks, plugin: string, policy: RiskPolicy): void {
  const opts: TapOptions = { name: plugin, plugin };
  const preScan = policy.preScan?.bind(policy);
  if (preScan) {
    tapMaybe(hooks, 'beforeScan', opts, (ctx, symbol) => andThen(preScan(ctx, symbol), (v) => (v.ok ? undefined : v.reason)));
  }
  const preTrade = policy.preTrade?.bind(policy);
  const size = policy.size?.bind(policy);
  if (preTrade || size) {
    tapMaybe(hooks, 'beforeExecute', opts, (intent: OrderIntent | Veto, ctx: CycleContext, candidate: Candidate) => {
      if (isVeto(intent)) return intent;
      return runFlow(
        (function* (): Flow<OrderIntent | Veto> {
          if (preTrade) {
            const v = yield* wait(preTrade(ctx, candidate, intent));
            if (!v.ok) return { veto: v.reason };
          }
          if (size) {
            const vol = yield* wait(size(ctx, candidate, intent));
            if (vol !== undefined) return extend(intent, { volume: Number.isNaN(intent.volume) ? vol : Math.min(intent.volume, vol) });
          }
          return intent;
        })(),
      );
    });
  }
  const manage = policy.manage?.bind(policy);
  if (manage) {
    tapMaybe(hooks, 'manage', opts, (ctx, positions) => collectActions(ctx, positions, undefined, manage));
  }
}

/** Asks `fn` about each position (of the agent's symbols) and pushes the actions; sync when `fn` is. */
function collectActions(
  ctx: CycleContext,
  positions: Position[],
  agent: Agent | undefined,
  fn: (ctx: CycleContext, p: Position) => MaybePromise<Action[] | void>,
  from = 0,
): MaybePromise<void> {
  for (let i = from; i < positions.length; i++) {
    const p = positions[i]!;
    if (agent && !handles(agent, p.symbol)) continue;
    const r = fn(ctx, p);
    if (isPromiseLike(r)) return collectLater(r as Promise<Action[] | void>, ctx, positions, agent, fn, i + 1);
    if (r) {
      const list = r as Action[];
      for (let k = 0; k < list.length; k++) ctx.actions.push(list[k]!);
    }
  }
  return undefined;
}

// Continuations in functions of their own: a closure in the tap or the loop would allocate a context
// for what it captures on every call (per symbol and position each cycle), also when the agent
// answers synchronously.
function applyLater(p: Promise<ScanResult>, apply: (scan: SymbolScan, res: ScanResult) => void, scan: SymbolScan): Promise<void> {
  return p.then((res) => apply(scan, res));
}

function collectLater(
  p: Promise<Action[] | void>,
  ctx: CycleContext,
  positions: Position[],
  agent: Agent | undefined,
  fn: (ctx: CycleContext, p: Position) => MaybePromise<Action[] | void>,
  next: number,
): Promise<void> {
  return p.then((actions) => {
    if (actions) for (const a of actions) ctx.actions.push(a);
    return collectActions(ctx, positions, agent, fn, next);
  });
}

/** Built-in taps: the trading-state gate (first) and ranking by (score, probability) (last). */
export function wireBuiltins(hooks: EngineHooks, tradingState: TradingStateController): void {
  hooks.gate.tap({ name: STATE_GATE_TAP, stage: -1000 }, () => {
    if (tradingState.state === 'HALTED') return STATUS.haltedGate;
    if (tradingState.state === 'REDUCING') return STATUS.reducingGate;
    return undefined;
  });
  hooks.candidates.tap({ name: RANK_TAP, stage: 1000 }, (list) => [...list].sort((a, b) => b.score - a.score || b.probability - a.probability));
}
