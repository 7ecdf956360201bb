/**
 * The scan cycle (the original's `run_scan_loop`, made concurrent and failure-isolated):
 *   cycleStart → snapshot + deals → bar → manage → gate → beforeScan/scan per symbol (bounded concurrency)
 *   → candidates → research → beforeExecute → place (journal first) → afterExecute → cycleEnd.
 * The cycle is a fixed list of phases (`phase()`), each answering synchronously or with a promise;
 * the multi-step ones are generators driven by `runFlow`. When every plugin and the broker answer
 * synchronously (backtests on the paper broker), a whole cycle runs without creating a promise.
 */
// tsyringe needs the Reflect polyfill loaded first, whichever module is imported first.
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { inject, injectable } from 'tsyringe';
import { TradekitError } from '../errors.js';
import {
  BrokerToken,
  ClockToken,
  DataSourceToken,
  EngineSettingsToken,
  EventBusToken,
  HooksToken,
  LoggerToken,
  RunInfoToken,
  StateStoreToken,
  TradingStateToken,
} from '../tokens.js';
import type { EngineHooks } from '../hooks.js';
import type { ActionResult, Broker, ClientIdLookup, Clock, CycleContext, DataSource, Logger, RunInfo, StateStore } from '../interfaces.js';
import type {
  Account,
  Action,
  Candidate,
  CycleSummary,
  ExecutionRecord,
  MaybePromise,
  OrderIntent,
  OrderResult,
  PendingOrder,
  Position,
  PositionFilter,
  SymbolInfo,
  Tick,
  Veto,
} from '../types.js';
import { isVeto } from '../types.js';
import type { EngineSection } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { extend, isPromiseLike, mapLimit, runFlow, type Flow } from '../util/maybe.js';
import { bail, parallel, series, waterfall } from './dispatch.js';
import { roundTo } from '../util/round.js';
import { FAILPOINTS_ARMED, failpoint } from '../util/failpoints.js';
import { mergeActions } from './actions.js';
import { BarFeeder } from './bar-feed.js';
import { clientOrderId } from './client-id.js';
import { CycleContextImpl, SymbolScanImpl } from './cycle-context.js';
import type { HookMetrics } from './instrument.js';
import { STATUS, executionStatus, journalFailedVeto, notSentVeto, sizeVeto } from './status-text.js';
import { TradeLedger } from './ledger.js';
import { outcomeOfLookup, tradeOfFill } from './records.js';
import { DEAL_CURSOR_KEY, Reconciler, type RecoveryReport } from './recovery.js';
import type { TradingStateController } from './trading-state.js';
import { isStateFailure, WriteGuard } from './write-guard.js';
import type { EngineSettings } from './settings.js';

export interface EngineDeps {
  hooks: EngineHooks;
  clock: Clock;
  data: DataSource;
  broker: Broker;
  store: StateStore;
  log: Logger;
  run: RunInfo;
  tradingState: TradingStateController;
  bus: EventBus;
  symbols: readonly string[];
  options: EngineSection;
  metrics?: HookMetrics;
  guard?: WriteGuard;
}

export type { EngineSettings } from './settings.js';

@injectable()
export class Engine {
  readonly hooks: EngineHooks;
  readonly ledger: TradeLedger;
  readonly reconciler: Reconciler;
  /** The closed bars handed to the `bar` hook (agents' `barFeeds` are followed here). */
  readonly barFeeds: BarFeeder;
  readonly guard: WriteGuard;
  private readonly d: EngineDeps;
  private seq = 0;
  private readonly never = new AbortController().signal;
  private signal: AbortSignal = this.never;
  private cycling = false;

  /** Resolved from the run's container: every parameter names its token (no reliance on metadata). */
  constructor(
    @inject(HooksToken) hooks: EngineHooks,
    @inject(ClockToken) clock: Clock,
    @inject(DataSourceToken) data: DataSource,
    @inject(BrokerToken) broker: Broker,
    @inject(StateStoreToken) store: StateStore,
    @inject(LoggerToken) log: Logger,
    @inject(RunInfoToken) run: RunInfo,
    @inject(TradingStateToken) tradingState: TradingStateController,
    @inject(EventBusToken) bus: EventBus,
    @inject(EngineSettingsToken) settings: EngineSettings,
  ) {
    this.guard = settings.guard ?? new WriteGuard();
    this.d = {
      hooks,
      clock,
      data,
      broker,
      store,
      log,
      run,
      tradingState,
      bus,
      symbols: settings.symbols,
      options: settings.options,
      metrics: settings.metrics,
      guard: this.guard,
    };
    this.hooks = hooks;
    this.ledger = new TradeLedger(broker, store.journal, bus, hooks, run, log);
    this.barFeeds = new BarFeeder(data, hooks);
    this.reconciler = new Reconciler({ broker, journal: store.journal, kv: store, clock, log, run, bus, ledger: this.ledger });
  }

