/** Every rule of the risk policy with its exact reason, on real core parts (CSV data, paper broker). */
import assert from 'node:assert/strict';
import {
  MemoryStateStore,
  PaperBroker,
  SimClock,
  roundTo,
  silentLogger,
  type Candidate,
  type CsvDataSource,
  type CycleContext,
  type OrderIntent,
  type Position,
  type SymbolInfo,
} from '@tradekit/core';
import { NewsCalendar, RISK_SCHEMA, RiskManager, plannedRisk, returnCorrelation, volumeFor, type RiskConfig } from '@tradekit/agents';
import { FIXTURES, RUN, barsFromCloses, cycleOf, sampleSource, synthSource, tempDir, utc, withDefaults, writeBars } from './helpers.js';

const T = utc('2026-06-03T14:00:00');
const SYMS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'NAS100'];
const NO_HISTORY = { trades: 0, wins: 0, avgWin: 0, avgLoss: 0 };

interface World {
  clock: SimClock;
  src: CsvDataSource;
  broker: PaperBroker;
  store: MemoryStateStore;
  rm: RiskManager;
  cfg: RiskConfig;
  cycle(symbols?: string[]): CycleContext;
}

async function world(
  partial: Record<string, unknown> = {},
  o: { t?: number; info?: Record<string, Partial<SymbolInfo>>; news?: boolean } = {},
): Promise<World> {
  const clock = new SimClock(o.t ?? T);
  const src = await sampleSource(clock, SYMS, ['M5', 'H1'], o.info ?? {});
  const broker = new PaperBroker(clock, src, { balance: 10_000, leverage: 3000 });
  const store = new MemoryStateStore(() => clock.now());
  const cfg = withDefaults<RiskConfig>(RISK_SCHEMA, partial);
  let news: NewsCalendar | undefined;
  if (o.news) {
    news = new NewsCalendar(
      { sources: [`${FIXTURES}ff-calendar.json`], ttlMs: 3600_000, retryMs: 60_000, fetchTimeoutMs: 1000, preMs: 900_000, postMs: 900_000, impacts: ['High'] },
      clock,
      silentLogger(),
    );
    await news.refresh();
  }
  const rm = new RiskManager(cfg, { store, log: silentLogger(), instance: 'risk', news, breakerPollMs: 0 });
  await rm.load();
  const w: World = {
    clock,
    src,
    broker,
    store,
    rm,
    cfg,
    cycle: (symbols = SYMS) => {
      const c = cycleOf({ clock, data: src, broker, state: store, symbols });
      c.positions = broker.positions({ magic: RUN.magic }) as Position[];
      return c;
    },
  };
  return w;
}

/** Candidate + intent the way the engine builds them (market entry, SL/TP from the entry price). */
function order(w: World, symbol: string, side: 'buy' | 'sell', sl: number, tp: number, extra: Partial<Candidate> = {}): { c: Candidate; i: OrderIntent } {
  const tick = w.src.tick(symbol);
  const info = w.src.symbolInfo(symbol);
  const price = side === 'buy' ? tick.ask : tick.bid;
  const dir = side === 'buy' ? 1 : -1;
  const c: Candidate = {
    symbol,
    side,
    score: 3,
    probability: 0.5,
    entry: 'market',
    slDistance: sl,
    tpDistance: tp,
    details: { probabilitySource: 'neutral' },
    ...extra,
  };
  const i: OrderIntent = {
    clientId: `c${Math.random()}`,
    symbol,
    side,
    type: 'market',
    volume: c.volume ?? Number.NaN,
    price,
    sl: sl ? roundTo(price - dir * sl, info.digits) : undefined,
    tp: tp ? roundTo(price + dir * tp, info.digits) : undefined,
    magic: RUN.magic,
  };
  return { c, i };
}

async function preTrade(w: World, o: { c: Candidate; i: OrderIntent }, symbols?: string[]): Promise<string | number | undefined> {
  const cycle = w.cycle(symbols);
  const v = await w.rm.preTrade(cycle, o.c, o.i);
  if (!v.ok) return v.reason;
  return w.rm.size(cycle, o.c);
}

