/** Engle-Granger cointegration and the stat-arb agent on synthetic pairs. */
import assert from 'node:assert/strict';
import { MemoryStateStore, SimClock, TIMEFRAME_MS, silentLogger, type Candidate, type CsvDataSource } from '@tradekit/core';
import {
  EngleGrangerFit,
  StatArbAgent,
  STAT_ARB_SCHEMA,
  adfNoConstant,
  alignCloses,
  engleGranger,
  mackinnonP2,
  normalCdf,
  ols,
  type Cointegration,
  type StatArbConfig,
} from '@tradekit/agents';
import { RUN, SIX, cycleOf, gauss, rng, sampleSource, synthSource, tempDir, utc, withDefaults, writeBars, type SynthBar } from './helpers.js';

describe('cointegration maths', () => {
  it('OLS recovers an exact line', () => {
    const x = Array.from({ length: 50 }, (_, i) => i * 0.3);
    const y = x.map((v) => 2 + 3 * v);
    const r = ols(y, [x.map(() => 1), x]);
    assert.ok(Math.abs(r.coef[0]! - 2) < 1e-9 && Math.abs(r.coef[1]! - 3) < 1e-9 && r.ssr < 1e-18);
  });

  it("the normal CDF and MacKinnon's 1994 p-values agree with the 2010 critical values (1 %, 5 %, 10 %)", () => {
    assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7 && Math.abs(normalCdf(1.959964) - 0.975) < 1e-6 && Math.abs(normalCdf(-1.644854) - 0.05) < 1e-6);
    // MacKinnon (2010) asymptotic critical values for two series with a constant.
    assert.ok(Math.abs(mackinnonP2(-3.89644) - 0.01) < 0.001);
    assert.ok(Math.abs(mackinnonP2(-3.33613) - 0.05) < 0.001);
    assert.ok(Math.abs(mackinnonP2(-3.04445) - 0.1) < 0.001);
    assert.equal(mackinnonP2(1), 1);
    assert.equal(mackinnonP2(-20), 0);
  });

  it('MacKinnon p-values match statsmodels mackinnonp(τ, regression="c", N=2) on both sides of τ* = −2.62', () => {
    // Expected = Φ(polyval(coefs, τ)) with statsmodels' published N = 2, "c" rows after its scaling:
    // small p (τ ≤ −2.62) [2.92, 1.5012, 0.039796], large p [2.1945, 0.64695, −0.29198, −0.042377];
    // Φ from scipy.stats.norm.cdf. E.g. τ = −2: z = 2.1945 − 1.2939 − 1.16792 + 0.339016 = 0.071696 → 0.52858.
    const reference: Array<[number, number]> = [
      [-4.5, 0.0012247],
      [-3.5, 0.0323954],
      [-3.0, 0.1102055],
      [-2.62, 0.2296596],
      [-2.5, 0.279069],
      [-2.0, 0.5285781],
      [-1.5, 0.7611921],
      [-1.0, 0.9028472],
      [0.0, 0.9859003],
      [0.5, 0.9926499],
      [0.9, 0.9939525],
    ];
    for (const [tau, p] of reference) assert.ok(Math.abs(mackinnonP2(tau) - p) < 1e-6, `τ = ${tau}: ${mackinnonP2(tau)} vs ${p}`);
  });

  it('ADF with no lags is the hand-computed t-statistic of γ in Δx = γ·x₋₁', () => {
    const r = rng(3);
    const x = [0];
    for (let i = 1; i < 200; i++) x.push(0.7 * x[i - 1]! + gauss(r));
    let sxy = 0;
    let sxx = 0;
    for (let t = 1; t < x.length; t++) {
      sxy += x[t - 1]! * (x[t]! - x[t - 1]!);
      sxx += x[t - 1]! ** 2;
    }
    const g = sxy / sxx;
    let ssr = 0;
    for (let t = 1; t < x.length; t++) ssr += (x[t]! - x[t - 1]! - g * x[t - 1]!) ** 2;
    const tstat = g / Math.sqrt(ssr / (x.length - 2) / sxx);
    const adf = adfNoConstant(x, 0);
    assert.equal(adf.lag, 0);
    assert.ok(Math.abs(adf.stat - tstat) < 1e-9, `${adf.stat} vs ${tstat}`);
  });

  it('a cointegrated pair has a small p-value and the right hedge ratio; independent walks do not', () => {
    const r = rng(42);
    const b: number[] = [];
    const a: number[] = [];
    const c: number[] = [];
    let x = 100;
    let y = 50;
    let e = 0;
    for (let i = 0; i < 400; i++) {
      x += gauss(r);
      y += gauss(r);
      e = 0.7 * e + gauss(r) * 0.5;
      b.push(x);
      a.push(2 + 1.5 * x + e);
      c.push(y);
    }
    const co = engleGranger(a, b);
    assert.ok(co.pValue < 0.01, `p ${co.pValue}`);
    assert.ok(Math.abs(co.beta - 1.5) < 0.05, `β ${co.beta}`);
    assert.ok(engleGranger(c, b).pValue > 0.1);
  });
});