  /** Builds an engine without a container (tests, benchmarks). */
  static of(d: EngineDeps): Engine {
    return new Engine(d.hooks, d.clock, d.data, d.broker, d.store, d.log, d.run, d.tradingState, d.bus, {
      symbols: d.symbols,
      options: d.options,
      metrics: d.metrics,
      guard: d.guard,
    });
  }

  get cycles(): number {
    return this.seq;
  }

  setSignal(signal: AbortSignal): void {
    this.signal = signal;
  }

  // ------------------------------------------------------------------ startup is recovery

  /**
   * Brings the journal in line with the broker before the first cycle (recovery.ts), then settles
   * what the broker announced meanwhile (a paper account walking the bars it missed closes positions
   * while recovery reads it): when this returns, the journal equals the broker.
   */
  async recover(): Promise<RecoveryReport> {
    const r = await this.reconciler.startup();
    failpoint('recovery.settle');
    await this.settle();
    return r;
  }

  /** A failure of the state store or the lease: no broker write until it is cleared (reported once). */
  storeFailed(err: TradekitError): void {
    if (this.guard.fail(err)) this.report(err);
  }

  // ------------------------------------------------------------------ the cycle

  /** Runs one cycle. Synchronous (returns the summary) when every step answered synchronously. */
  runCycle(): CycleSummary | Promise<CycleSummary> {
    return this.guarded(true) as CycleSummary | Promise<CycleSummary>;
  }

  /**
   * Runs one cycle without building a summary unless a hook or a sink needs one (backtests call this
   * once per bar). Returns the number of this run's open positions at the end of the cycle.
   */
  step(): number | Promise<number> {
    const r = this.guarded(false);
    return isPromiseLike(r) ? (r as Promise<CycleState>).then(openAfter) : openAfter(r as CycleState);
  }

  private guarded(wantSummary: boolean): CycleSummary | CycleState | Promise<CycleSummary | CycleState> {
    if (this.cycling) throw new TradekitError('TK_ERR_ENGINE_STATE', 'a cycle is already running');
    this.cycling = true;
    let r: MaybePromise<CycleState>;
    try {
      r = this.phases(this.newCycle(wantSummary), 0);
    } catch (e) {
      this.cycling = false;
      throw e;
    }
    if (isPromiseLike(r)) return this.guardedLater(r as Promise<CycleState>, wantSummary);
    this.cycling = false;
    const st = r as CycleState;
    // Nothing can still hold on to a cycle that ran synchronously: its objects serve the next one.
    this.spare = st;
    return wantSummary ? st.summary! : st;
  }

  private guardedLater(p: Promise<CycleState>, wantSummary: boolean): Promise<CycleSummary | CycleState> {
    return p.then(
      (st) => {
        this.cycling = false;
        return wantSummary ? st.summary! : st;
      },
      (e: unknown) => {
        this.cycling = false;
        throw e;
      },
    );
  }

  /** The state of the last cycle when it ran synchronously (reused by the next). */
  private spare: CycleState | undefined;

  private newCycle(wantSummary: boolean): CycleState {
    const { clock, data, broker, store, log, run, symbols, bus } = this.d;
    const emitting = bus.hasConsumers;
    // Wall time is only read when someone will see the summary (a backtest step does not).
    const t0 = wantSummary || emitting || this.d.hooks.cycleEnd.taps.length ? performance.now() : 0;
    const st = this.spare;
    if (st !== undefined && st.ctx.signal === this.signal) {
      this.spare = undefined;
      st.ctx.reset(++this.seq, clock.now(), this.d.tradingState.state);
      st.t0 = t0;
      st.emitting = emitting;
      st.wantSummary = wantSummary;
      st.gated = undefined;
      st.candidates = NONE;
      st.executions = NONE;
      st.actions = 0;
      st.positionsAfter = undefined;
      st.summary = undefined;
      return st;
    }
    const ctx = new CycleContextImpl(++this.seq, clock.now(), run, clock, data, broker, store, log, this.signal, symbols, this.d.tradingState.state);
    return { ctx, t0, emitting, wantSummary, gated: undefined, candidates: NONE, executions: NONE, actions: 0, positionsAfter: undefined, summary: undefined };
  }

