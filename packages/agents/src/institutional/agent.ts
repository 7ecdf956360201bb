/**
 * The institutional agent: one instance per symbol (the original's PairAgent). Gates run in the original's
 * order and return its status strings (see status.ts); the risk policy's pre-scan ("Risk Block: …")
 * runs before this agent in the engine's `beforeScan`. Indicators come from the shared, incremental
 * FeatureHub, so a warm scan reads a few new bars and does O(1) work.
 *
 * A scan runs synchronously while the data source answers synchronously (CSV, paper, backtests): each
 * read that may be asynchronous (symbol info, tick, tracks) continues in a plain method, and only an
 * answer that really is a promise is awaited. Nothing is allocated on the common paths: the
 * confluence is scored without its factor table (built only for a candidate), the regime without its
 * explanation, and the most frequent status ("Low Score") is reused while its numbers repeat. The
 * model's probability is computed once per primary bar.
 */
import {
  TIMEFRAME_MS,
  isPromiseLike,
  type Agent,
  type Candidate,
  type CycleContext,
  type KeyValueStore,
  type Logger,
  type MaybePromise,
  type ScanContext,
  type ScanResult,
  type SymbolInfo,
  type Tick,
} from '@tradekit/core';
import { CONFLUENCE_MAX, scoreSide, sideBlock, sideScore, type ConfluenceInput, type ConfluenceParams } from '../analysis/confluence.js';
import { preTradeScore, type PreTradeScore } from '../analysis/pre-trade.js';
import { isTradeable, regimeKey, regimeOf, regimeScore, regimeWhy, type RegimeKey } from '../analysis/regime.js';
import { bosSetup, meanReversionSetup, type Setup } from '../analysis/setups.js';
import { opposes, trendOf, type Trend } from '../analysis/trend.js';
import type { FeatureHub, HubEntry } from '../features/hub.js';
import type { FeatureParams, FeatureTrack } from '../features/track.js';
import type { TrendTrack } from '../features/trend-track.js';
import { maxSpreadPipsFor, pipSize } from '../market/pips.js';
import { utcHourOfDay } from '../market/sessions.js';
import { checkModelTimeframe, type ProbabilityModel } from '../model/model-file.js';
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

const skipOf = (reason: string): ScanResult => ({ skip: reason });

export class InstitutionalAgent implements Agent {
  readonly symbols: readonly string[];
  state: AgentSymbolState = emptyAgentState();
  private info?: SymbolInfo;
  private currencies: string[] = [];
  private readonly barMs: number;
  private warnedInSample = false;
  /** The tracks this agent reads (primary, H1, H4), kept so a scan skips the hub's lookup. */
  private readonly primary: HubEntry;
  /** H1/H4 trend filters read the close and SMA50 only: a TrendTrack each. */
  private readonly h1: HubEntry<TrendTrack>;
  private readonly h4: HubEntry<TrendTrack>;
  private readonly conf: ConfluenceParams;
  /** The confluence inputs of the scan in progress (one object, refilled each scan). */
  private readonly x: ConfluenceInput = { m5: 'unknown', h1: 'unknown', h4: 'unknown', probLong: 0.5, smcBuy: false, smcSell: false, adx: Number.NaN };
  /** The model's probability for the primary track's newest bar (bar open time and count). */
  private probTime = Number.NaN;
  private probBars = -1;
  private prob: number | undefined;
  /** The last "Inactive" result and the pause it reported (a paused symbol is scanned every cycle). */
  private inactiveMemo?: { until: number; result: ScanResult };
  /** The last "Low Score" result and what it said. */
  private lowScoreMemo?: { score: number; min: number; key: string; blocked: string | undefined; result: ScanResult };

