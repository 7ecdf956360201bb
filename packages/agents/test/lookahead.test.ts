/**
 * Look-ahead: the decision the agent makes at time t during a long replay (it has gone on to see
 * t + k later) equals the decision of a fresh agent whose data physically ends at t. Indicators are
 * computed from bar 0 in both (historyBars covers the whole file), so any difference could only come
 * from information after t.
 */
import assert from 'node:assert/strict';
import { MemoryStateStore, SimClock, TIMEFRAME_MS, silentLogger, type BarQuery, type DataSource, type Timeframe } from '@tradekit/core';
import { FeatureHub, InstitutionalAgent, INSTITUTIONAL_SCHEMA, FEATURE_DEFAULTS, type InstitutionalConfig } from '@tradekit/agents';
import { cycleOf, sampleSource, withDefaults } from './helpers.js';

const SYMBOLS = ['EURUSD', 'XAUUSD', 'NAS100'];
const M5 = TIMEFRAME_MS.M5;

/** Wraps a source so it can never hand out a bar that closes after `cut` (and fails loudly if asked to). */
function endingAt(src: DataSource, cut: number): DataSource {
  return {
    name: 'cut',
    listSymbols: () => src.listSymbols(),
    symbolInfo: (s) => src.symbolInfo(s),
    tick: (s) => src.tick(s),
    bars: (s: string, tf: Timeframe, q: BarQuery) => {
      const b = src.bars(s, tf, q) as ReturnType<typeof src.bars> & { length: number; time: Float64Array };
      for (let i = 0; i < b.length; i++) if (b.time[i]! + TIMEFRAME_MS[tf] > cut) throw new Error(`bar after the cut: ${s} ${tf} ${b.time[i]}`);
      return b;
    },
  };
}

function agentsFor(cfg: InstitutionalConfig): InstitutionalAgent[] {
  const hub = new FeatureHub();
  hub.requireHistory(cfg.historyBars);
  const store = new MemoryStateStore();
  const params = {
    ...FEATURE_DEFAULTS,
    smc: {
      lookback: cfg.bos.sweepLookback,
      momentum: cfg.bos.momentumMultiplier,
      sweepRecentBars: cfg.smc.sweepRecentBars,
      fvgMinAtr: cfg.smc.fvgMinAtr,
      maxZones: cfg.smc.maxZones,
    },
  };
  return SYMBOLS.map((s) => new InstitutionalAgent(s, cfg, { hub, featureParams: params, store, log: silentLogger(), instance: 'inst' }));
}

function decide(agent: InstitutionalAgent, clock: SimClock, data: DataSource): string {
  const cycle = cycleOf({ clock, data, symbols: SYMBOLS });
  const r = agent.scan({ cycle, symbol: agent.symbol, scan: undefined as never });
  assert.ok(!(r instanceof Promise), 'CSV data answers synchronously, so does the agent');
  return JSON.stringify(r);
}

describe('look-ahead', function () {
  this.timeout(120_000);
  it('decisions at t are the same with data ending at t and with data running on to t + k', async () => {
    // Every gate tuned to let decisions through often, so the comparison covers candidates too.
    const cfg = withDefaults<InstitutionalConfig>(INSTITUTIONAL_SCHEMA, {
      historyBars: 100_000,
      htfBars: 100_000,
      cooldownSeconds: 0,
      entry: 'market',
      bos: { huntingHours: [] },
    });
    const longClock = new SimClock(0);
    const longData = await sampleSource(longClock, SYMBOLS);
    const first = Math.max(...SYMBOLS.map((s) => longData.coverage(s, 'M5').timeAt(300))) + M5;
    const end = Math.min(...SYMBOLS.map((s) => longData.coverage(s, 'M5').to));
    const start = Math.ceil(first / M5) * M5;
    longClock.set(start);
    const replay = agentsFor(cfg);
    const seen = new Map<string, string>();
    const candidates: [number, string][] = [];
    const statuses = new Set<string>();
    for (let t = longClock.now(); t <= end; t += M5) {
      longClock.set(t);
      for (const a of replay) {
        const d = decide(a, longClock, longData);
        seen.set(`${t}|${a.symbol}`, d);
        if (d.includes('"side"')) candidates.push([t, a.symbol]);
        else statuses.add(JSON.parse(d).skip.replace(/ \(.*$/, ''));
      }
    }
    assert.ok(candidates.length > 20, `the replay produced ${candidates.length} candidates`);
    assert.ok(statuses.size >= 4, `statuses seen: ${[...statuses].join(', ')}`);

    // Fresh agents at sampled times: every 10th candidate plus a spread of other times.
    const step = Math.max(M5, Math.floor((end - start) / 25 / M5) * M5);
    const samples: [number, string][] = candidates.filter((_, i) => i % Math.ceil(candidates.length / 12) === 0);
    for (let t = start + step; t < end; t += step) for (const s of SYMBOLS) samples.push([t, s]);
    let compared = 0;
    samples.sort((a, b) => a[0] - b[0]);
    const clock = new SimClock(0);
    const source = await sampleSource(clock, SYMBOLS);
    for (const [t, symbol] of samples) {
      clock.set(t);
      const data = endingAt(source, t);
      const fresh = agentsFor(cfg).find((a) => a.symbol === symbol)!;
      assert.equal(decide(fresh, clock, data), seen.get(`${t}|${symbol}`), `${symbol} at ${new Date(t).toISOString()}`);
      compared++;
    }
    assert.ok(compared >= 60, `compared ${compared} decisions`);
    console.log(`      ${compared} decisions compared, ${candidates.length} candidates in the replay, statuses: ${[...statuses].join(', ')}`);
  });
});