  /**
   * The cycle's phases in order. Each answers synchronously or with a promise; the loop only leaves
   * the synchronous path when a phase really is asynchronous (no promise per phase otherwise).
   */
  private phases(st: CycleState, from: number): MaybePromise<CycleState> {
    for (let i = from; i < PHASES; i++) {
      const r = this.phase(st, i);
      if (r !== undefined && isPromiseLike(r)) return this.phasesLater(r as Promise<unknown>, st, i + 1);
    }
    return st;
  }

  // Continuations in methods of their own: a closure inside `phases`/`phase` would allocate a context
  // for what it captures on every call (ten per cycle), also when the cycle runs synchronously.
  private phasesLater(p: Promise<unknown>, st: CycleState, next: number): Promise<CycleState> {
    return p.then(() => this.phases(st, next));
  }

  private countActions(st: CycleState, n: MaybePromise<number>): MaybePromise<void> {
    if (isPromiseLike(n)) return later(n as Promise<number>, (v, x: CycleState) => void (x.actions = v), st);
    st.actions = n as number;
    return undefined;
  }

  private phase(st: CycleState, i: number): MaybePromise<void> {
    const { hooks, bus, symbols } = this.d;
    const ctx = st.ctx;
    switch (i) {
      case 0: // start
        if (st.emitting) bus.emit('cycle.start', { cycle: ctx.seq, symbols: symbols.length });
        return hooks.cycleStart.taps.length ? series(hooks.cycleStart, ctx) : undefined;
      case 1: // this run's positions
        return this.snapshot(ctx);
      case 2: // fills, exits and vanished orders since the last cycle; outcomes still unknown
        return this.ledger.hasWork || this.reconciler.needsPass(ctx.positions) ? runFlow(this.settleFlow(ctx, true)) : undefined;
      case 3: // bars closed since the last cycle, to whoever follows them
        return this.barFeeds.active ? this.barFeeds.feed(ctx, this.d.clock.now()) : undefined;
      case 4: // manage
        return hooks.manage.taps.length && ctx.positions.length ? parallel(hooks.manage, ctx, ctx.positions) : undefined;
      case 5: // apply the merged actions
        if (!ctx.hasActions) return undefined;
        return this.countActions(st, runFlow(this.applyActions(ctx)));
      case 6: // gate
        if (!hooks.gate.taps.length) return undefined;
        return this.gateInto(st, bail<string>(hooks.gate, ctx));
      case 7: // scan
        return st.gated ? this.gateAll(ctx, st.gated) : this.scanAll(ctx);
      case 8: // rank, research, execute
        return this.collect(st) ? runFlow(this.executeFlow(st)) : undefined;
      case 9: // summary, events, cycleEnd
        return st.wantSummary || st.emitting || hooks.cycleEnd.taps.length ? runFlow(this.endFlow(st)) : this.quietEnd(st);
      default:
        return undefined;
    }
  }

  /** The gate's answer into the cycle state (no closure per cycle when it answered synchronously). */
  private gateInto(st: CycleState, g: MaybePromise<string | undefined>): MaybePromise<void> {
    if (g !== undefined && isPromiseLike(g)) return later(g as Promise<string | undefined>, (v, x: CycleState) => void (x.gated = v), st);
    st.gated = g as string | undefined;
    return undefined;
  }

  private snapshot(ctx: CycleContextImpl): MaybePromise<void> {
    const r = this.d.broker.positions(this.own);
    if (isPromiseLike(r)) return later(r as Promise<Position[]>, (p, c: CycleContextImpl) => void (c.positions = p), ctx);
    ctx.positions = r as Position[];
    return undefined;
  }