  constructor(
    readonly symbol: string,
    readonly cfg: InstitutionalConfig,
    private readonly d: AgentDeps,
  ) {
    this.symbols = [symbol];
    if (d.model) checkModelTimeframe(d.model, cfg.timeframe, `model ${d.model.name}`);
    this.barMs = TIMEFRAME_MS[cfg.timeframe];
    this.primary = d.hub.entry(symbol, cfg.timeframe, d.featureParams);
    this.h1 = d.hub.trendEntry(symbol, 'H1');
    this.h4 = d.hub.trendEntry(symbol, 'H4');
    this.conf = {
      m5Filter: cfg.m5TrendFilter,
      h1Filter: cfg.h1TrendFilter,
      h4Filter: cfg.h4TrendFilter,
      adxStrong: cfg.adxStrong,
      probStrong: cfg.probStrong,
      probThreshold: cfg.rfProbThreshold,
    };
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

  /** The decision at the cycle's time: a candidate or `{ skip: status }`. */
  scan(sc: ScanContext): MaybePromise<ScanResult> {
    const cycle = sc.cycle;
    const now = cycle.clock.now();
    const st = this.state;
    // 1. circuit breaker
    if (st.pausedUntil > now) return this.inactive(st.pausedUntil);
    const info = this.info;
    if (info) return this.afterInfo(cycle, now, info);
    const r = cycle.data.symbolInfo(this.symbol);
    if (isPromiseLike(r)) return r.then((i) => this.afterInfo(cycle, now, this.setInfo(i)));
    return this.afterInfo(cycle, now, this.setInfo(r));
  }

  private setInfo(i: SymbolInfo): SymbolInfo {
    if (!this.info) {
      this.info = i;
      this.currencies = symbolCurrencies(i);
    }
    return this.info;
  }

  private afterInfo(cycle: CycleContext, now: number, info: SymbolInfo): MaybePromise<ScanResult> {
    const c = this.cfg;
    const st = this.state;
    // 2. news
    if (c.newsFilter && this.d.news) {
      const ev = this.d.news.blackout(this.currencies, now);
      if (ev) return skipOf(Status.news(ev.currency, ev.title));
    }
    // 3. cooldown after our last fill on this symbol
    if (st.lastFillAt && now - st.lastFillAt < c.cooldownSeconds * 1000)
      return skipOf(Status.cooldown((c.cooldownSeconds * 1000 - (now - st.lastFillAt)) / 1000));
    // One working order per symbol: a limit that has not filled yet is not a trade, but a second one
    // would stack exposure when both fill.
    const orders = cycle.orders;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (o.symbol === this.symbol) return skipOf(Status.pending(o.side.toUpperCase(), o.type.toUpperCase(), o.price));
    }
    // (4. "Risk Block: …" comes from the risk policy's pre-scan, before this agent runs.)
    // 5. spread
    const tick = cycle.data.tick(this.symbol);
    if (isPromiseLike(tick)) return tick.then((t) => this.afterTick(cycle, now, info, t));
    return this.afterTick(cycle, now, info, tick);
  }

  private afterTick(cycle: CycleContext, now: number, info: SymbolInfo, tick: Tick): MaybePromise<ScanResult> {
    const c = this.cfg;
    const spreadPips = (tick.ask - tick.bid) / pipSize(info);
    const maxSpread = maxSpreadPipsFor(info.assetClass, c);
    if (spreadPips > maxSpread) return skipOf(Status.spread(spreadPips, maxSpread));
    // 6. data
    const track = this.d.hub.update(this.primary, cycle.data, now);
    if (isPromiseLike(track)) return track.then((t) => this.afterTrack(cycle, now, info, tick, t));
    return this.afterTrack(cycle, now, info, tick, track);
  }

  private afterTrack(cycle: CycleContext, now: number, info: SymbolInfo, tick: Tick, track: FeatureTrack): MaybePromise<ScanResult> {
    const c = this.cfg;
    if (track.bars < c.minBars) return skipOf(Status.insufficient(track.bars, c.minBars));
    const sinceClose = now - (track.lastTime + this.barMs);
    if (sinceClose > c.staleBars * this.barMs) return skipOf(Status.stale(sinceClose / 60_000));
    const f = track.features;
    return this.higherTrends(cycle, now, info, tick, track, trendOf(f.close, f.sma50, c.trendBand), 'unknown', 0);
  }

  /** The H1 then the H4 trend (each only when its filter is on). */
  private higherTrends(
    cycle: CycleContext,
    now: number,
    info: SymbolInfo,
    tick: Tick,
    track: FeatureTrack,
    m5: Trend,
    h1: Trend,
    from: number,
  ): MaybePromise<ScanResult> {
    const c = this.cfg;
    if (from === 0 && c.h1TrendFilter) {
      const t = this.d.hub.update(this.h1, cycle.data, now);
      if (isPromiseLike(t)) return t.then((x) => this.higherTrends(cycle, now, info, tick, track, m5, trendOf(x.close, x.sma50, c.trendBand), 1));
      h1 = trendOf(t.close, t.sma50, c.trendBand);
    }
    let h4: Trend = 'unknown';
    if (c.h4TrendFilter) {
      const t = this.d.hub.update(this.h4, cycle.data, now);
      if (isPromiseLike(t)) return t.then((x) => this.decide(now, info, tick, track, m5, h1, trendOf(x.close, x.sma50, c.trendBand)));
      h4 = trendOf(t.close, t.sma50, c.trendBand);
    }
    return this.decide(now, info, tick, track, m5, h1, h4);
  }

