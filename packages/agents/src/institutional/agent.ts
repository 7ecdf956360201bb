/**
 * The institutional agent: one instance per symbol (the seed's PairAgent). Gates run in the seed's
 * order and return its status strings (see status.ts); the risk policy's pre-scan ("Risk Block: …")
 * runs before this agent in the engine's `beforeScan`. Indicators come from the shared, incremental
 * FeatureHub, so a warm scan reads a few new bars and does O(1) work.
 */
import { TIMEFRAME_MS, runFlow, wait, type Agent, type Candidate, type CycleContext, type Flow, type KeyValueStore, type Logger, type MaybePromise, type ScanContext, type ScanResult, type SymbolInfo, type Timeframe } from '@tradekit/core';
import { bestSide, CONFLUENCE_MAX, type SideScore } from '../analysis/confluence.js';
import { detectRegime, isTradeable, regimeKey, regimeScore } from '../analysis/regime.js';
import { bosSetup, meanReversionSetup, type Setup } from '../analysis/setups.js';
import { opposes, trendOf, type Trend } from '../analysis/trend.js';
import type { FeatureHub } from '../features/hub.js';
import type { FeatureParams } from '../features/track.js';
import { maxSpreadPipsFor, pipSize } from '../market/pips.js';
import type { ProbabilityModel } from '../model/model-file.js';
import { symbolCurrencies, type NewsCalendar } from '../news/calendar.js';
import type { InstitutionalConfig } from './config.js';
import { Status } from './status.js';

/** What survives a restart, per symbol (KV `<instance>:<symbol>`). */
export interface AgentSymbolState {
  lastFillAt: number;
  consecutiveLosses: number;
  pausedUntil: number;
  /** Fills per regime group on `day` (UTC yyyy-mm-dd). */
  day: string;
  dailyByRegime: Record<string, number>;
  /** Our open positions: id → net profit realised so far (partials). */
  open: Record<string, number>;
}

export const emptyAgentState = (): AgentSymbolState => ({ lastFillAt: 0, consecutiveLosses: 0, pausedUntil: 0, day: '', dailyByRegime: {}, open: {} });

export interface AgentDeps {
  hub: FeatureHub;
  featureParams: FeatureParams;
  news?: NewsCalendar;
  model?: ProbabilityModel;
  store: KeyValueStore;
  log: Logger;
  /** The plugin instance name (candidates carry it as `agent`). */
  instance: string;
}

const HTF: readonly Timeframe[] = ['H1', 'H4'];

export class InstitutionalAgent implements Agent {
  readonly symbols: readonly string[];
  state: AgentSymbolState = emptyAgentState();
  private info?: SymbolInfo;
  private currencies: string[] = [];
  private readonly barMs: number;
  private warnedInSample = false;

  constructor(
    readonly symbol: string,
    readonly cfg: InstitutionalConfig,
    private readonly d: AgentDeps,
  ) {
    this.symbols = [symbol];
    this.barMs = TIMEFRAME_MS[cfg.timeframe];
  }

  get stateKey(): string {
    return `${this.d.instance}:${this.symbol}`;
  }

  async load(): Promise<void> {
    const s = await this.d.store.get<AgentSymbolState>(this.stateKey);
    this.state = { ...emptyAgentState(), ...(s ?? {}) };
  }

  private save(): Promise<void> {
    return this.d.store.set(this.stateKey, this.state);
  }

  scan(sc: ScanContext): MaybePromise<ScanResult> {
    return runFlow(this.scanFlow(sc.cycle));
  }

  private *symbolInfo(cycle: CycleContext): Flow<SymbolInfo> {
    if (!this.info) {
      this.info = yield* wait(cycle.data.symbolInfo(this.symbol));
      this.currencies = symbolCurrencies(this.info);
    }
    return this.info;
  }