function open(w: World, symbol: string, side: 'buy' | 'sell', volume: number, magic = RUN.magic): string {
  const r = w.broker.place({ clientId: `o${Math.random()}`, symbol, side, type: 'market', volume, magic }) as { status: string; positionId?: string };
  assert.equal(r.status, 'filled');
  return r.positionId!;
}

/** Opens and closes `volume` of `symbol` now: loses the spread (plus commission). */
function scratch(w: World, symbol: string, volume: number, magic = RUN.magic): void {
  const id = open(w, symbol, 'buy', volume, magic);
  assert.equal((w.broker.close(id) as { status: string }).status, 'done');
}

function isVolume(v: string | number | undefined, why = ''): void {
  assert.equal(typeof v, 'number', `${why} → ${String(v)}`);
}

describe('risk sizing (pure)', () => {
  const cfg = withDefaults<RiskConfig>(RISK_SCHEMA, {});
  const eurusd = { volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01 } as SymbolInfo;

  it('score tiers without Kelly inputs: 6 → 2 %, 5 → 1.5 %, else riskPercent', () => {
    for (const [score, pct] of [
      [7, 2],
      [6, 2],
      [5, 1.5],
      [4, 1],
      [0, 1],
    ] as const) {
      const p = plannedRisk(cfg, 10_000, score, 0.5, true, 1, NO_HISTORY, false);
      assert.ok(!('skip' in p));
      assert.equal(p.riskPercent, pct);
      assert.equal(p.riskMoney, 100 * pct);
    }
  });

  it('quarter Kelly: without history 0.8 × model p and payoff 2.5; with history 0.7 × p + 0.3 × win rate', () => {
    const a = plannedRisk({ ...cfg, maxRiskPercent: 50 }, 10_000, 3, 0.8, false, 1, NO_HISTORY, false);
    assert.ok(!('skip' in a));
    assert.ok(Math.abs(a.riskPercent - (0.64 - 0.36 / 2.5) * 25) < 1e-12); // 12.4 %
    const capped = plannedRisk(cfg, 10_000, 3, 0.8, false, 1, NO_HISTORY, false);
    assert.ok(!('skip' in capped) && capped.riskPercent === 2, 'capped at maxRiskPercent');
    const hist = { trades: 25, wins: 12, avgWin: 110, avgLoss: 100 };
    const b = plannedRisk({ ...cfg, maxRiskPercent: 50 }, 10_000, 3, 0.55, false, 1, hist, false);
    const p = 0.7 * 0.55 + 0.3 * (12 / 25);
    assert.ok(!('skip' in b));
    assert.ok(Math.abs(b.riskPercent - (p - (1 - p) / 1.1) * 25) < 1e-12);
    const neutral = plannedRisk(cfg, 10_000, 3, 0.5, true, 1, { trades: 20, wins: 10, avgWin: 110, avgLoss: 100 }, false);
    assert.ok(!('skip' in neutral) && Math.abs(neutral.riskPercent - (0.5 - 0.5 / 1.1) * 25) < 1e-12, 'no model: the history alone');
  });

  it('Kelly with no edge skips the trade (exact reason), or probes at kellyProbeRiskPercent without scaling up', () => {
    const losing = { trades: 25, wins: 11, avgWin: 110, avgLoss: 100 };
    const r = plannedRisk(cfg, 10_000, 3, 0.5, true, 1, losing, false);
    assert.deepEqual(r, { skip: 'Kelly: no edge (f = -0.069, win rate 0.44, payoff 1.10, last 25 trades)' });
    const noHistory = plannedRisk({ ...cfg, kellyPriorRewardRisk: 0.5 }, 10_000, 3, 0.7, false, 1, NO_HISTORY, false);
    assert.deepEqual(noHistory, { skip: 'Kelly: no edge (f = -0.320, win rate 0.56, payoff 0.50, no history)' });
    const probe = plannedRisk({ ...cfg, kellyNoEdge: 'probe' }, 10_000, 6, 0.5, true, 2, losing, false);
    assert.ok(!('skip' in probe));
    assert.equal(probe.riskPercent, 0.25, 'the probe %, not the score tier (2 %) and not × scaling 2');
    assert.equal(probe.riskMoney, 25);
    assert.match(probe.basis, /^kelly no edge \(f=-0\.069, last 25 trades\): probe × scaling 1$/);
    const tail = plannedRisk({ ...cfg, kellyNoEdge: 'probe', kellyProbeRiskPercent: 1 }, 10_000, 3, 0.5, true, 1, losing, true);
    assert.ok(!('skip' in tail) && tail.riskMoney === 30 && tail.tailClamped, 'the tail clamp still applies');
  });

  it('scaling is clamped to riskFactorMax and the result to maxRiskPercent; the tail clamp caps the money', () => {
    const s = plannedRisk(cfg, 10_000, 0, 0.5, true, 1.5, NO_HISTORY, false);
    assert.ok(!('skip' in s) && s.riskPercent === 1.5);
    const big = plannedRisk(cfg, 10_000, 0, 0.5, true, 5, NO_HISTORY, false);
    assert.ok(!('skip' in big) && big.riskPercent === 2, 'scaling 5 → 2 (riskFactorMax), 1 % × 2 = 2 %');
    const tail = plannedRisk(cfg, 10_000, 6, 0.5, true, 1, NO_HISTORY, true);
    assert.ok(!('skip' in tail) && tail.riskMoney === 30 && tail.tailClamped && tail.riskPercent === 0.3);
  });

  it('volume is floored to the step (never rounded up) and a volume under the minimum is a skip', () => {
    assert.deepEqual(volumeFor(eurusd, 100, 0.0028, 100_000), { volume: 0.35 }); // 0.357…
    assert.deepEqual(volumeFor(eurusd, 1e9, 0.001, 100_000), { volume: 100 });
    assert.deepEqual(volumeFor(eurusd, 5, 0.01, 100_000), { skip: 'Size below minimum (0.0050 < 0.01 lots: the minimum would risk 10.00 > 5.00)' });
    assert.deepEqual(volumeFor(eurusd, 100, 0, 100_000), { skip: 'No stop loss: cannot size by risk' });
  });
});

