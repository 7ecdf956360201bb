/** Every gate of the institutional agent, with the exact status string a dashboard shows. */
import assert from 'node:assert/strict';
import { MemoryStateStore, SimClock, TIMEFRAME_MS, silentLogger, type Candidate, type CsvDataSource, type PendingOrder, type SymbolInfo } from '@tradekit/core';
import {
  FeatureHub,
  InstitutionalAgent,
  INSTITUTIONAL_SCHEMA,
  NewsCalendar,
  pipSize,
  preTradeScore,
  regimeScore,
  FeatureTrack,
  type InstitutionalConfig,
  type ProbabilityModel,
} from '@tradekit/agents';
import { barsFromCloses, cycleOf, FIXTURES, rng, sampleSource, synthSource, tempDir, utc, withDefaults, writeBars } from './helpers.js';
import { oracle } from './oracle.js';

const T = utc('2026-06-03T14:00:00'); // a Wednesday afternoon: every sample symbol is trading
const M5 = TIMEFRAME_MS.M5;
/** Lets every decision through: no regime minimum, no filters beyond the trend filters. */
const OPEN: Record<string, unknown> = {
  minConfluenceScore: 0,
  regimeParams: { TRENDING: { minScore: 0 }, RANGING: { minScore: 0 }, VOLATILE: { minScore: 0 } },
  minRegimeScore: 0,
  deadMarketRatio: 0,
  cooldownSeconds: 120,
  bos: { enabled: false },
  meanReversion: { enabled: false },
};

interface Setup {
  agent: InstitutionalAgent;
  src: CsvDataSource;
  clock: SimClock;
  cfg: InstitutionalConfig;
  scan(orders?: PendingOrder[]): ReturnType<InstitutionalAgent['scan']>;
}

async function setup(
  symbol: string,
  t: number,
  partial: Record<string, unknown> = {},
  extra: { news?: NewsCalendar; model?: ProbabilityModel; info?: Partial<SymbolInfo>; src?: CsvDataSource; clock?: SimClock } = {},
): Promise<Setup> {
  const cfg = withDefaults<InstitutionalConfig>(INSTITUTIONAL_SCHEMA, { historyBars: 100_000, htfBars: 100_000, ...partial });
  const clock = extra.clock ?? new SimClock(t);
  const src = extra.src ?? (await sampleSource(clock, [symbol], ['M5', 'H1', 'H4'], extra.info ? { [symbol]: extra.info } : {}));
  const hub = new FeatureHub();
  hub.requireHistory(cfg.historyBars);
  const agent = new InstitutionalAgent(symbol, cfg, {
    hub,
    featureParams: {
      divergenceLookback: 14,
      atrMeanPeriod: 100,
      smc: {
        lookback: cfg.bos.sweepLookback,
        momentum: cfg.bos.momentumMultiplier,
        sweepRecentBars: cfg.smc.sweepRecentBars,
        fvgMinAtr: cfg.smc.fvgMinAtr,
        maxZones: cfg.smc.maxZones,
      },
    },
    news: extra.news,
    model: extra.model,
    store: new MemoryStateStore(() => clock.now()),
    log: silentLogger(),
    instance: 'inst',
  });
  return {
    agent,
    src,
    clock,
    cfg,
    scan: (orders = []) => agent.scan({ cycle: cycleOf({ clock, data: src, orders, symbols: [symbol] }), symbol, scan: undefined as never }),
  };
}

async function status(s: Setup, orders?: PendingOrder[]): Promise<string> {
  const r = await s.scan(orders);
  assert.ok(r && 'skip' in r, `expected a skip, got ${JSON.stringify(r)}`);
  return r.skip;
}

async function candidate(s: Setup): Promise<Candidate> {
  const r = await s.scan();
  assert.ok(r && !('skip' in r), `expected a candidate, got ${JSON.stringify(r)}`);
  return r as Candidate;
}

const constModel = (p: number): ProbabilityModel => ({ name: `const-${p}`, probabilityLong: () => p });