  /** The decision at the cycle's time: a candidate or `{ skip: status }`. */
  *scanFlow(cycle: CycleContext): Flow<ScanResult> {
    const c = this.cfg;
    const now = cycle.clock.now();
    const st = this.state;
    const skip = (reason: string): ScanResult => ({ skip: reason });

    // 1. circuit breaker
    if (st.pausedUntil > now) return skip(Status.inactive(st.pausedUntil));
    const info = yield* this.symbolInfo(cycle);
    // 2. news
    if (c.newsFilter && this.d.news) {
      const ev = this.d.news.blackout(this.currencies, now);
      if (ev) return skip(Status.news(ev.currency, ev.title));
    }
    // 3. cooldown after our last fill on this symbol
    if (st.lastFillAt && now - st.lastFillAt < c.cooldownSeconds * 1000) return skip(Status.cooldown((c.cooldownSeconds * 1000 - (now - st.lastFillAt)) / 1000));
    // One working order per symbol: a limit that has not filled yet is not a trade, but a second one
    // would stack exposure when both fill.
    const pending = cycle.orders.find((o) => o.symbol === this.symbol);
    if (pending) return skip(Status.pending(pending.side.toUpperCase(), pending.type.toUpperCase(), pending.price));
    // (4. "Risk Block: …" comes from the risk policy's pre-scan, before this agent runs.)
    // 5. spread
    const tick = yield* wait(cycle.data.tick(this.symbol));
    const spread = tick.ask - tick.bid;
    const pip = pipSize(info);
    const spreadPips = spread / pip;
    const maxSpread = maxSpreadPipsFor(info.assetClass, c);
    if (spreadPips > maxSpread) return skip(Status.spread(spreadPips, maxSpread));
    // 6. data
    const hub = this.d.hub;
    const track = yield* wait(hub.get(cycle.data, this.symbol, c.timeframe, now, this.d.featureParams));
    if (track.bars < c.minBars) return skip(Status.insufficient(track.bars, c.minBars));
    const sinceClose = now - (track.lastTime + this.barMs);
    if (sinceClose > c.staleBars * this.barMs) return skip(Status.stale(sinceClose / 60_000));
    const f = track.features;
    const trends: Record<string, Trend> = { M5: trendOf(f.close, f.sma50, c.trendBand), H1: 'unknown', H4: 'unknown' };
    for (const tf of HTF) {
      const on = tf === 'H1' ? c.h1TrendFilter : c.h4TrendFilter;
      if (!on) continue;
      const t = yield* wait(hub.get(cycle.data, this.symbol, tf, now, this.d.featureParams));
      trends[tf] = trendOf(t.features.close, t.features.sma50, c.trendBand);
    }

    // 7-9. features → regime, probability, confluence (both directions)
    const { regime, why: regimeWhy } = detectRegime(f, c.regime);
    const key = regimeKey(regime);
    const model = this.d.model;
    let probLong = 0.5;
    let probabilitySource = 'neutral';
    if (model) {
      const p = model.probabilityLong(track, this.barMs);
      if (p !== undefined) {
        probLong = p;
        probabilitySource = model.name;
      } else probabilitySource = 'neutral (model inputs not ready)';
      if (!this.warnedInSample && model.trainedThrough !== undefined && now <= model.trainedThrough) {
        this.warnedInSample = true;
        this.d.log.warn({ symbol: this.symbol, trainedThrough: new Date(model.trainedThrough).toISOString() }, 'the model was fitted on data up to this time: results before it are in-sample');
      }
    }
    const smc = track.smc;
    const near = c.smc.nearAtr;
    const smcBuy = smc.recentSweep('buy') || smc.nearZone(smc.orderBlocks, 'buy', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'buy', f.close, f.atr, near);
    const smcSell = smc.recentSweep('sell') || smc.nearZone(smc.orderBlocks, 'sell', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'sell', f.close, f.atr, near);
    const conf = bestSide(
      { m5: trends.M5!, h1: trends.H1!, h4: trends.H4!, probLong, smcBuy, smcSell, adx: f.adx },
      { m5Filter: c.m5TrendFilter, h1Filter: c.h1TrendFilter, h4Filter: c.h4TrendFilter, adxStrong: c.adxStrong, probStrong: c.probStrong, probThreshold: c.rfProbThreshold },
    );
    const minScore = Math.max(c.minConfluenceScore, c.regimeParams[key].minScore);

    // 10-12. the confluence setup, then the BOS / mean-reversion setups
    let fail: string | undefined;
    const best: SideScore | undefined = conf.best;
    if (!best) fail = Status.lowScoreTie(conf.buy.score);
    else if (best.score < minScore) fail = Status.lowScore(best.score, minScore, key, best.blocked);
    else if (model && best.score < c.probGateBelowScore) {
      const pDir = best.side === 'buy' ? probLong : 1 - probLong;
      if (pDir < c.rfProbThreshold) fail = Status.lowProb(pDir, c.rfProbThreshold);
    }
    const hour = new Date(now).getUTCHours();
    const bos = bosSetup(smc.bos, f, tick, hour, c.bos);
    let chosen: (Omit<Setup, 'kind'> & { kind: string }) | undefined;
    if (!fail && best) {
      const regimeExit = c.regimeExits ? c.regimeParams[key] : undefined;
      const sl = f.atr * (regimeExit ? regimeExit.slAtr : c.atrSlMultiplier);
      const tp = regimeExit ? f.atr * regimeExit.tpAtr : c.smartExit ? f.atr * c.tpSafetyAtr : f.atr * c.atrTpMultiplier + spread;
      chosen = { kind: 'confluence', side: best.side, slDistance: sl, tpDistance: tp, score: best.score, scaling: 1, why: `confluence ${best.score}/${CONFLUENCE_MAX}` };
      if (bos && 'kind' in bos && bos.side === best.side) {
        chosen = { ...bos, kind: 'bos+confluence', score: Math.max(bos.score, best.score), why: `${bos.why}; confluence ${best.score}/${CONFLUENCE_MAX}` };
      }
    } else {
      const mr = bos && 'kind' in bos ? undefined : meanReversionSetup(f, regime, tick, hour, c.meanReversion, c.bos);
      const setup = bos && 'kind' in bos ? bos : mr && 'kind' in mr ? mr : undefined;
      if (setup) {
        // Pattern setups obey the higher-timeframe filters too (the seed's overrides skipped them).
        const tfs: [string, boolean][] = setup.kind === 'bos' ? [['M5', c.m5TrendFilter], ['H1', c.h1TrendFilter], ['H4', c.h4TrendFilter]] : [['H1', c.h1TrendFilter], ['H4', c.h4TrendFilter]];
        const against = tfs.find(([tf, on]) => on && opposes(trends[tf]!, setup.side));
        if (against) return skip(Status.trendBlock(setup.kind === 'bos' ? 'BOS' : 'MR', setup.side.toUpperCase(), against[0], trends[against[0]]!));
        chosen = setup;
      }
    }
    if (!chosen) return skip(fail!);
    const side = chosen.side;
    const SIDE = side.toUpperCase();

    // 14. regime
    if (!isTradeable(regime)) return skip(Status.badRegime(regime));
    const rs = regimeScore(regime, side);
    if (rs < c.minRegimeScore) return skip(Status.weakRegime(regime, rs, SIDE));
    // 15. dead market
    if (f.atrMean > 0 && f.atr < c.deadMarketRatio * f.atrMean) return skip(Status.dead(f.atr / f.atrMean, c.deadMarketRatio));
    if (c.regimeDailyLimits) {
      const today = new Date(now).toISOString().slice(0, 10);
      const n = st.day === today ? (st.dailyByRegime[key] ?? 0) : 0;
      if (n >= c.regimeParams[key].maxDaily) return skip(Status.regimeDaily(n, c.regimeParams[key].maxDaily, key));
    }
    // 16-17. stops
    const tpPips = chosen.tpDistance / pip;
    if (chosen.tpDistance < spread * c.minTpSpreadRatio) return skip(Status.tpSpread(tpPips, c.minTpSpreadRatio));
    if (tpPips < c.minProfitTargetPips) return skip(Status.minProfit(tpPips, c.minProfitTargetPips));
    const rr = chosen.tpDistance / chosen.slDistance;
    if (rr < c.minRiskReward) return skip(Status.lowRr(rr, c.minRiskReward));

    // 23. the candidate
    const scaling = chosen.score >= c.maxScalingScore ? Math.max(chosen.scaling, c.riskFactorMax) : chosen.scaling;
    const limitPrice = chosen.limitPrice ?? (c.entry === 'limit' ? (side === 'buy' ? tick.bid : tick.ask) : undefined);
    const candidate: Candidate = {
      symbol: this.symbol,
      side,
      score: chosen.score,
      probability: side === 'buy' ? probLong : 1 - probLong,
      entry: limitPrice !== undefined ? 'limit' : 'market',
      limitPrice,
      expiresInMs: limitPrice !== undefined ? c.limitExpirationMinutes * 60_000 : undefined,
      slDistance: chosen.slDistance,
      tpDistance: chosen.tpDistance,
      scaling,
      reason: `${chosen.why}; ${regime}`,
      details: {
        setup: chosen.kind,
        regime,
        regimeKey: key,
        regimeWhy,
        regimeScore: rs,
        confluence: best ? best.details : undefined,
        scoreBuy: conf.buy.score,
        scoreSell: conf.sell.score,
        maxScore: CONFLUENCE_MAX,
        trends,
        atr: f.atr,
        adx: f.adx,
        rsi: f.rsi,
        spreadPips,
        probabilitySource,
        barTime: f.time,
      },
    };
    return candidate;
  }

