/**
 * The cheap paths give the plain paths' bits: ring sums, ADX fed an ATR, the trend-only track, the
 * confluence score without its table, the hub's one-bar probe against range reads, the return
 * correlation by merge, the UTC hour without a Date, agents on an asynchronous source, and deal
 * statistics that are only recomputed when the history changed.
 */
import assert from 'node:assert/strict';
import {
  MemoryStateStore,
  SimClock,
  TIMEFRAME_MS,
  silentLogger,
  type BarQuery,
  type BarSeries,
  type CycleContext,
  type DataSource,
  type Deal,
  type Position,
  type Timeframe,
} from '@tradekit/core';
import {
  Adx,
  Atr,
  DealStats,
  FEATURE_DEFAULTS,
  FeatureHub,
  FeatureTrack,
  INSTITUTIONAL_SCHEMA,
  InstitutionalAgent,
  Ring,
  StatArbAgent,
  STAT_ARB_SCHEMA,
  TrendTrack,
  returnCorrelation,
  scoreSide,
  sideBlock,
  sideScore,
  utcHour,
  utcHourOfDay,
  type ConfluenceInput,
  type Features,
  type InstitutionalConfig,
  type StatArbConfig,
  type Trend,
} from '@tradekit/agents';
import { SIX, cycleOf, rng, sampleSource, utc, withDefaults } from './helpers.js';

const same = (a: number, b: number, what: string) => assert.ok(Object.is(a, b), `${what}: ${a} ≠ ${b}`);

/** Every numeric and boolean feature, compared bit for bit. */
function sameFeatures(a: Readonly<Features>, b: Readonly<Features>, what: string): void {
  for (const k of Object.keys(b) as (keyof Features)[]) same(Number(a[k]), Number(b[k]), `${what} ${k}`);
}

/** The source with every answer behind a promise (an MT5-like source). */
function asynchronous(src: DataSource): DataSource {
  return {
    name: 'async',
    listSymbols: () => Promise.resolve(src.listSymbols()),
    symbolInfo: (s) => Promise.resolve(src.symbolInfo(s)),
    tick: (s) => Promise.resolve(src.tick(s)),
    bars: (s: string, tf: Timeframe, q: BarQuery) => Promise.resolve(src.bars(s, tf, q)),
  };
}

