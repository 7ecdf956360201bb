/** Smart-money features: causal by construction, and a break of structure fires on the newest bar. */
import assert from 'node:assert/strict';
import { SmcTracker, FeatureTrack, SMC_DEFAULTS, type StructureBreak } from '@tradekit/agents';

const P = { ...SMC_DEFAULTS, lookback: 5, momentum: 1.5, sweepRecentBars: 2, fvgMinAtr: 0, maxZones: 10 };

function feed(t: SmcTracker, bars: [number, number, number, number][], atr = 1): void {
  bars.forEach(([o, h, l, c], i) => {
    t.update(i * 300_000, o, h, l, c, atr);
  });
}

describe('smart-money features', () => {
  it('a momentum close above the previous 5 highs is a bullish break of structure on that very bar', () => {
    const t = new SmcTracker(P);
    // five quiet bars in a 10.0–10.4 range, bodies 0.1
    feed(t, [
      [10.1, 10.3, 10.0, 10.2],
      [10.2, 10.4, 10.1, 10.1],
      [10.1, 10.3, 10.0, 10.2],
      [10.2, 10.4, 10.1, 10.3],
      [10.3, 10.4, 10.1, 10.2],
    ]);
    assert.equal(t.bos, undefined);
    t.update(5 * 300_000, 10.2, 11.0, 10.15, 10.9, 1); // body 0.7 ≥ 1.5 × 0.12, close 10.9 > 10.4
    const bos = t.bos as StructureBreak | undefined;
    assert.ok(bos, "the breaking bar must register the BOS (the original's centred window never could)");
    assert.equal(bos.side, 'bull');
    assert.equal(bos.level, 10.4);
    assert.equal(bos.time, 5 * 300_000);
    t.update(6 * 300_000, 10.9, 10.95, 10.85, 10.9, 1);
    assert.equal(t.bos, undefined, 'a BOS belongs to the bar that broke');
    assert.equal(t.lastBos!.time, 5 * 300_000);
  });

  it('a bar that trades below the structure low and closes back above it is a sell-side sweep (buy signal)', () => {
    const t = new SmcTracker(P);
    feed(t, [
      [10.1, 10.3, 10.0, 10.2],
      [10.2, 10.4, 10.1, 10.1],
      [10.1, 10.3, 10.0, 10.2],
      [10.2, 10.4, 10.1, 10.3],
      [10.3, 10.4, 10.1, 10.2],
      [10.2, 10.25, 9.9, 10.15], // low 9.9 < 10.0, close back above
    ]);
    assert.equal(t.recentSweep('buy'), true);
    assert.equal(t.recentSweep('sell'), false);
    t.update(6 * 300_000, 10.15, 10.2, 10.1, 10.15, 1);
    assert.equal(t.recentSweep('buy'), true, 'still recent one bar later');
    t.update(7 * 300_000, 10.15, 10.2, 10.1, 10.15, 1);
    assert.equal(t.recentSweep('buy'), false, 'expired after sweepRecentBars');
  });

  it('a three-bar gap is a fair-value gap until price fills it', () => {
    const t = new SmcTracker(P);
    feed(t, [
      [10.0, 10.1, 9.9, 10.05],
      [10.05, 10.6, 10.05, 10.55],
      [10.55, 10.8, 10.3, 10.7], // low 10.3 > high two bars back 10.1 → bull FVG [10.1, 10.3]
    ]);
    assert.deepEqual(
      t.fvgs.map((z) => [z.side, z.bottom, z.top]),
      [['bull', 10.1, 10.3]],
    );
    assert.equal(t.nearZone(t.fvgs, 'buy', 10.4, 0.2, 0.5), true, 'within 0.5 ATR above the gap');
    assert.equal(t.nearZone(t.fvgs, 'buy', 10.5, 0.2, 0.5), false);
    assert.equal(t.nearZone(t.fvgs, 'sell', 10.2, 0.2, 0.5), false, 'a bull gap is no sell level');
    t.update(3 * 300_000, 10.7, 10.75, 10.05, 10.2, 1); // trades down through 10.1
    assert.equal(t.fvgs.length, 0);
  });

  it('the last down candle before a displacement up is a bullish order block, dead once price closes below it', () => {
    const t = new SmcTracker(P);
    const bars: [number, number, number, number][] = [];
    for (let i = 0; i < 20; i++) bars.push([10, 10.06, 9.96, i % 2 ? 10.02 : 9.98]); // bodies 0.02
    bars.push([10.0, 10.02, 9.9, 9.92]); // down candle
    bars.push([9.92, 10.3, 9.92, 10.28]); // displacement: body 0.36, closes above 10.02
    feed(t, bars);
    const ob = t.orderBlocks.at(-1)!;
    assert.deepEqual([ob.side, ob.bottom, ob.top], ['bull', 9.9, 10.02]);
    assert.equal(t.nearZone(t.orderBlocks, 'buy', 10.05, 0.1, 0.5), true);
    t.update(22 * 300_000, 10.28, 10.3, 9.8, 9.85, 1);
    assert.equal(t.orderBlocks.filter((z) => z.side === 'bull').length, 0);
  });

  it('the features at bar t do not change when later bars arrive (streamed vs cut at t)', () => {
    const bars: [number, number, number, number, number][] = [];
    let p = 100;
    let s = 3;
    const r = () => (s = (s * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 600; i++) {
      const o = p;
      p += (r() - 0.5) * 2;
      bars.push([i * 300_000, o, Math.max(o, p) + r(), Math.min(o, p) - r(), p]);
    }
    const full = new FeatureTrack('X', 'M5');
    const snapshots: string[] = [];
    for (const b of bars) {
      full.push(b[0], b[1], b[2], b[3], b[4], 100);
      snapshots.push(
        JSON.stringify({
          f: full.features,
          fvg: full.smc.fvgs,
          ob: full.smc.orderBlocks,
          bos: full.smc.bos,
          sweepB: full.smc.recentSweep('buy'),
          sweepS: full.smc.recentSweep('sell'),
        }),
      );
    }
    for (const t of [150, 321, 599]) {
      const cut = new FeatureTrack('X', 'M5');
      for (const b of bars.slice(0, t + 1)) cut.push(b[0], b[1], b[2], b[3], b[4], 100);
      const snap = JSON.stringify({
        f: cut.features,
        fvg: cut.smc.fvgs,
        ob: cut.smc.orderBlocks,
        bos: cut.smc.bos,
        sweepB: cut.smc.recentSweep('buy'),
        sweepS: cut.smc.recentSweep('sell'),
      });
      assert.equal(snap, snapshots[t]);
    }
  });
});