  private *settleFlow(ctx: CycleContextImpl, refresh: boolean): Flow<void> {
    const broker = this.d.broker;
    // Outside a cycle (startup, shutdown, the end of a backtest) read the positions first: a broker that
    // polls its deals announces them there, so what happened up to now is settled, not next cycle.
    if (!refresh) ctx.positions = (yield broker.positions(this.own)) as Position[];
    // (An answer already there is not yielded: no generator round trip on the synchronous path.)
    const orders = broker.orders(this.own);
    ctx.orders = (isPromiseLike(orders) ? yield orders : orders) as PendingOrder[];
    try {
      if (this.ledger.hasWork) yield* this.ledger.process(ctx);
      if (refresh) {
        const positions = broker.positions(this.own);
        ctx.positions = (isPromiseLike(positions) ? yield positions : positions) as Position[];
        if (this.reconciler.needsPass(ctx.positions)) yield* this.reconciler.pass(ctx);
      }
    } catch (e) {
      // The journal could not record what the broker did: recovery will, once the store works again.
      if (!isStateFailure(e)) throw e;
      this.storeFailed(e);
    }
  }

  /** This run's orders and positions only (the magic number tags them at the broker). */
  private get own(): PositionFilter {
    return (this.ownFilter ??= Object.freeze({ magic: this.d.run.magic }));
  }
  private ownFilter?: PositionFilter;

  private gateAll(ctx: CycleContextImpl, reason: string): void {
    const symbols = this.d.symbols;
    for (let i = 0; i < symbols.length; i++) {
      const scan = scanAt(ctx, i, symbols[i]!);
      scan.skip(reason);
      scan.finish();
    }
  }

  /** Scans every symbol: inline while scans answer synchronously, then at most `concurrency` at once. */
  private scanAll(ctx: CycleContextImpl): MaybePromise<void> {
    const symbols = this.d.symbols;
    for (let i = 0; i < symbols.length; i++) {
      const r = this.scanSymbol(ctx, i);
      if (r !== undefined && isPromiseLike(r)) return this.scanRest(ctx, r as Promise<void>, i + 1);
    }
    return undefined;
  }

  /** The symbols after `from` at most `concurrency − 1` at once, beside the scan in flight. */
  private scanRest(ctx: CycleContextImpl, inFlight: Promise<void>, from: number): Promise<void> {
    const rest: number[] = [];
    for (let k = from; k < this.d.symbols.length; k++) rest.push(k);
    const more = mapLimit(rest, Math.max(1, this.d.options.concurrency - 1), (k) => this.scanSymbol(ctx, k));
    return Promise.all([inFlight, more]).then(() => undefined);
  }

  private scanSymbol(ctx: CycleContextImpl, index: number): MaybePromise<void> {
    const symbol = this.d.symbols[index]!;
    const scan = scanAt(ctx, index, symbol);
    const hooks = this.d.hooks;
    if (hooks.beforeScan.taps.length) {
      const reason = bail<string>(hooks.beforeScan, ctx, symbol);
      if (isPromiseLike(reason)) return this.scanAfterChecksLater(reason as Promise<string | undefined>, scan);
      return this.scanAfterChecks(scan, reason as string | undefined);
    }
    return this.scanAfterChecks(scan, undefined);
  }

  private scanAfterChecksLater(reason: Promise<string | undefined>, scan: SymbolScanImpl): Promise<void> {
    return reason.then((r) => this.scanAfterChecks(scan, r));
  }

  private scanAfterChecks(scan: SymbolScanImpl, reason: string | undefined): MaybePromise<void> {
    if (reason) {
      scan.skip(reason);
      scan.finish();
      return undefined;
    }
    const hook = this.d.hooks.scan;
    if (hook.taps.length) {
      const r = parallel(hook, scan.cycle, scan);
      if (r !== undefined && isPromiseLike(r)) return later(r as Promise<void>, (_, x: SymbolScanImpl) => x.finish(), scan);
    }
    scan.finish();
    return undefined;
  }

  /** Gathers the cycle's candidates; true when there is something to execute. */
  private collect(st: CycleState): boolean {
    let list: Candidate[] | undefined;
    // The scans in symbol order (the map's order too) without an iterator per cycle.
    const scans = st.ctx.scanList ?? NONE;
    for (let i = 0; i < scans.length; i++) {
      const s = scans[i]!;
      if (s.hasCandidates) for (const c of s.candidates) (list ??= []).push(c);
    }
    if (list) st.candidates = list;
    return list !== undefined;
  }