  // ---------------------------------------------------------------- outcomes (fills count, placements do not)

  onOurFill(positionId: string, time: number, regimeGroup: string | undefined): Promise<void> {
    const st = this.state;
    st.lastFillAt = time;
    st.open[positionId] = st.open[positionId] ?? 0;
    const today = new Date(time).toISOString().slice(0, 10);
    if (st.day !== today) {
      st.day = today;
      st.dailyByRegime = {};
    }
    if (regimeGroup) st.dailyByRegime[regimeGroup] = (st.dailyByRegime[regimeGroup] ?? 0) + 1;
    return this.save();
  }

  /** An exit of one of our positions; a full close decides win or loss for the breaker. */
  onOurExit(positionId: string, profit: number, partial: boolean, closeTime: number): Promise<void> {
    const st = this.state;
    if (!(positionId in st.open)) return Promise.resolve();
    const total = st.open[positionId]! + profit;
    if (partial) st.open[positionId] = total;
    else {
      delete st.open[positionId];
      st.consecutiveLosses = total < 0 ? st.consecutiveLosses + 1 : 0;
      const limit = this.cfg.consecutiveLossLimit;
      if (limit > 0 && st.consecutiveLosses >= limit) {
        st.pausedUntil = this.cfg.circuitBreakerMinutes > 0 ? closeTime + this.cfg.circuitBreakerMinutes * 60_000 : nextUtcMidnight(closeTime);
        st.consecutiveLosses = 0;
        this.d.log.warn({ symbol: this.symbol, until: new Date(st.pausedUntil).toISOString(), limit }, 'consecutive losses: symbol paused (circuit breaker)');
      }
    }
    return this.save();
  }
}

function nextUtcMidnight(t: number): number {
  return (Math.floor(t / 86_400_000) + 1) * 86_400_000;
}