describe('incremental and cached paths are bit-identical to the plain ones', function () {
  this.timeout(120_000);

  it('Ring.sum and sumSquaredDeviations add newest first, as at(0) + at(1) + … does, across wrap-arounds', () => {
    const r = rng(5);
    for (const cap of [1, 2, 3, 7, 20]) {
      const ring = new Ring(cap);
      for (let i = 0; i < 3 * cap + 5; i++) {
        ring.push(r() * 1000 - 500);
        let s = 0;
        for (let k = 0; k < ring.length; k++) s += ring.at(k);
        same(ring.sum(), s, `cap ${cap} step ${i} sum`);
        const mean = s / ring.length;
        let ss = 0;
        for (let k = 0; k < ring.length; k++) ss += (ring.at(k) - mean) * (ring.at(k) - mean);
        same(ring.sumSquaredDeviations(mean), ss, `cap ${cap} step ${i} ss`);
      }
    }
  });

  it("ADX fed the caller's ATR equals ADX computing its own; the trend-only track equals the feature track's close and SMA50", async () => {
    const clock = new SimClock(utc('2030-01-01T00:00:00'));
    const src = await sampleSource(clock, ['XAUUSD'], ['M5', 'H1']);
    const m5 = src.bars('XAUUSD', 'M5', 100_000);
    const own = new Adx(14);
    const fed = new Adx(14);
    const atr = new Atr(14);
    for (let i = 0; i < m5.length; i++) {
      const a = own.update(m5.high[i]!, m5.low[i]!, m5.close[i]!);
      const b = fed.updateWith(m5.high[i]!, m5.low[i]!, atr.update(m5.high[i]!, m5.low[i]!, m5.close[i]!));
      same(b, a, `bar ${i} adx`);
      same(fed.plusDi, own.plusDi, `bar ${i} +DI`);
      same(fed.minusDi, own.minusDi, `bar ${i} −DI`);
    }
    const h1 = src.bars('XAUUSD', 'H1', 100_000);
    const full = new FeatureTrack('XAUUSD', 'H1');
    const trend = new TrendTrack('XAUUSD', 'H1');
    for (let i = 0; i < h1.length; i++) {
      full.push(h1.time[i]!, h1.open[i]!, h1.high[i]!, h1.low[i]!, h1.close[i]!, h1.volume[i]!);
      trend.push(h1.time[i]!, h1.close[i]!);
      same(trend.close, full.features.close, `H1 bar ${i} close`);
      same(trend.sma50, full.features.sma50, `H1 bar ${i} sma50`);
      assert.equal(trend.bars, full.bars);
    }
  });

  it("sideScore and sideBlock are scoreSide's score and block for every input", () => {
    const trends: Trend[] = ['up', 'down', 'flat', 'unknown'];
    let n = 0;
    for (const m5 of trends)
      for (const h1 of trends)
        for (const h4 of trends)
          for (const probLong of [0.2, 0.45, 0.5, 0.53, 0.7])
            for (const smc of [0, 1, 2, 3])
              for (const adx of [Number.NaN, 10, 40])
                for (const filters of [0, 1, 2, 3, 4, 5, 6, 7]) {
                  const x: ConfluenceInput = { m5, h1, h4, probLong, smcBuy: (smc & 1) > 0, smcSell: (smc & 2) > 0, adx };
                  const p = {
                    m5Filter: (filters & 1) > 0,
                    h1Filter: (filters & 2) > 0,
                    h4Filter: (filters & 4) > 0,
                    adxStrong: 25,
                    probStrong: 0.6,
                    probThreshold: 0.52,
                  };
                  for (const side of ['buy', 'sell'] as const) {
                    const full = scoreSide(side, x, p);
                    assert.equal(sideScore(side, x, p), full.score);
                    assert.equal(sideBlock(side, x, p), full.blocked);
                    n++;
                  }
                }
    assert.ok(n > 40_000);
  });

  it('the UTC hour without a Date: the same fractional hour and hour of day as the Date fields', () => {
    const r = rng(9);
    for (let i = 0; i < 20_000; i++) {
      const t = Math.floor((r() - 0.3) * 4e12);
      const d = new Date(t);
      same(utcHour(t), d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600, `utcHour(${t})`);
      assert.equal(utcHourOfDay(t), d.getUTCHours());
    }
  });

  it("the hub's one-bar probe and gap reads build the same tracks as reading every new range (steps of 1 to 300 bars)", async () => {
    const clock = new SimClock(0);
    const src = await sampleSource(clock, ['EURUSD', 'NAS100'], ['M5', 'H1']);
    const hub = new FeatureHub();
    hub.requireHistory(600);
    const M5 = TIMEFRAME_MS.M5;
    const r = rng(3);
    const start = Math.ceil((src.coverage('NAS100', 'M5').timeAt(700) + M5) / M5) * M5;
    const end = src.coverage('EURUSD', 'M5').to;
    // The reference: the first read takes 600 bars, every later read the open-time range after the newest bar.
    const refs = new Map<string, FeatureTrack>();
    let checks = 0;
    for (let t = start; t < end; t += M5 * (r() < 0.8 ? 1 : 1 + Math.floor(r() * 300))) {
      clock.set(t);
      for (const s of ['EURUSD', 'NAS100']) {
        for (const tf of ['M5', 'H1'] as const) {
          const key = `${s}${tf}`;
          let ref = refs.get(key);
          if (!ref) refs.set(key, (ref = new FeatureTrack(s, tf)));
          ref.feed(src.bars(s, tf, ref.bars === 0 ? 600 : { from: ref.lastTime + 1, to: t }));
          const got = hub.get(src, s, tf, t) as FeatureTrack;
          assert.equal(got.bars, ref.bars);
          same(got.lastTime, ref.lastTime, `${key} lastTime`);
          sameFeatures(got.features, ref.features, `${key} at ${new Date(t).toISOString()}`);
          checks++;
        }
      }
    }
    assert.ok(checks > 1000, `checks: ${checks}`);
  });

  it('returnCorrelation (merge of ascending times) equals the map-based definition on the sample closes', async () => {
    const clock = new SimClock(utc('2030-01-01T00:00:00'));
    const src = await sampleSource(clock, SIX, ['M5']);
    const reference = (a: BarSeries, b: BarSeries): number | undefined => {
      const byTime = new Map<number, number>();
      for (let i = 0; i < b.length; i++) byTime.set(b.time[i]!, b.close[i]!);
      const ra: number[] = [];
      const rb: number[] = [];
      let pa = Number.NaN;
      let pb = Number.NaN;
      for (let i = 0; i < a.length; i++) {
        const cb = byTime.get(a.time[i]!);
        if (cb === undefined) continue;
        const ca = a.close[i]!;
        if (pa > 0 && pb > 0 && ca > 0 && cb > 0) {
          ra.push(Math.log(ca / pa));
          rb.push(Math.log(cb / pb));
        }
        pa = ca;
        pb = cb;
      }
      if (ra.length < 20) return undefined;
      let mx = 0;
      let my = 0;
      for (let i = 0; i < ra.length; i++) {
        mx += ra[i]!;
        my += rb[i]!;
      }
      mx /= ra.length;
      my /= ra.length;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < ra.length; i++) {
        sxy += (ra[i]! - mx) * (rb[i]! - my);
        sxx += (ra[i]! - mx) * (ra[i]! - mx);
        syy += (rb[i]! - my) * (rb[i]! - my);
      }
      return sxx === 0 || syy === 0 ? undefined : sxy / Math.sqrt(sxx * syy);
    };
    const all = SIX.map((s) => src.bars(s, 'M5', 100_000));
    let n = 0;
    for (let end = 100; end < 11_000; end += 733) {
      const cut = (x: BarSeries) => ({ length: 61, time: x.time.subarray(end - 61, end), close: x.close.subarray(end - 61, end) }) as unknown as BarSeries;
      for (let i = 0; i < SIX.length; i++)
        for (let j = 0; j < SIX.length; j++) {
          if (i === j) continue;
          const want = reference(cut(all[i]!), cut(all[j]!));
          const got = returnCorrelation(cut(all[i]!), cut(all[j]!));
          if (want === undefined) assert.equal(got, undefined);
          else same(got!, want, `${SIX[i]}/${SIX[j]} at ${end}`);
          n++;
        }
    }
    assert.ok(n > 400);
  });

  it('the institutional agents decide the same on an asynchronous source as on a synchronous one', async () => {
    const cfg = withDefaults<InstitutionalConfig>(INSTITUTIONAL_SCHEMA, { historyBars: 600 });
    const run = async (wrap: boolean): Promise<string[]> => {
      const clock = new SimClock(0);
      const csv = await sampleSource(clock, ['EURUSD', 'XAUUSD'], ['M5', 'H1', 'H4']);
      const data = wrap ? asynchronous(csv) : csv;
      const hub = new FeatureHub();
      hub.requireHistory(cfg.historyBars);
      const store = new MemoryStateStore();
      const agents = ['EURUSD', 'XAUUSD'].map(
        (s) => new InstitutionalAgent(s, cfg, { hub, featureParams: FEATURE_DEFAULTS, store, log: silentLogger(), instance: 'inst' }),
      );
      const out: string[] = [];
      const t0 = utc('2026-06-01T07:00:00');
      for (let k = 0; k < 400; k++) {
        clock.set(t0 + k * TIMEFRAME_MS.M5);
        const cycle = cycleOf({ clock, data, symbols: ['EURUSD', 'XAUUSD'] });
        // Both symbols at once, as the engine's concurrent scans would.
        const rs = await Promise.all(agents.map((a) => a.scan({ cycle, symbol: a.symbol, scan: undefined as never })));
        for (const r of rs) out.push(JSON.stringify(r));
      }
      return out;
    };
    const sync = await run(false);
    const async = await run(true);
    assert.deepEqual(async, sync);
    assert.ok(
      sync.some((s) => s.includes('"side"')),
      'some candidates among the decisions',
    );
  });

  it('stat-arb decides the same on an asynchronous source, and the legs of a pair share one evaluation per cycle', async () => {
    const cfg = withDefaults<StatArbConfig>(STAT_ARB_SCHEMA, { pairs: [{ a: 'NAS100', b: 'US30' }], maxPValue: 0.5, entryZ: 1 });
    const run = async (wrap: boolean): Promise<{ out: string[]; reads: number }> => {
      const clock = new SimClock(0);
      const csv = await sampleSource(clock, ['NAS100', 'US30'], ['M5', 'H1']);
      let reads = 0;
      const counted: DataSource = { ...(wrap ? asynchronous(csv) : csv), name: 'counted' } as DataSource;
      const inner = wrap ? asynchronous(csv) : csv;
      counted.bars = (s, tf, q) => {
        reads++;
        return inner.bars(s, tf, q);
      };
      counted.tick = (s) => inner.tick(s);
      counted.symbolInfo = (s) => inner.symbolInfo(s);
      const agent = new StatArbAgent(cfg, { store: new MemoryStateStore(), log: silentLogger(), instance: 'sa' });
      const out: string[] = [];
      const t0 = utc('2026-06-01T07:00:00');
      for (let k = 0; k < 300; k++) {
        clock.set(t0 + k * TIMEFRAME_MS.M5);
        const cycle = cycleOf({ clock, data: counted, symbols: ['NAS100', 'US30'] });
        const rs = await Promise.all(['NAS100', 'US30'].map((symbol) => agent.scan({ cycle, symbol, scan: undefined as never })));
        for (const r of rs) out.push(JSON.stringify(r));
      }
      return { out, reads };
    };
    const sync = await run(false);
    const async = await run(true);
    assert.deepEqual(async.out, sync.out);
    assert.equal(async.reads, 600, 'both legs read once per cycle, however many scans ask');
    assert.equal(sync.reads, 600);
  });

  it('deal statistics are recomputed when the history or the open positions change, and only then', () => {
    const deal = (id: string, time: number, profit: number, entry: Deal['entry'] = 'out'): Deal => ({
      id,
      orderId: id,
      positionId: `p${id}`,
      symbol: 'EURUSD',
      side: 'sell',
      entry,
      volume: 0.1,
      price: 1,
      time,
      profit,
      commission: -0.35,
      swap: 0,
      reason: 'client',
      magic: 7,
    });
    let deals: Deal[] = [deal('1', 1000, 5)];
    let positions: Position[] = [];
    let now = 10_000;
    const cycle = {
      clock: { now: () => now },
      run: { magic: 7 },
      broker: { history: () => deals.map((d) => ({ ...d })), positions: () => positions.map((p) => ({ ...p })) },
    } as unknown as CycleContext;
    const stats = new DealStats({ windowMs: 86_400_000, refreshMs: 0, dailyScope: 'account' });
    stats.refresh(cycle);
    const first = stats.bySymbol;
    assert.deepEqual(first.get('EURUSD')!.nets, [4.65]);
    now += 1000;
    stats.refresh(cycle);
    assert.equal(stats.bySymbol, first, 'nothing new: the statistics are kept');
    deals = [...deals, deal('2', 11_500, -10)];
    now += 1000;
    stats.refresh(cycle);
    assert.deepEqual(stats.bySymbol.get('EURUSD')!.nets, [4.65, -10.35]);
    assert.equal(stats.trades.trades, 2);
    positions = [
      { id: 'p2', symbol: 'EURUSD', side: 'sell', volume: 0.1, openPrice: 1, openTime: 0, currentPrice: 1, profit: 0, commission: 0, swap: 0, magic: 7 },
    ];
    now += 1000;
    stats.refresh(cycle);
    assert.equal(stats.trades.trades, 1, 'a position still open does not count as a trade yet');
    now = 86_400_000 + 500;
    stats.refresh(cycle);
    assert.equal(stats.dayNet, 0, 'a new UTC day starts the daily net again');
  });
});