describe('institutional agent gates (exact status strings)', function () {
  this.timeout(20_000);

  it('1. Inactive (Circuit Breaker): paused after consecutiveLossLimit losing trades, until the pause ends', async () => {
    const s = await setup('EURUSD', T, OPEN);
    await s.agent.onOurFill('p1', T - 7200_000, 'TRENDING');
    await s.agent.onOurExit('p1', 25, true, T - 7000_000); // a winning partial…
    await s.agent.onOurExit('p1', -60, false, T - 6900_000); // …but the trade lost overall
    await s.agent.onOurFill('p2', T - 6000_000, 'TRENDING');
    assert.equal(s.agent.state.pausedUntil, 0);
    await s.agent.onOurExit('p2', -40, false, T - 3600_000);
    assert.equal(s.agent.state.pausedUntil, T - 3600_000 + 240 * 60_000);
    assert.equal(await status(s), 'Inactive (Circuit Breaker until 2026-06-03T17:00Z)');
  });

  it("2. News Blackout: a high-impact event of the symbol's currencies within 15 minutes", async () => {
    const clock = new SimClock(T);
    const news = new NewsCalendar(
      {
        sources: [`${FIXTURES}ff-calendar.json`],
        ttlMs: 4 * 3600_000,
        retryMs: 900_000,
        fetchTimeoutMs: 1000,
        preMs: 15 * 60_000,
        postMs: 15 * 60_000,
        impacts: ['High'],
      },
      clock,
      silentLogger(),
    );
    await news.refresh();
    const s = await setup('EURUSD', T, OPEN, { news, clock });
    assert.equal(await status(s), 'News Blackout (USD Non-Farm Employment Change)');
    const off = await setup('EURUSD', T, { ...OPEN, newsFilter: false }, { news, clock });
    const r = await off.scan();
    assert.ok(!(r && 'skip' in r && r.skip.startsWith('News')), 'newsFilter: false ignores the calendar');
  });

  it('3. Cooldown after our last fill on the symbol', async () => {
    const s = await setup('EURUSD', T, OPEN);
    await s.agent.onOurFill('p1', T - 30_000, 'TRENDING');
    assert.equal(await status(s), 'Cooldown (90s left)');
  });

  it('3b. Order Pending: one working order per symbol', async () => {
    const s = await setup('EURUSD', T, OPEN);
    assert.equal(
      await status(s, [{ id: '9', symbol: 'EURUSD', side: 'buy', type: 'limit', volume: 1, price: 1.16, placedAt: T - 60_000 }]),
      'Order Pending (BUY LIMIT @ 1.16)',
    );
  });

  it('5. Spread too wide (pips = points / 10)', async () => {
    const s = await setup('EURUSD', T, OPEN, { info: { spread: 45 } });
    assert.equal(await status(s), 'Spread too wide (4.5 > 3.0 pips)');
    const gold = await setup('XAUUSD', T, { ...OPEN, maxSpreadPipsCommodity: 1.5 });
    assert.equal(await status(gold), 'Spread too wide (2.0 > 1.5 pips)', 'metals use the commodity limit');
  });

  it('6. Insufficient Data below minBars primary bars', async () => {
    const probe = await sampleSource(new SimClock(0), ['EURUSD']);
    const t = probe.coverage('EURUSD', 'M5').timeAt(56) + M5; // the 57th bar has just closed
    const s = await setup('EURUSD', t, OPEN);
    assert.equal(await status(s), 'Insufficient Data (57 < 100 bars)');
  });

  it('6b. Stale Data when no primary bar closed for staleBars bar lengths (market closed)', async () => {
    const sat = utc('2026-06-06T12:00:00');
    const s = await setup('EURUSD', sat, OPEN);
    const last = s.src.bars('EURUSD', 'M5', 1);
    const minutes = Math.round((sat - (last.time[0]! + M5)) / 60_000);
    assert.ok(minutes > 60 * 12);
    assert.equal(await status(s), `Stale Data (last bar closed ${minutes} min ago)`);
  });

  it('Low Score: the best direction scores under the regime minimum', async () => {
    const s = await setup('EURUSD', T, { regimeParams: { TRENDING: { minScore: 8 }, RANGING: { minScore: 8 }, VOLATILE: { minScore: 8 } } });
    const o = oracle(s.src, 'EURUSD', s.cfg);
    assert.ok(o.conf.best, 'not a tie at this time');
    assert.equal(await status(s), `Low Score (${o.conf.best!.score} < 8 for ${o.key} regime${o.conf.best!.blocked ? `; ${o.conf.best!.blocked}` : ''})`);
  });

  it('Low Score: a tie both ways has no direction', async () => {
    // Find a time where both directions score the same (opposing trend filters zero both sides).
    const probe = await sampleSource(new SimClock(0), ['GBPUSD']);
    const cfg = withDefaults<InstitutionalConfig>(INSTITUTIONAL_SCHEMA, { historyBars: 100_000, htfBars: 100_000, ...OPEN });
    let t = T;
    const clock = new SimClock(T);
    const src = await sampleSource(clock, ['GBPUSD']);
    for (; t < T + 5 * 86_400_000; t += M5) {
      clock.set(t);
      if (!oracle(src, 'GBPUSD', cfg).conf.best) break;
    }
    assert.ok(probe && t < T + 5 * 86_400_000, 'a tie exists in the sample');
    const o = oracle(src, 'GBPUSD', cfg);
    const s = await setup('GBPUSD', t, OPEN, { src, clock });
    assert.equal(await status(s), `Low Score (${o.conf.buy.score} both ways)`);
  });

  it('Low ML Prob: with a model, a score under probGateBelowScore needs the directional probability ≥ 0.52', async () => {
    const s = await setup('EURUSD', T, OPEN, { model: constModel(0.51) });
    const o = oracle(s.src, 'EURUSD', s.cfg, 0.51);
    const p = o.conf.best!.side === 'buy' ? '0.51' : '0.49';
    assert.equal(await status(s), `Low ML Prob (${p} < 0.52)`);
    // Without a model the probability is neutral and the gate does not apply.
    const none = await setup('EURUSD', T, OPEN);
    assert.ok(!('skip' in (await candidate(none))));
  });

  it("Trend Block: a BOS buy against a falling H4 is refused (the original's override skipped the filters)", async () => {
    const dir = tempDir();
    const r = rng(11);
    const start = utc('2026-03-02T00:00:00');
    // H4 falling, H1 flat, M5 ranging, then a momentum breakout up on the newest M5 bar.
    const h4 = barsFromCloses(
      start - 300 * 4 * 3600_000,
      'H4',
      Array.from({ length: 300 }, (_, i) => 1.3 - i * 0.0005),
      0.0005,
    );
    const h1 = barsFromCloses(
      start - 300 * 3600_000,
      'H1',
      Array.from({ length: 300 }, () => 1.17 + (r() - 0.5) * 0.0004),
      0.0003,
    );
    const m5closes = Array.from({ length: 400 }, () => 1.17 + (r() - 0.5) * 0.0006);
    m5closes.push(1.1745);
    const m5 = barsFromCloses(start, 'M5', m5closes, 0.0001);
    writeBars(dir, 'EURUSD', 'H4', h4);
    writeBars(dir, 'EURUSD', 'H1', h1);
    writeBars(dir, 'EURUSD', 'M5', m5);
    const clock = new SimClock(m5.at(-1)!.time + M5);
    const src = await synthSource(dir, clock, ['EURUSD'], ['M5', 'H1', 'H4']);
    const s = await setup('EURUSD', clock.now(), { bos: { huntingHours: [] }, meanReversion: { enabled: false } }, { src, clock });
    assert.equal(await status(s), 'Trend Block (BOS BUY against H4 down)');
    // The same breakout with the H4 filter off is a BOS candidate on a pullback limit.
    const s2 = await setup(
      'EURUSD',
      clock.now(),
      { h4TrendFilter: false, h1TrendFilter: false, bos: { huntingHours: [] }, meanReversion: { enabled: false } },
      { src, clock },
    );
    const c = await candidate(s2);
    assert.equal(c.side, 'buy');
    assert.equal(c.details!.setup, 'bos');
    assert.equal(c.entry, 'limit');
    assert.equal(c.score, 10);
    assert.equal(c.scaling, 2);
    const last = src.bars('EURUSD', 'M5', 1);
    const bar = { close: last.close[0]!, low: last.low[0]! };
    assert.ok(Math.abs(c.limitPrice! - (bar.close - 0.3 * (bar.close - bar.low))) < 1e-12, 'limit at a 30 % pullback into the breakout candle');
    assert.ok(Math.abs(c.slDistance! - (c.limitPrice! - bar.low)) < 1e-12, 'SL beyond the breakout candle');
    assert.ok(Math.abs(c.tpDistance! / c.slDistance! - 2.5) < 1e-12, 'TP = SL × 2.5');
  });

  it('Bad Regime: VOLATILE_HIGH is not traded', async () => {
    const s = await setup('EURUSD', T, { ...OPEN, regime: { volHighRatio: 0.001 } });
    assert.equal(await status(s), 'Bad Regime (VOLATILE_HIGH)');
  });

  it('Weak Regime: the regime scores the direction under minRegimeScore', async () => {
    const s = await setup('EURUSD', T, { ...OPEN, minRegimeScore: 10 });
    const o = oracle(s.src, 'EURUSD', s.cfg);
    const side = o.conf.best!.side;
    assert.ok(regimeScore(o.regime, side) < 10, `${o.regime} is not ideal for ${side}`);
    assert.equal(await status(s), `Weak Regime (${o.regime} scores ${regimeScore(o.regime, side)} for ${side.toUpperCase()})`);
  });

  it('Market Too Dead: ATR under deadMarketRatio × its 100-bar mean', async () => {
    const s = await setup('EURUSD', T, { ...OPEN, deadMarketRatio: 50 });
    const o = oracle(s.src, 'EURUSD', s.cfg);
    assert.equal(await status(s), `Market Too Dead (ATR ${(o.f.atr / o.f.atrMean).toFixed(2)}× its mean < 50.00)`);
  });

  it('Regime Daily Limit (with regimeDailyLimits)', async () => {
    const s = await setup('EURUSD', T, {
      ...OPEN,
      regimeDailyLimits: true,
      regimeParams: { TRENDING: { minScore: 0, maxDaily: 1 }, RANGING: { minScore: 0, maxDaily: 1 }, VOLATILE: { minScore: 0, maxDaily: 1 } },
      cooldownSeconds: 0,
    });
    const o = oracle(s.src, 'EURUSD', s.cfg);
    await s.agent.onOurFill('p1', T - 3600_000, o.key);
    assert.equal(await status(s), `Regime Daily Limit (1/1 in ${o.key})`);
  });

  it('TP too small / Low Profit Target / Low R:R', async () => {
    const a = await setup('EURUSD', T, { ...OPEN, minTpSpreadRatio: 1_000_000 });
    const o = oracle(a.src, 'EURUSD', a.cfg);
    const info = await a.src.symbolInfo('EURUSD');
    const tpPips = (o.f.atr * 10) / pipSize(info);
    assert.equal(await status(a), `TP too small (${tpPips.toFixed(1)} pips < 1000000× spread)`);
    const b = await setup('EURUSD', T, { ...OPEN, minProfitTargetPips: 100_000 });
    assert.equal(await status(b), `Low Profit Target (${tpPips.toFixed(1)} < 100000 pips)`);
    const c = await setup('EURUSD', T, { ...OPEN, minRiskReward: 100 });
    assert.equal(await status(c), 'Low R:R (12.50 < 100)');
    const d = await setup('EURUSD', T, { ...OPEN, smartExit: false, minRiskReward: 3 });
    const spread = (await a.src.tick('EURUSD')).ask - (await a.src.tick('EURUSD')).bid;
    assert.equal(await status(d), `Low R:R (${((o.f.atr * 2 + spread) / (o.f.atr * 0.8)).toFixed(2)} < 3)`);
  });

  it("Pre-Trade Block: the original's analyzer (trend 0.30, model 0.25, memory 0.20, momentum 0.15, calm 0.10) under preTrade.minScore", async () => {
    const s = await setup('EURUSD', T, OPEN);
    const o = oracle(s.src, 'EURUSD', s.cfg);
    const c = await candidate(s);
    const buy = c.side === 'buy';
    // By hand from the oracle's independent features.
    const known = Object.values(o.trends).filter((t) => t !== 'unknown');
    const trend = known.reduce((sum, t) => sum + (t === 'flat' ? 0.5 : (t === 'up') === buy ? 1 : 0), 0) / known.length;
    const momentum = ((buy ? o.f.rsi / 100 : 1 - o.f.rsi / 100) + (o.f.macdHist === 0 ? 0.5 : o.f.macdHist > 0 === buy ? 1 : 0)) / 2;
    const volatility = Math.min(1, Math.max(0, o.f.volRatio / 2));
    const score = 0.3 * trend + 0.25 * 0.5 + 0.2 * 0.5 + 0.15 * momentum + 0.1 * (1 - volatility);
    const pre = c.details!.preTrade as { score: number; verdict: string };
    assert.ok(Math.abs(pre.score - score) < 1e-12, `${pre.score} vs ${score}`);
    assert.equal(pre.verdict, score >= 0.65 ? 'STRONG_ENTRY' : score >= 0.4 ? 'ENTRY' : 'CAUTION');
    const blocked = await setup('EURUSD', T, { ...OPEN, preTrade: { minScore: 0.99 } });
    const f2 = (v: number) => v.toFixed(2);
    assert.equal(
      await status(blocked),
      `Pre-Trade Block (score ${f2(score)} < 0.99: trend ${f2(trend)}, model 0.50, momentum ${f2(momentum)}, volatility ${f2(volatility)})`,
    );
    const off = await setup('EURUSD', T, { ...OPEN, preTrade: { enabled: false, minScore: 0.99 } });
    assert.equal((await candidate(off)).details!.preTrade, undefined);
  });

  it('pre-trade score: components and bands on hand-made inputs', () => {
    const p = { enabled: true, minScore: 0.25, weights: { trend: 0.3, model: 0.25, memory: 0.2, momentum: 0.15, calm: 0.1 } };
    // Everything against a buy: trends down, model 0.1, RSI 20, MACD < 0, fully volatile:
    // 0.3 × 0 + 0.25 × 0.1 + 0.2 × 0.5 + 0.15 × (0.2 + 0) / 2 + 0.1 × 0 = 0.14.
    const worst = preTradeScore({ side: 'buy', trends: ['down', 'down', 'unknown'], probability: 0.1, rsi: 20, macdHist: -1, volRatio: 3, volHighRatio: 2 }, p);
    assert.deepEqual(
      { ...worst, score: Number(worst.score.toFixed(12)) },
      { score: 0.14, verdict: 'BLOCK', trend: 0, model: 0.1, memory: 0.5, momentum: 0.1, volatility: 1 },
    );
    // 0.3 × 1 + 0.25 × 0.8 + 0.2 × 0.5 + 0.15 × (0.6 + 1) / 2 + 0.1 × (1 − 0.25) = 0.795
    const best = preTradeScore(
      { side: 'sell', trends: ['down', 'down', 'down'], probability: 0.8, rsi: 40, macdHist: -0.0001, volRatio: 0.5, volHighRatio: 2 },
      p,
    );
    assert.ok(Math.abs(best.score - 0.795) < 1e-12 && best.verdict === 'STRONG_ENTRY', JSON.stringify(best));
    // Flat trends, neutral model, RSI 50, MACD 0, calm 0.5: 0.15 + 0.125 + 0.1 + 0.075 + 0.05 = 0.5 → ENTRY.
    const mid = preTradeScore({ side: 'buy', trends: ['flat'], probability: 0.5, rsi: 50, macdHist: 0, volRatio: 1, volHighRatio: 2 }, p);
    assert.ok(Math.abs(mid.score - 0.5) < 1e-12 && mid.verdict === 'ENTRY');
    // 0.15 + 0.125 + 0.1 + 0.15 × 0.15 + 0 = 0.3975 → CAUTION (still enters); the same with the trend against: 0.2475 → BLOCK.
    assert.equal(preTradeScore({ side: 'buy', trends: ['flat'], probability: 0.5, rsi: 30, macdHist: -1, volRatio: 2, volHighRatio: 2 }, p).verdict, 'CAUTION');
    assert.equal(preTradeScore({ side: 'buy', trends: ['down'], probability: 0.5, rsi: 30, macdHist: -1, volRatio: 2, volHighRatio: 2 }, p).verdict, 'BLOCK');
  });

  it("CANDIDATE: the original's maker limit at bid/ask, ATR stops, the trend and regime details", async () => {
    const s = await setup('EURUSD', T, OPEN);
    const o = oracle(s.src, 'EURUSD', s.cfg);
    const tick = await s.src.tick('EURUSD');
    const c = await candidate(s);
    assert.equal(c.side, o.conf.best!.side);
    assert.equal(c.score, o.conf.best!.score);
    assert.equal(c.probability, 0.5);
    assert.equal(c.entry, 'limit');
    assert.equal(c.limitPrice, c.side === 'buy' ? tick.bid : tick.ask);
    assert.equal(c.expiresInMs, 600_000);
    assert.ok(Math.abs(c.slDistance! - 0.8 * o.f.atr) < 1e-15 && Math.abs(c.tpDistance! - 10 * o.f.atr) < 1e-14);
    assert.deepEqual(c.details!.trends, o.trends);
    assert.equal(c.details!.regime, o.regime);
    assert.equal(c.details!.maxScore, 7);
    assert.equal(c.details!.probabilitySource, 'neutral');
    const market = await setup('EURUSD', T, { ...OPEN, entry: 'market' });
    const m = await candidate(market);
    assert.equal(m.entry, 'market');
    assert.equal(m.limitPrice, undefined);
  });

  it('mean reversion: a close under the lower band with RSI < 30 in a ranging market is an MR buy (TP = 1.5 × SL)', async () => {
    const dir = tempDir();
    const r = rng(5);
    const start = utc('2026-03-02T08:00:00');
    const flat = (n: number, base: number, amp: number) => Array.from({ length: n }, () => base + (r() - 0.5) * amp);
    writeBars(dir, 'EURUSD', 'H4', barsFromCloses(start - 300 * 4 * 3600_000, 'H4', flat(300, 1.17, 0.0002), 0.0004));
    writeBars(dir, 'EURUSD', 'H1', barsFromCloses(start - 300 * 3600_000, 'H1', flat(300, 1.17, 0.0002), 0.0003));
    const closes = flat(400, 1.17, 0.0008);
    for (let i = 0; i < 6; i++) closes.push(1.1696 - i * 0.0005); // a slide out of the range
    const m5 = barsFromCloses(start, 'M5', closes, 0.0001);
    writeBars(dir, 'EURUSD', 'M5', m5);
    const clock = new SimClock(m5.at(-1)!.time + M5);
    // A tight spread: the MR stop (1 ATR) must pass the viability check (spread ≤ 0.15 × SL).
    const src = await synthSource(dir, clock, ['EURUSD'], ['M5', 'H1', 'H4'], { EURUSD: { spread: 3 } });
    const s = await setup('EURUSD', clock.now(), { bos: { enabled: false, huntingHours: [] }, meanReversion: { enabled: true } }, { src, clock });
    const c = await candidate(s);
    const track = new FeatureTrack('EURUSD', 'M5');
    track.feed(src.bars('EURUSD', 'M5', 100_000));
    assert.equal(c.details!.setup, 'mean-reversion');
    assert.equal(c.side, 'buy');
    assert.ok(track.features.rsi < 30 && track.features.close < track.features.bbLower);
    assert.ok(Math.abs(c.slDistance! - track.features.atr) < 1e-15);
    assert.ok(Math.abs(c.tpDistance! - 1.5 * c.slDistance!) < 1e-15);
  });
});