  /** The model's probability for the track's newest bar (computed once per bar). */
  private probabilityLong(model: ProbabilityModel, track: FeatureTrack): number | undefined {
    if (track.lastTime !== this.probTime || track.bars !== this.probBars) {
      this.probTime = track.lastTime;
      this.probBars = track.bars;
      this.prob = model.probabilityLong(track, this.barMs);
    }
    return this.prob;
  }

  /** Gates 7 onwards: nothing here waits. */
  private decide(now: number, info: SymbolInfo, tick: Tick, track: FeatureTrack, m5: Trend, h1: Trend, h4: Trend): ScanResult {
    const c = this.cfg;
    const st = this.state;
    const f = track.features;
    const spread = tick.ask - tick.bid;
    const pip = pipSize(info);

    // 7-9. features → regime, probability, confluence (both directions)
    const regime = regimeOf(f, c.regime);
    const key = regimeKey(regime);
    const model = this.d.model;
    let probLong = 0.5;
    let probabilitySource = 'neutral';
    if (model) {
      const p = this.probabilityLong(model, track);
      if (p !== undefined) {
        probLong = p;
        probabilitySource = model.name;
      } else probabilitySource = 'neutral (model inputs not ready)';
      if (!this.warnedInSample && model.trainedThrough !== undefined && now <= model.trainedThrough) {
        this.warnedInSample = true;
        this.d.log.warn(
          { symbol: this.symbol, trainedThrough: new Date(model.trainedThrough).toISOString() },
          'the model was fitted on data up to this time: results before it are in-sample',
        );
      }
    }
    const smc = track.smc;
    const near = c.smc.nearAtr;
    const x = this.x;
    x.m5 = m5;
    x.h1 = h1;
    x.h4 = h4;
    x.probLong = probLong;
    x.smcBuy = smc.recentSweep('buy') || smc.nearZone(smc.orderBlocks, 'buy', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'buy', f.close, f.atr, near);
    x.smcSell = smc.recentSweep('sell') || smc.nearZone(smc.orderBlocks, 'sell', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'sell', f.close, f.atr, near);
    x.adx = f.adx;
    const conf = this.conf;
    const buyScore = sideScore('buy', x, conf);
    const sellScore = sideScore('sell', x, conf);
    // The higher score wins; a tie goes to the more probable direction, else there is none.
    const bestSide: 'buy' | 'sell' | undefined =
      buyScore > sellScore ? 'buy' : sellScore > buyScore ? 'sell' : probLong > 0.5 ? 'buy' : probLong < 0.5 ? 'sell' : undefined;
    const bestScore = bestSide === 'buy' ? buyScore : sellScore;
    const minScore = Math.max(c.minConfluenceScore, c.regimeParams[key].minScore);

    // 10-12. the confluence setup, then the BOS / mean-reversion setups
    let fail: 'tie' | 'score' | 'prob' | undefined;
    let pDir = 0;
    if (!bestSide) fail = 'tie';
    else if (bestScore < minScore) fail = 'score';
    else if (model && bestScore < c.probGateBelowScore) {
      pDir = bestSide === 'buy' ? probLong : 1 - probLong;
      if (pDir < c.rfProbThreshold) fail = 'prob';
    }
    const hour = utcHourOfDay(now);
    const bos = bosSetup(smc.bos, f, tick, hour, c.bos);
    let chosen: (Omit<Setup, 'kind'> & { kind: string }) | undefined;
    if (!fail && bestSide) {
      const regimeExit = c.regimeExits ? c.regimeParams[key] : undefined;
      const sl = f.atr * (regimeExit ? regimeExit.slAtr : c.atrSlMultiplier);
      const tp = regimeExit ? f.atr * regimeExit.tpAtr : c.smartExit ? f.atr * c.tpSafetyAtr : f.atr * c.atrTpMultiplier + spread;
      chosen = {
        kind: 'confluence',
        side: bestSide,
        slDistance: sl,
        tpDistance: tp,
        score: bestScore,
        scaling: 1,
        why: `confluence ${bestScore}/${CONFLUENCE_MAX}`,
      };
      if (bos && 'kind' in bos && bos.side === bestSide) {
        chosen = { ...bos, kind: 'bos+confluence', score: Math.max(bos.score, bestScore), why: `${bos.why}; confluence ${bestScore}/${CONFLUENCE_MAX}` };
      }
    } else {
      const mr = bos && 'kind' in bos ? undefined : meanReversionSetup(f, regime, tick, hour, c.meanReversion, c.bos);
      const setup = bos && 'kind' in bos ? bos : mr && 'kind' in mr ? mr : undefined;
      if (setup) {
        // Pattern setups obey the higher-timeframe filters too (the original's overrides skipped them).
        const against =
          setup.kind === 'bos' && c.m5TrendFilter && opposes(m5, setup.side)
            ? 'M5'
            : c.h1TrendFilter && opposes(h1, setup.side)
              ? 'H1'
              : c.h4TrendFilter && opposes(h4, setup.side)
                ? 'H4'
                : undefined;
        if (against)
          return skipOf(
            Status.trendBlock(setup.kind === 'bos' ? 'BOS' : 'MR', setup.side.toUpperCase(), against, against === 'M5' ? m5 : against === 'H1' ? h1 : h4),
          );
        chosen = setup;
      }
    }
    if (!chosen) {
      if (fail === 'tie') return skipOf(Status.lowScoreTie(buyScore));
      if (fail === 'score') return this.lowScore(bestScore, minScore, key, sideBlock(bestSide!, x, conf));
      return skipOf(Status.lowProb(pDir, c.rfProbThreshold));
    }
    const side = chosen.side;
    const SIDE = side.toUpperCase();

    // 14. regime
    if (!isTradeable(regime)) return skipOf(Status.badRegime(regime));
    const rs = regimeScore(regime, side);
    if (rs < c.minRegimeScore) return skipOf(Status.weakRegime(regime, rs, SIDE));
    // 15. dead market
    if (f.atrMean > 0 && f.atr < c.deadMarketRatio * f.atrMean) return skipOf(Status.dead(f.atr / f.atrMean, c.deadMarketRatio));
    if (c.regimeDailyLimits) {
      const today = new Date(now).toISOString().slice(0, 10);
      const n = st.day === today ? (st.dailyByRegime[key] ?? 0) : 0;
      if (n >= c.regimeParams[key].maxDaily) return skipOf(Status.regimeDaily(n, c.regimeParams[key].maxDaily, key));
    }
    // 16-17. stops
    const tpPips = chosen.tpDistance / pip;
    if (chosen.tpDistance < spread * c.minTpSpreadRatio) return skipOf(Status.tpSpread(tpPips, c.minTpSpreadRatio));
    if (tpPips < c.minProfitTargetPips) return skipOf(Status.minProfit(tpPips, c.minProfitTargetPips));
    const rr = chosen.tpDistance / chosen.slDistance;
    if (rr < c.minRiskReward) return skipOf(Status.lowRr(rr, c.minRiskReward));
    // The original's pre-trade analyzer (it ran on the chosen candidate at execution; here on every candidate).
    let preTrade: PreTradeScore | undefined;
    if (c.preTrade.enabled) {
      preTrade = preTradeScore(
        {
          side,
          trends: [m5, h1, h4],
          probability: side === 'buy' ? probLong : 1 - probLong,
          rsi: f.rsi,
          macdHist: f.macdHist,
          volRatio: f.volRatio,
          volHighRatio: c.regime.volHighRatio,
        },
        c.preTrade,
      );
      if (preTrade.verdict === 'BLOCK')
        return skipOf(Status.preTrade(preTrade.score, c.preTrade.minScore, preTrade.trend, preTrade.model, preTrade.momentum, preTrade.volatility));
    }

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
        regimeWhy: regimeWhy(regime, f),
        regimeScore: rs,
        confluence: bestSide ? scoreSide(bestSide, x, conf).details : undefined,
        scoreBuy: buyScore,
        scoreSell: sellScore,
        maxScore: CONFLUENCE_MAX,
        trends: { M5: m5, H1: h1, H4: h4 },
        atr: f.atr,
        adx: f.adx,
        rsi: f.rsi,
        spreadPips: spread / pip,
        probabilitySource,
        preTrade: preTrade ? { score: preTrade.score, verdict: preTrade.verdict } : undefined,
        barTime: f.time,
      },
    };
    return candidate;
  }

  /** `Inactive (…)`, the same result object for the whole pause. */
  private inactive(until: number): ScanResult {
    const m = this.inactiveMemo;
    if (m && m.until === until) return m.result;
    const result = skipOf(Status.inactive(until));
    this.inactiveMemo = { until, result };
    return result;
  }

  /** `Low Score (…)`, the same result object while its numbers repeat (most scans end here). */
  private lowScore(score: number, min: number, key: RegimeKey, blocked: string | undefined): ScanResult {
    const m = this.lowScoreMemo;
    if (m && m.score === score && m.min === min && m.key === key && m.blocked === blocked) return m.result;
    const result = skipOf(Status.lowScore(score, min, key, blocked));
    this.lowScoreMemo = { score, min, key, blocked, result };
    return result;
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