  private *executeFlow(st: CycleState): Flow<void> {
    const { hooks, bus, options } = this.d;
    const ctx = st.ctx;
    if (st.emitting) for (const c of st.candidates) bus.emit('signal', { cycle: ctx.seq, candidate: c });
    if (hooks.candidates.taps.length) {
      const ranked = waterfall(hooks.candidates, st.candidates, ctx);
      st.candidates = (isPromiseLike(ranked) ? yield ranked : ranked) as Candidate[];
    }
    const executions: ExecutionRecord[] = [];
    let entered = 0;
    for (const c of st.candidates) {
      if (entered >= options.maxEntriesPerCycle) break;
      const rec = yield* this.execute(ctx, c);
      executions.push(rec);
      if (rec.result && (rec.result.status === 'filled' || rec.result.status === 'placed' || rec.result.status === 'unknown')) entered++;
      const scan = ctx.scans.get(c.symbol);
      if (scan instanceof SymbolScanImpl) scan.executed(rec);
      else if (scan) scan.status = executionStatus(rec);
    }
    st.executions = executions;
  }

  /** End of a cycle nobody watches: only the positions count the backtest driver reads. */
  private quietEnd(st: CycleState): MaybePromise<void> {
    if (!st.executions.length && !st.actions) {
      st.positionsAfter = st.ctx.positions.length;
      return this.saveCursor();
    }
    const r = this.d.broker.positions(this.own);
    if (isPromiseLike(r)) return later(r as Promise<Position[]>, (p, x: CycleState) => void (x.positionsAfter = p.length), st);
    st.positionsAfter = (r as Position[]).length;
    return this.saveCursor();
  }

  private *endFlow(st: CycleState): Flow<void> {
    const { hooks, clock, broker, bus, symbols } = this.d;
    const ctx = st.ctx;
    let errors = 0;
    for (const s of ctx.scans.values()) errors += (s as SymbolScanImpl).errorCount;
    const account = st.emitting || hooks.cycleEnd.taps.length ? ((yield broker.account()) as Account) : undefined;
    const positions = st.executions.length || st.actions ? ((yield broker.positions(this.own)) as Position[]) : ctx.positions;
    st.positionsAfter = positions.length;
    const symbolsStatus: Record<string, string> = {};
    for (const [s, scan] of ctx.scans) symbolsStatus[s] = scan.status;
    const summary: CycleSummary = {
      seq: ctx.seq,
      startedAt: ctx.startedAt,
      endedAt: clock.now(),
      state: this.d.tradingState.state,
      gated: st.gated,
      symbols: symbolsStatus,
      scanned: st.gated ? 0 : symbols.length,
      candidates: st.candidates.length,
      executions: st.executions as ExecutionRecord[],
      actions: st.actions,
      account,
      positions: positions.length,
      errors,
      durationMs: performance.now() - st.t0,
    };
    st.summary = summary;
    if (hooks.cycleEnd.taps.length) yield series(hooks.cycleEnd, summary, ctx);
    if (st.emitting) {
      bus.emit('scan.summary', {
        ...summary,
        executions: summary.executions.map((e) => ({
          symbol: e.candidate.symbol,
          side: e.candidate.side,
          status: e.result?.status ?? 'vetoed',
          reason: e.veto ?? (e.result?.status === 'rejected' ? e.result.reason : undefined),
        })),
      });
      const orders = ctx.orders.length || st.executions.length ? ((yield broker.orders(this.own)) as PendingOrder[]) : ctx.orders;
      bus.emit('position.update', { positions, orders });
      if (account) bus.emit('account.update', { account });
      void bus.flush();
    }
    yield this.saveCursor();
    summary.durationMs = performance.now() - st.t0;
  }

  /** Brokers polled for deals: remember how far we read (startup resumes from there). */
  private saveCursor(): undefined {
    if (!this.d.broker.subscribeDeals && this.ledger.cursor !== this.savedCursor) {
      this.savedCursor = this.ledger.cursor;
      this.storeCursor(this.ledger.cursor);
    }
    return undefined;
  }

  private storeCursor(cursor: number): void {
    void this.d.store.set(DEAL_CURSOR_KEY, cursor).catch((err: unknown) => {
      if (isStateFailure(err)) this.storeFailed(err);
      else this.d.log.warn({ err }, 'could not save the deal cursor');
    });
  }

  private savedCursor = Number.NaN;

  // ------------------------------------------------------------------ execution