describe('risk policy rules (exact reasons)', function () {
  this.timeout(20_000);

  it('sizes a normal order: 1 % of balance at the stop, floored to the step', async () => {
    const w = await world();
    const o = order(w, 'EURUSD', 'buy', 0.0004, 0.004);
    const sl = o.i.price! - o.i.sl!;
    assert.equal(await preTrade(w, o), Math.floor(100 / (sl * 100_000) / 0.01 + 1e-9) / 100);
    // USDJPY is valued through its own quote (profit in JPY, base USD).
    const j = order(w, 'USDJPY', 'sell', 0.05, 0.5);
    const mid = (w.src.tick('USDJPY').bid + w.src.tick('USDJPY').ask) / 2;
    const slj = o.i.sl === undefined ? 0 : j.i.sl! - j.i.price!;
    assert.equal(await preTrade(w, j), Math.floor(100 / ((slj * 100_000) / mid) / 0.01 + 1e-9) / 100);
  });

  it('tail-risk clamp by base symbol: XAUUSDm (suffix) risks at most maxTailRiskLoss', async () => {
    const dir = tempDir();
    writeBars(
      dir,
      'XAUUSDm',
      'M5',
      barsFromCloses(
        T - 200 * 300_000,
        'M5',
        Array.from({ length: 200 }, (_, i) => 4000 + Math.sin(i) * 2),
        0.5,
      ),
      2,
    );
    const clock = new SimClock(T);
    const src = await synthSource(dir, clock, ['XAUUSDm'], ['M5']);
    const broker = new PaperBroker(clock, src, { balance: 10_000 });
    const rm = new RiskManager(withDefaults<RiskConfig>(RISK_SCHEMA, {}), { store: new MemoryStateStore(), log: silentLogger(), instance: 'risk' });
    const tick = src.tick('XAUUSDm');
    const c: Candidate = {
      symbol: 'XAUUSDm',
      side: 'buy',
      score: 6,
      probability: 0.5,
      entry: 'market',
      slDistance: 5,
      tpDistance: 50,
      details: { probabilitySource: 'neutral' },
    };
    const i: OrderIntent = {
      clientId: 'x',
      symbol: 'XAUUSDm',
      side: 'buy',
      type: 'market',
      volume: Number.NaN,
      price: tick.ask,
      sl: tick.ask - 5,
      tp: tick.ask + 50,
    };
    const cycle = cycleOf({ clock, data: src, broker, symbols: ['XAUUSDm'] });
    assert.deepEqual(await rm.preTrade(cycle, c, i), { ok: true });
    assert.equal(rm.size(cycle, c), 0.06, '$30 / (5 × 100 oz) — not 2 % of 10 000 (= 0.4 lots)');
  });

  it('trade mode, news blackout, spread, R:R', async () => {
    const closeOnly = await world({}, { info: { EURUSD: { tradeMode: 'closeonly' }, GBPUSD: { tradeMode: 'longonly' } } });
    assert.equal(await preTrade(closeOnly, order(closeOnly, 'EURUSD', 'buy', 0.0004, 0.004)), 'Trade mode closeonly');
    assert.equal(await preTrade(closeOnly, order(closeOnly, 'GBPUSD', 'sell', 0.0004, 0.004)), 'Trade mode longonly');
    const news = await world({}, { news: true });
    assert.equal(await preTrade(news, order(news, 'XAUUSD', 'buy', 3, 30)), 'News Blackout (USD Non-Farm Employment Change)');
    const wide = await world({}, { info: { EURUSD: { spread: 45 } } });
    assert.equal(await preTrade(wide, order(wide, 'EURUSD', 'buy', 0.0004, 0.004)), 'Spread too wide (4.5 > 3.0 pips)');
    const w = await world();
    assert.equal(await preTrade(w, order(w, 'EURUSD', 'buy', 0.001, 0.001)), 'Low R:R (1.00 < 1.2)');
    const noMandate = await world({ mandateMinRr: false });
    isVolume(await preTrade(noMandate, order(noMandate, 'EURUSD', 'buy', 0.001, 0.001)));
  });

  it('cost gate: spread + commission against the TP distance', async () => {
    const w = await world();
    const spread = w.src.tick('EURUSD').ask - w.src.tick('EURUSD').bid;
    const cost = spread + 7 / 100_000;
    const o1 = order(w, 'EURUSD', 'buy', 0.0003, 0.0005);
    const tp1 = o1.i.tp! - o1.i.price!;
    assert.equal(await preTrade(w, o1), `Cost too high (${((cost / tp1) * 100).toFixed(0)}% of TP > 30%)`);
    const o2 = order(w, 'EURUSD', 'buy', 0.0004, 0.0007);
    const tp2 = o2.i.tp! - o2.i.price!;
    assert.equal(await preTrade(w, o2), `Net profit too small (TP − cost = ${((tp2 - cost) / cost).toFixed(2)}× cost < 3)`);
  });

  it('max concurrent trades counts every account position', async () => {
    const w = await world({ maxConcurrentTrades: 2, maxCorrelation: 1, maxCurrencyExposureLots: 0 });
    open(w, 'USDJPY', 'buy', 0.1);
    open(w, 'NAS100', 'buy', 1, 777); // not ours: still account risk
    assert.equal(await preTrade(w, order(w, 'EURUSD', 'buy', 0.0004, 0.004)), 'Max concurrent trades (2/2)');
  });

  it('correlation: live ρ of returns, excluding the same symbol; static groups when live data is missing', async () => {
    const w = await world({ maxCurrencyExposureLots: 0 });
    const rho = returnCorrelation(w.src.bars('EURUSD', 'M5', 61), w.src.bars('GBPUSD', 'M5', 61))!;
    assert.ok(rho > 0.3, `EURUSD/GBPUSD M5 returns correlate (${rho})`);
    const strict = await world({ maxCorrelation: Math.floor(rho * 100) / 100 - 0.01, maxCurrencyExposureLots: 0 });
    open(strict, 'GBPUSD', 'buy', 0.1);
    assert.equal(await preTrade(strict, order(strict, 'EURUSD', 'buy', 0.0004, 0.004)), `Correlation (ρ ${rho.toFixed(2)} with open GBPUSD BUY)`);
    isVolume(await preTrade(strict, order(strict, 'EURUSD', 'sell', 0.0004, 0.004)), 'the opposite direction hedges');
    // The same symbol is not a correlation (the original's ρ = 1 blocked every second trade).
    open(w, 'EURUSD', 'buy', 0.1);
    isVolume(await preTrade(w, order(w, 'EURUSD', 'buy', 0.0004, 0.004)));
    // No M1 bars in the sample: the live measure is unavailable, the static groups decide.
    const g = await world({ correlationTimeframe: 'M1', maxCurrencyExposureLots: 0 });
    open(g, 'GBPUSD', 'buy', 0.1);
    open(g, 'USDJPY', 'sell', 0.1);
    assert.equal(await preTrade(g, order(g, 'EURUSD', 'buy', 0.0004, 0.004)), 'Correlation group eur_usd (open GBPUSD BUY)');
    assert.equal(await preTrade(g, order(g, 'XAUUSD', 'buy', 3, 30)), 'Correlation group metals (open USDJPY SELL)');
  });

  it('currency exposure: a trade may not stack onto an exposure beyond the cap', async () => {
    const w = await world({ maxCorrelation: 1 });
    open(w, 'EURUSD', 'buy', 1); // EUR +1, USD −1
    const o = order(w, 'GBPUSD', 'buy', 0.0004, 0.004);
    const sl = o.i.price! - o.i.sl!;
    const vol = Math.floor(100 / (sl * 100_000) / 0.01 + 1e-9) / 100;
    assert.equal(await preTrade(w, o), `Currency exposure (USD ${(-1 - vol).toFixed(2)} lots > 0.03)`);
    isVolume(await preTrade(w, order(w, 'GBPUSD', 'sell', 0.004, 0.04)), 'reducing the USD short is fine');
    const first = await world({ maxCorrelation: 1 });
    isVolume(await preTrade(first, order(first, 'GBPUSD', 'buy', 0.0004, 0.004)), 'a first exposure is not stacking');
  });

  it('cannot size without a conversion quote; a minimum volume that would exceed the risk is a skip', async () => {
    const w = await world({}, { info: { NAS100: { profitCurrency: 'EUR' } } });
    assert.equal(
      await preTrade(w, order(w, 'NAS100', 'buy', 20, 200), ['NAS100']),
      "Cannot size: cannot value NAS100 in USD: no EURUSD or USDEUR quote among the run's symbols; add one or set symbolInfo.tickValue",
    );
    isVolume(await preTrade(w, order(w, 'NAS100', 'buy', 20, 200), ['NAS100', 'EURUSD']), 'EURUSD converts');
    const tiny = await world({ riskPercent: 0.01, scoreTiers: [] });
    const o = order(tiny, 'NAS100', 'buy', 20, 200);
    const sl = o.i.price! - o.i.sl!;
    assert.equal(await preTrade(tiny, o), `Size below minimum (${(1 / sl).toFixed(4)} < 0.1 lots: the minimum would risk ${(0.1 * sl).toFixed(2)} > 1.00)`);
  });

  it('margin: a size that would not fit the free margin is reduced, and skipped when even the minimum does not fit', async () => {
    const w = await world({ leverageBy: { index: 20 }, maxMarginUsePercent: 50 });
    const o = order(w, 'NAS100', 'buy', 4, 40); // 1 % at a 4-point stop = 25 lots of NAS100
    const price = o.i.price!;
    const allowed = (10_000 * 50) / 100;
    assert.equal(await preTrade(w, o), Math.floor((allowed / (price / 20)) * 10 + 1e-9) / 10, 'reduced to what 50 % of free margin carries');
    const poor = await world({ leverageBy: { index: 1 }, maxMarginUsePercent: 1 });
    const p = order(poor, 'NAS100', 'buy', 4, 40);
    assert.equal(await preTrade(poor, p), `Not enough free margin (0.1 lots need ${(0.1 * p.i.price!).toFixed(2)}, 100.00 allowed)`);
  });

  it('a hedge leg with its own volume and no stop keeps its volume', async () => {
    const w = await world();
    const o = order(w, 'GBPUSD', 'sell', 0, 0, { volume: 0.07 });
    assert.equal(await preTrade(w, o), 0.07);
  });

  it('cycle gate: circuit breaker, daily trade limit (fills only, reset at UTC midnight), max open positions', async () => {
    const w = await world({ maxDailyTrades: 2, maxOpenPositions: 2 });
    assert.equal(await w.rm.gate(w.cycle()), undefined);
    await w.store.set(w.rm.breakerKey, { open: true, reason: 'manual stop' });
    assert.equal(await w.rm.gate(w.cycle()), 'Risk Block: Circuit Breaker (manual stop)');
    await w.store.delete(w.rm.breakerKey);
    await w.rm.onFill('EURUSD', T - 3600_000);
    await w.rm.onFill('GBPUSD', T - 1800_000);
    assert.equal(await w.rm.gate(w.cycle()), 'Risk Block: Daily trade limit (2/2)');
    const counters = await w.store.get<{ fills: number }>(w.rm.countersKey);
    assert.equal(counters!.fills, 2, 'persisted');
    const next = await world({ maxDailyTrades: 2 }, { t: utc('2026-06-04T00:05:00') });
    await next.store.set(next.rm.countersKey, counters);
    await next.rm.load();
    assert.equal(await next.rm.gate(next.cycle()), undefined, 'a new UTC day');
    const m = await world({ maxOpenPositions: 2 });
    open(m, 'EURUSD', 'buy', 0.1);
    open(m, 'NAS100', 'buy', 1, 999);
    assert.equal(await m.rm.gate(m.cycle()), 'Risk Block: Max open positions (2/2)');
  });

  it('daily loss limit: realised net since UTC midnight, account-wide by default', async () => {
    const w = await world();
    scratch(w, 'EURUSD', 10, 999); // another magic: 12 points × 10 lots = −120 USD
    assert.equal(await w.rm.gate(w.cycle()), 'Risk Block: Daily loss limit (-120.00 < -100.00 USD)');
    const run = await world({ dailyLossScope: 'run' });
    scratch(run, 'EURUSD', 10, 999);
    assert.equal(await run.rm.gate(run.cycle()), undefined, 'run scope ignores other magics');
  });

  it('pre-scan: session filter (crypto exempt), min interval between fills, positions per symbol', async () => {
    const early = await world({ sessionFilter: true }, { t: utc('2026-06-03T05:30:00'), info: { GBPUSD: { assetClass: 'crypto' } } });
    assert.deepEqual(await early.rm.preScan(early.cycle(), 'EURUSD'), { ok: false, reason: 'Risk Block: Outside trading sessions (05:30 UTC)' });
    assert.deepEqual(await early.rm.preScan(early.cycle(), 'GBPUSD'), { ok: true });
    // The status names the minute of the clock, every minute outside the sessions (00:00–06:59 UTC):
    // 04:20 is 4.333… h, whose fraction × 60 floors to 19 — the status once said 04:19.
    const day = utc('2026-06-03T00:00:00');
    const night = await world({ sessionFilter: true }, { t: day });
    for (let m = 0; m < 7 * 60; m++) {
      night.clock.set(day + m * 60_000);
      const hhmm = new Date(day + m * 60_000).toISOString().slice(11, 16);
      assert.deepEqual(await night.rm.preScan(night.cycle(), 'EURUSD'), { ok: false, reason: `Risk Block: Outside trading sessions (${hhmm} UTC)` });
    }
    const at0420 = await world({ sessionFilter: true }, { t: utc('2026-06-03T04:20:00') });
    assert.deepEqual(await at0420.rm.preScan(at0420.cycle(), 'EURUSD'), { ok: false, reason: 'Risk Block: Outside trading sessions (04:20 UTC)' });
    const w = await world({ maxPositionsPerSymbol: 1 });
    assert.deepEqual(await w.rm.preScan(w.cycle(), 'EURUSD'), { ok: true });
    await w.rm.onFill('EURUSD', T - 6 * 60_000);
    assert.deepEqual(await w.rm.preScan(w.cycle(), 'EURUSD'), { ok: false, reason: 'Risk Block: Min trade interval (6.0 of 15 min)' });
    open(w, 'GBPUSD', 'buy', 0.1);
    assert.deepEqual(await w.rm.preScan(w.cycle(), 'GBPUSD'), { ok: false, reason: 'Risk Block: Max positions on symbol (1/1)' });
  });

  it("kill switch and payoff mandate on the symbol's closing deals; override symbols are exempt", async () => {
    const w = await world({ maxDailyLoss: 0 });
    for (let i = 0; i < 12; i++) scratch(w, 'NAS100', 5); // each −1.5 × 5 = −7.50
    const sum = -7.5 * 12;
    assert.deepEqual(await w.rm.preScan(w.cycle(), 'NAS100'), { ok: false, reason: `Risk Block: Kill switch (last 12 deals ${sum.toFixed(2)} < -60)` });
    for (let i = 0; i < 12; i++) scratch(w, 'EURUSD', 5);
    assert.deepEqual(await w.rm.preScan(w.cycle(), 'EURUSD'), { ok: true }, 'EURUSD is an original override symbol');
    // Payoff: 20+ deals with only losses on US30-like data (NAS100, kill switch off via a low threshold).
    const p = await world({ maxDailyLoss: 0, killSwitchLossThreshold: -1e9 });
    for (let i = 0; i < 20; i++) scratch(p, 'NAS100', 1);
    assert.deepEqual(await p.rm.preScan(p.cycle(), 'NAS100'), { ok: false, reason: 'Risk Block: Payoff mandate (avg loss Infinity× avg win > 2)' });
  });

  it("Kelly on this run's closed trades: a losing history means no edge", async () => {
    const w = await world({ maxDailyLoss: 0 });
    for (let i = 0; i < 20; i++) scratch(w, 'USDJPY', 0.5);
    // All losses: there is no payoff to speak of yet → tiers; with one win the history applies.
    isVolume(await preTrade(w, order(w, 'EURUSD', 'buy', 0.0004, 0.004)));
    // One winner: the test knows where gold is at 18:00 and takes that side.
    const later = utc('2026-06-03T18:00:00');
    const gold = w.src.store('XAUUSD', 'M5');
    const then = gold.close[gold.upperBound(later - 300_000) - 1]!;
    const now = w.src.tick('XAUUSD');
    const side = then > now.ask ? 'buy' : 'sell';
    assert.ok(Math.abs(then - now.bid) > 2, 'gold moved more than the spread');
    const id = open(w, 'XAUUSD', side, 0.01);
    w.clock.set(later);
    w.broker.close(id);
    w.rm.onClose();
    const reason = await preTrade(w, order(w, 'EURUSD', 'buy', 0.0004, 0.004));
    assert.match(String(reason), /^Kelly: no edge \(f = -0\.\d{3}, win rate 0\.05, payoff \d+\.\d{2}, last 21 trades\)$/);
    // kellyWindowTrades: only the newest closed trades count. The last one is the winner: with it alone
    // there is no loss to weigh (no payoff yet), so Kelly does not apply and the score tier sizes.
    const last1 = new RiskManager(withDefaults<RiskConfig>(RISK_SCHEMA, { maxDailyLoss: 0, kellyWindowTrades: 1, kellyMinTrades: 1 }), {
      store: w.store,
      log: silentLogger(),
      instance: 'risk-last1',
      breakerPollMs: 0,
    });
    await last1.load();
    const o = order(w, 'EURUSD', 'buy', 0.0004, 0.004);
    const cycle = w.cycle();
    assert.deepEqual(await last1.preTrade(cycle, o.c, o.i), { ok: true });
    isVolume(await last1.size(cycle, o.c), 'the last trade alone');
    // The same window over all 21 trades says no edge again.
    const last21 = new RiskManager(withDefaults<RiskConfig>(RISK_SCHEMA, { maxDailyLoss: 0, kellyWindowTrades: 21 }), {
      store: w.store,
      log: silentLogger(),
      instance: 'risk-last21',
      breakerPollMs: 0,
    });
    await last21.load();
    const v = await last21.preTrade(w.cycle(), o.c, o.i);
    assert.match(v.ok ? '' : v.reason, /^Kelly: no edge .*, last 21 trades\)$/);
  });
});