/** Every number of two fits, compared with Object.is (bit for bit, −0 and NaN included). */
function assertSameFit(got: Cointegration, want: Cointegration, what: string): void {
  const flat = (c: Cointegration) => [c.alpha, c.beta, c.adf.stat, c.adf.lag, c.adf.nobs, c.pValue, c.mean, c.std, c.z, c.n];
  const g = flat(got);
  const w = flat(want);
  for (let i = 0; i < w.length; i++) assert.ok(Object.is(g[i], w[i]), `${what}: field ${i} ${g[i]} ≠ ${w[i]}`);
}

describe('EngleGrangerFit (the allocation-free fit the agent runs)', () => {
  it("gives engleGranger's results bit for bit: random pairs of many lengths, one workspace reused", () => {
    const fit = new EngleGrangerFit();
    const r = rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 30 + Math.floor(r() * 400);
      const a: number[] = [];
      const b: number[] = [];
      let x = 100 * r();
      let e = 0;
      const rho = r();
      const beta = (r() - 0.5) * 4;
      for (let i = 0; i < n; i++) {
        x += gauss(r);
        e = rho * e + gauss(r) * r();
        b.push(x);
        a.push(3 + beta * x + e);
      }
      assertSameFit(fit.fit(a, b), engleGranger(a, b), `trial ${trial} (n ${n})`);
      // Over a prefix of longer scratch input, as the agent passes it.
      const xa = Float64Array.from([...a, 1, 2, 3]);
      const xb = Float64Array.from([...b, 4, 5, 6]);
      assertSameFit(fit.fit(xa, xb, n), engleGranger(a, b), `trial ${trial} (prefix)`);
    }
  });

  it("gives engleGranger's results bit for bit on the sample data's H1 closes, every pair, sliding windows", async () => {
    const clock = new SimClock(utc('2030-01-01T00:00:00'));
    const src = await sampleSource(clock, SIX, ['H1']);
    const fit = new EngleGrangerFit();
    const xa = new Float64Array(200);
    const xb = new Float64Array(200);
    /** The last 200 bars opened at or before `t`, as the agent's window at that time. */
    const windowAt = (s: { length: number; time: Float64Array; close: Float64Array }, t: number) => {
      let end = 0;
      while (end < s.length && s.time[end]! <= t) end++;
      const from = Math.max(0, end - 200);
      return { length: end - from, time: s.time.subarray(from, end), close: s.close.subarray(from, end) } as never;
    };
    let checked = 0;
    for (let i = 0; i < SIX.length; i++) {
      for (let j = i + 1; j < SIX.length; j++) {
        const sa = src.bars(SIX[i]!, 'H1', 10_000);
        const sb = src.bars(SIX[j]!, 'H1', 10_000);
        for (let k = 200; k < sa.length; k += 149) {
          const t = sa.time[k]!;
          const m = alignCloses(windowAt(sa, t), windowAt(sb, t), xa, xb);
          if (m < 180) continue;
          assertSameFit(
            fit.fit(xa, xb, m),
            engleGranger(Array.from(xa.subarray(0, m)), Array.from(xb.subarray(0, m))),
            `${SIX[i]}/${SIX[j]} at ${new Date(t).toISOString()}`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked > 200, `windows checked: ${checked}`);
  });

  it('aligns closes by bar time (a merge when times ascend, a map otherwise)', () => {
    const xa = new Float64Array(5);
    const xb = new Float64Array(5);
    const s = (time: number[], close: number[]) => ({ length: time.length, time: Float64Array.from(time), close: Float64Array.from(close) }) as never;
    assert.equal(alignCloses(s([1, 2, 4, 5], [10, 20, 40, 50]), s([2, 3, 4, 6], [200, 300, 400, 600]), xa, xb), 2);
    assert.deepEqual([...xa.subarray(0, 2), ...xb.subarray(0, 2)], [20, 40, 200, 400]);
    assert.equal(alignCloses(s([5, 2, 4], [50, 20, 40]), s([2, 4, 4], [200, 400, 401]), xa, xb), 2);
    assert.deepEqual([...xa.subarray(0, 2), ...xb.subarray(0, 2)], [20, 40, 200, 401]);
  });
});

const H1 = TIMEFRAME_MS.H1;
const START = utc('2026-01-05T00:00:00');

/** Two H1 series: B a random walk, A = 0.2 + 0.8·B + noise, with a shock of `shock` at bar `at` that then fades. */
function pair(n: number, at: number, shock: number): { a: SynthBar[]; b: SynthBar[] } {
  const r = rng(7);
  const a: SynthBar[] = [];
  const b: SynthBar[] = [];
  let x = 1.3;
  let e = 0;
  for (let i = 0; i < n; i++) {
    x += gauss(r) * 0.001;
    e = 0.5 * e + gauss(r) * 0.0004;
    const extra = i === at ? shock : i > at && i < at + 3 ? shock * 0.5 : 0;
    const pa = 0.2 + 0.8 * x + e + extra;
    const t = START + i * H1;
    b.push({ time: t, open: x, high: x + 0.0005, low: x - 0.0005, close: x });
    a.push({ time: t, open: pa, high: pa + 0.0005, low: pa - 0.0005, close: pa });
  }
  return { a, b };
}

describe('stat-arb agent', function () {
  this.timeout(20_000);
  let src: CsvDataSource;
  let clock: SimClock;
  let dir = '';
  before(async () => {
    dir = tempDir();
    const p = pair(320, 260, 0.006);
    writeBars(dir, 'EURUSD', 'H1', p.a);
    writeBars(dir, 'GBPUSD', 'H1', p.b);
    clock = new SimClock(START + 261 * H1); // bar 260 (the shock) has just closed
    src = await synthSource(dir, clock, ['EURUSD', 'GBPUSD'], ['H1'], { EURUSD: { spread: 0 }, GBPUSD: { spread: 0 } });
  });

  it('opens both legs on |z| > 2: A against the deviation, B hedged by β; then flattens both when |z| < 0.5; state survives a restart', async () => {
    const store = new MemoryStateStore(() => clock.now());
    const cfg = withDefaults<StatArbConfig>(STAT_ARB_SCHEMA, { pairs: [{ a: 'EURUSD', b: 'GBPUSD' }], lotSize: 1, stopZ: 0 });
    const agent = new StatArbAgent(cfg, { store, log: silentLogger(), instance: 'sa' });
    await agent.load();
    const cycle = cycleOf({ clock, data: src, state: store, symbols: ['EURUSD', 'GBPUSD'] });
    const ca = (await agent.scan({ cycle, symbol: 'EURUSD', scan: undefined as never })) as Candidate;
    const cb = (await agent.scan({ cycle, symbol: 'GBPUSD', scan: undefined as never })) as Candidate;
    const closes = (s: string) => Array.from(src.bars(s, 'H1', 200).close);
    const co = engleGranger(closes('EURUSD'), closes('GBPUSD'));
    assert.ok(co.z > 2 && co.pValue < 0.05, `z ${co.z}, p ${co.pValue}`);
    assert.equal(ca.side, 'sell', 'A is rich: short the spread');
    assert.equal(cb.side, 'buy');
    assert.equal(ca.volume, 1);
    assert.equal(cb.volume, Math.floor(co.beta * 100 + 1e-9) / 100, 'B = β × A (same contract size), floored to the step');
    assert.equal(ca.details!.statArb, 'EURUSD/GBPUSD');
    assert.equal(ca.entry, 'market');
    await agent.onLegFill('EURUSD/GBPUSD', 'a', 'P1', clock.now(), 'short', co.beta);
    assert.deepEqual(await agent.scan({ cycle, symbol: 'EURUSD', scan: undefined as never }), { skip: 'Spread Opening (EURUSD/GBPUSD short)' });
    const again = (await agent.scan({ cycle, symbol: 'GBPUSD', scan: undefined as never })) as Candidate;
    assert.equal(again.side, 'buy', 'the missing leg is still proposed to complete the hedge');
    await agent.onLegFill('EURUSD/GBPUSD', 'b', 'P2', clock.now(), 'short', co.beta);
    assert.equal(agent.pairs[0]!.state.status, 'open');

    // A restart reads the spread back from the store.
    const restarted = new StatArbAgent(cfg, { store, log: silentLogger(), instance: 'sa' });
    await restarted.load();
    assert.deepEqual(restarted.pairs[0]!.state.legs, { a: 'P1', b: 'P2' });
    const pos = (id: string, symbol: string) => ({
      id,
      symbol,
      side: 'buy' as const,
      volume: 1,
      openPrice: 1,
      openTime: 0,
      currentPrice: 1,
      profit: 0,
      commission: 0,
      swap: 0,
      magic: RUN.magic,
    });
    assert.deepEqual(await restarted.manageAll(cycle, [pos('P1', 'EURUSD'), pos('P2', 'GBPUSD')]), [], 'still stretched');
    const withStop = new StatArbAgent({ ...cfg, stopZ: 4 }, { store, log: silentLogger(), instance: 'sa' });
    await withStop.load();
    const stop = await withStop.manageAll(cycle, [pos('P1', 'EURUSD'), pos('P2', 'GBPUSD')]);
    assert.deepEqual(
      stop.map((a) => a.type === 'close' && a.positionId),
      ['P1', 'P2'],
    );
    assert.equal(stop[0]!.reason, `stat-arb EURUSD/GBPUSD stop: z ${co.z.toFixed(2)} beyond ±4`);
    // Later the deviation is gone.
    const later = new SimClock(START + 300 * H1);
    const src2 = await synthSource(dir, later, ['EURUSD', 'GBPUSD'], ['H1']);
    const z = engleGranger(Array.from(src2.bars('EURUSD', 'H1', 200).close), Array.from(src2.bars('GBPUSD', 'H1', 200).close)).z;
    assert.ok(Math.abs(z) < 0.5, `z ${z}`);
    const acts = await restarted.manageAll(cycleOf({ clock: later, data: src2, state: store }), [pos('P1', 'EURUSD'), pos('P2', 'GBPUSD')]);
    assert.deepEqual(
      acts.map((a) => a.type === 'close' && a.positionId),
      ['P1', 'P2'],
    );
    assert.match(acts[0]!.reason, /^stat-arb EURUSD\/GBPUSD flatten: z -?0\.\d\d within ±0\.5$/);
    await restarted.onLegClosed('P1');
    await restarted.onLegClosed('P2');
    assert.equal(restarted.pairs[0]!.state.status, 'flat');
  });

  it('never leaves one leg alone: a leg whose partner closed, or never filled, is closed', async () => {
    const store = new MemoryStateStore(() => clock.now());
    const cfg = withDefaults<StatArbConfig>(STAT_ARB_SCHEMA, { pairs: [{ a: 'EURUSD', b: 'GBPUSD' }] });
    const agent = new StatArbAgent(cfg, { store, log: silentLogger(), instance: 'sa' });
    const pos = (id: string) => ({
      id,
      symbol: 'EURUSD',
      side: 'sell' as const,
      volume: 0.01,
      openPrice: 1,
      openTime: 0,
      currentPrice: 1,
      profit: 0,
      commission: 0,
      swap: 0,
    });
    await agent.onLegFill('EURUSD/GBPUSD', 'a', 'A1', clock.now() - 31 * 60_000, 'short', 0.8);
    const acts = await agent.manageAll(cycleOf({ clock, data: src, state: store }), [pos('A1')]);
    assert.deepEqual(acts, [{ type: 'close', positionId: 'A1', reason: 'stat-arb EURUSD/GBPUSD: other leg did not fill in 30 min' }]);
    await agent.onLegFill('EURUSD/GBPUSD', 'b', 'B1', clock.now(), 'short', 0.8);
    const broken = await agent.manageAll(cycleOf({ clock, data: src, state: store }), [pos('A1')]);
    assert.deepEqual(broken, [{ type: 'close', positionId: 'A1', reason: 'stat-arb EURUSD/GBPUSD: the other leg closed' }]);
  });

  it('not cointegrated and no signal are statuses, not candidates', async () => {
    const store = new MemoryStateStore();
    const agent = new StatArbAgent(withDefaults<StatArbConfig>(STAT_ARB_SCHEMA, { pairs: [{ a: 'EURUSD', b: 'GBPUSD' }], entryZ: 50 }), {
      store,
      log: silentLogger(),
      instance: 'sa',
    });
    const r = (await agent.scan({ cycle: cycleOf({ clock, data: src, state: store }), symbol: 'EURUSD', scan: undefined as never })) as { skip: string };
    assert.match(r.skip, /^No Signal \(EURUSD\/GBPUSD z \d+\.\d\d within ±50\)$/);
    const strict = new StatArbAgent(withDefaults<StatArbConfig>(STAT_ARB_SCHEMA, { pairs: [{ a: 'EURUSD', b: 'GBPUSD' }], maxPValue: 1e-12 }), {
      store,
      log: silentLogger(),
      instance: 'sa',
    });
    const s = (await strict.scan({ cycle: cycleOf({ clock, data: src, state: store }), symbol: 'EURUSD', scan: undefined as never })) as { skip: string };
    assert.match(s.skip, /^Not Cointegrated \(EURUSD\/GBPUSD p 0\.\d{3} ≥ 1e-12\)$/);
  });
});