  private *execute(ctx: CycleContext, c: Candidate): Flow<ExecutionRecord> {
    const { hooks, data, store, run, bus, tradingState, clock } = this.d;
    const rec: ExecutionRecord = { candidate: c };
    if (hooks.research.taps.length) {
      const veto = (yield bail<string>(hooks.research, c, ctx)) as string | undefined;
      if (veto) {
        rec.veto = veto;
        return rec;
      }
    }
    // A value that is already there is not yielded (no generator round trip per step on the synchronous path).
    const infoR = data.symbolInfo(c.symbol);
    const info = (isPromiseLike(infoR) ? yield infoR : infoR) as SymbolInfo;
    const tickR = data.tick(c.symbol);
    const tick = (isPromiseLike(tickR) ? yield tickR : tickR) as Tick;
    const market = c.side === 'buy' ? tick.ask : tick.bid;
    const price = c.entry === 'limit' && c.limitPrice !== undefined ? roundTo(c.limitPrice, info.digits) : market;
    const dir = c.side === 'buy' ? 1 : -1;
    const clientId = clientOrderId(run.id, ctx.startedAt, ctx.seq, c.symbol, c.side, c.agent);
    let intent: OrderIntent | Veto = {
      clientId,
      symbol: c.symbol,
      side: c.side,
      type: c.entry === 'limit' ? 'limit' : 'market',
      volume: c.volume ?? Number.NaN,
      price,
      sl: c.slDistance ? roundTo(price - dir * c.slDistance, info.digits) : undefined,
      tp: c.tpDistance ? roundTo(price + dir * c.tpDistance, info.digits) : undefined,
      expiresAt: c.entry === 'limit' && c.expiresInMs ? clock.now() + c.expiresInMs : undefined,
      magic: run.magic,
      comment: `tk ${clientId}`,
      source: { agent: c.agent ?? 'unknown', score: c.score, probability: c.probability, details: c.details },
    };
    if (hooks.beforeExecute.taps.length) intent = (yield waterfall<OrderIntent | Veto>(hooks.beforeExecute, intent, ctx, c)) as OrderIntent | Veto;
    if (isVeto(intent)) {
      rec.veto = intent.veto;
      return rec;
    }
    // The one pre-trade gate every order passes, in every mode.
    if (!tradingState.allowsEntries()) {
      const halted = tradingState.state === 'HALTED';
      rec.veto = halted ? STATUS.haltedVeto : STATUS.reducingVeto;
      rec.vetoCode = halted ? 'TK_ERR_TRADING_HALTED' : 'TK_ERR_TRADING_REDUCING';
      return rec;
    }
    if (!(intent.volume > 0) || !Number.isFinite(intent.volume)) {
      rec.veto = Number.isNaN(intent.volume) ? STATUS.noSizeVeto : sizeVeto(intent.volume);
      return rec;
    }
    // No order the journal cannot record, and none from a process that may have lost the run.
    const blocked = this.guard.blocked;
    if (blocked) {
      rec.veto = notSentVeto(blocked);
      return rec;
    }
    rec.intent = intent;
    const now = clock.now();
    const orderRec = {
      clientId,
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      volume: intent.volume,
      price: intent.price,
      sl: intent.sl,
      tp: intent.tp,
      status: 'pending' as const,
      agent: c.agent,
      createdAt: now,
      updatedAt: now,
      intent,
    };
    // Write-ahead: the journal knows about the order before the broker does.
    failpoint('order.beforeIntent');
    try {
      const saved = store.journal.saveOrder(orderRec);
      if (saved !== undefined && isPromiseLike(saved)) yield saved;
    } catch (e) {
      if (!isStateFailure(e)) throw e;
      this.storeFailed(e);
      rec.veto = journalFailedVeto(e.code);
      return rec;
    }
    failpoint('order.afterIntent');
    // A synchronous answer that is not an unknown outcome needs no deadline and no lookup (place's fast path).
    const sent = this.send(intent);
    const result = isPromiseLike(sent) || sent.status === 'unknown' ? yield* this.place(intent, sent) : sent;
    failpoint('order.afterAnswer');
    rec.result = result;
    const updated = clock.now();
    try {
      switch (result.status) {
        case 'filled': {
          // `extend(orderRec, { status, brokerOrderId, positionId, volume, price, updatedAt, result })`, as a literal (same keys, same order).
          const filled = {
            clientId,
            symbol: orderRec.symbol,
            side: orderRec.side,
            type: orderRec.type,
            volume: result.volume,
            price: result.price,
            sl: orderRec.sl,
            tp: orderRec.tp,
            status: 'filled' as const,
            agent: orderRec.agent,
            createdAt: now,
            updatedAt: updated,
            intent,
            brokerOrderId: result.orderId,
            positionId: result.positionId,
            result,
          };
          const w = store.journal.recordFill(
            filled,
            tradeOfFill(clientId, result, { sl: intent.sl, tp: intent.tp, agent: c.agent, score: c.score, probability: c.probability, details: c.details }),
          );
          if (w !== undefined && isPromiseLike(w)) yield w;
          this.ledger.known.add(result.positionId);
          if (bus.hasConsumers) bus.emit('order.filled', { intent, result });
          break;
        }
        case 'placed':
          yield store.journal.saveOrder(extend(orderRec, { status: 'placed', brokerOrderId: result.orderId, updatedAt: updated, result }));
          this.ledger.pending.set(clientId, extend(orderRec, { status: 'placed', brokerOrderId: result.orderId }));
          bus.emit('order.placed', { intent, result });
          break;
        case 'rejected':
          yield store.journal.saveOrder(extend(orderRec, { status: 'rejected', reason: `${result.code}: ${result.reason}`, updatedAt: updated, result }));
          bus.emit('order.rejected', { intent, result });
          break;
        case 'unknown': {
          const unknown = extend(orderRec, { status: 'unknown' as const, reason: result.reason, updatedAt: updated, result });
          yield store.journal.saveOrder(unknown);
          this.reconciler.trackUnknown(unknown);
          this.report(
            new TradekitError(
              'TK_ERR_BROKER_UNKNOWN_OUTCOME',
              `outcome of ${clientId} (${intent.side} ${intent.volume} ${intent.symbol}) is unknown: ${result.reason}; it will be reconciled, not resent`,
              { symbol: intent.symbol },
            ),
          );
          break;
        }
      }
    } catch (e) {
      // The order stays `pending` in the journal; recovery looks it up once the store works again.
      if (!isStateFailure(e)) throw e;
      this.storeFailed(e);
      return rec;
    }
    if (result.status === 'rejected' && result.code === 'TK_ERR_RUN_FENCED')
      this.storeFailed(new TradekitError('TK_ERR_RUN_FENCED', `the broker refused ${clientId}: ${result.reason}`, { classification: 'fatal' }));
    if (hooks.afterExecute.taps.length) yield series(hooks.afterExecute, result, ctx, intent);
    return rec;
  }

  /** Sends the order: the broker's answer, or an unknown outcome when the call threw. */
  private send(intent: OrderIntent): OrderResult | Promise<OrderResult> {
    try {
      return this.d.broker.place(intent, this.signal);
    } catch (e) {
      return unknownOutcome(intent, e);
    }
  }

  /**
   * Waits for the answer of `send` with a deadline; an unknown outcome is reconciled by client id,
   * never blindly resent.
   */
  private *place(intent: OrderIntent, sent: OrderResult | Promise<OrderResult>): Flow<OrderResult> {
    const { broker, options } = this.d;
    let result: OrderResult;
    if (isPromiseLike(sent)) {
      try {
        result = (yield withDeadline(sent, options.brokerTimeoutMs, intent)) as OrderResult;
      } catch (e) {
        result = unknownOutcome(intent, e);
      }
    } else result = sent;
    if (result.status !== 'unknown') return result;
    try {
      const found = (yield broker.lookup(intent.clientId)) as ClientIdLookup;
      const outcome = outcomeOfLookup(intent, found);
      if (outcome) return outcome;
    } catch (e) {
      this.d.log.warn({ err: e, clientId: intent.clientId }, 'reconciliation lookup failed; the order stays unknown');
    }
    return result;
  }

  /**
   * Processes deals and vanished orders without a cycle (end of a backtest, shutdown): exits and fills
   * that happened since the last cycle reach the journal, events and hooks.
   */
  settle(): void | Promise<void> {
    const { clock, data, broker, store, log, run, symbols } = this.d;
    const ctx = new CycleContextImpl(this.seq, clock.now(), run, clock, data, broker, store, log, this.signal, symbols, this.d.tradingState.state);
    return runFlow(this.settleFlow(ctx, false));
  }

  // ------------------------------------------------------------------ management

  private *applyActions(ctx: CycleContext): Flow<number> {
    const { broker, log } = this.d;
    const merged = mergeActions(ctx.actions, ctx.positions);
    let done = 0;
    for (const a of merged) {
      const blocked = this.guard.blocked;
      if (blocked) {
        log.warn({ action: a }, `${describeAction(a)} not sent: ${blocked}`);
        break;
      }
      let r: ActionResult;
      try {
        // (The point's name is only built when failpoints are armed.)
        if (FAILPOINTS_ARMED) failpoint(`action.before.${a.type}`);
        let sent: MaybePromise<ActionResult>;
        if (a.type === 'close') {
          this.ledger.noteClose(a.positionId, a.reason);
          sent = broker.close(a.positionId, a.volume, this.signal);
        } else if (a.type === 'modify') sent = broker.modify(a.positionId, { sl: a.sl, tp: a.tp }, this.signal);
        else sent = broker.cancel(a.orderId, this.signal);
        r = (isPromiseLike(sent) ? yield sent : sent) as ActionResult;
        if (FAILPOINTS_ARMED) failpoint(`action.after.${a.type}`);
      } catch (e) {
        this.report(new TradekitError('TK_ERR_BROKER_UNKNOWN_OUTCOME', `${describeAction(a)} failed: ${(e as Error).message}`, { cause: e }));
        continue;
      }
      if (r.status === 'done' || r.status === 'queued') done++;
      else if (r.status === 'rejected') {
        log.warn({ action: a, code: r.code }, `${describeAction(a)} rejected: ${r.reason}`);
        this.d.bus.emit('error', { code: r.code, message: `${describeAction(a)} rejected: ${r.reason}` });
      } else
        this.report(
          new TradekitError('TK_ERR_BROKER_UNKNOWN_OUTCOME', `${describeAction(a)}: outcome unknown (${r.reason}); next cycle will see the broker's state`),
        );
    }
    if (done) {
      try {
        yield* this.ledger.process(ctx);
      } catch (e) {
        if (!isStateFailure(e)) throw e;
        this.storeFailed(e);
      }
    }
    return done;
  }

  /** Errors caught by the engine: to the `error` hook, the log and the event stream. */
  report(err: TradekitError): void {
    this.d.hooks.error.call(err);
    this.d.log.warn(
      { code: err.code, plugin: err.plugin, hook: err.hook, symbol: err.symbol, cause: err.cause instanceof Error ? err.cause.message : undefined },
      err.message,
    );
    this.d.bus.emit('error', { code: err.code, message: err.message, plugin: err.plugin, hook: err.hook, symbol: err.symbol });
  }

  metrics(): Record<string, unknown> | undefined {
    return this.d.metrics?.snapshot();
  }
}

function describeAction(a: Action): string {
  if (a.type === 'cancel') return `cancel order ${a.orderId}`;
  if (a.type === 'close') return `${a.volume ? `partial close ${a.volume} of` : 'close'} position ${a.positionId} (${a.reason})`;
  return `modify position ${a.positionId} (${a.reason})`;
}

/** A send that threw: its outcome is unknown (reconciled by client id). */
function unknownOutcome(intent: OrderIntent, e: unknown): OrderResult {
  return { status: 'unknown', clientId: intent.clientId, symbol: intent.symbol, reason: e instanceof Error ? e.message : String(e) };
}

function withDeadline(p: Promise<OrderResult>, ms: number, intent: OrderIntent): Promise<OrderResult> {
  if (!ms) return p;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve({ status: 'unknown', clientId: intent.clientId, symbol: intent.symbol, reason: `no answer within ${ms} ms` }), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export type { Position };

const PHASES = 10;
const NONE: never[] = [];

/** The state of one cycle in flight. */
interface CycleState {
  ctx: CycleContextImpl;
  t0: number;
  emitting: boolean;
  wantSummary: boolean;
  gated: string | undefined;
  candidates: Candidate[];
  executions: readonly ExecutionRecord[];
  actions: number;
  positionsAfter: number | undefined;
  summary: CycleSummary | undefined;
}

/** The scan of symbol `i` in this context: made (and listed in `scans`) once, reset when reused. */
function scanAt(ctx: CycleContextImpl, i: number, symbol: string): SymbolScanImpl {
  const list = (ctx.scanList ??= []);
  let scan = list[i];
  if (scan === undefined) {
    scan = list[i] = new SymbolScanImpl(symbol, ctx);
    ctx.scans.set(symbol, scan);
  } else scan.reset();
  return scan;
}

/**
 * `p.then(v => set(v, target))` without a closure over `target` in the caller (a caller with a
 * closure allocates a context on every call, also when it answers synchronously): `set` is a
 * function that captures nothing.
 */
function later<V, T>(p: Promise<V>, set: (v: V, target: T) => void, target: T): Promise<void> {
  return p.then((v) => set(v, target));
}

function openAfter(st: CycleState): number {
  return st.positionsAfter ?? st.ctx.positions.length;
}
