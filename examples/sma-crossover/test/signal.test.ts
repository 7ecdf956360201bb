import assert from 'node:assert/strict';
import { crossSignal, crossStep } from '../src/signal.js';

describe('SMA crossover signal', () => {
  it('fires +1 on the bar where the fast average crosses above the slow one, −1 below, 0 otherwise', () => {
    // fast 2 / slow 3 on hand-checked values.
    // closes 5,4,3,2,6: prev (…3,2): fast 2.5, slow 3.0; now (2,6): fast 4.0, slow (3+2+6)/3 = 3.67 → up
    assert.deepEqual(crossSignal([5, 4, 3, 2, 6], 2, 3), { cross: 1, trend: 1 });
    // 1,2,3,4,0: prev fast 3.5 > slow 3; now fast 2 < slow 2.33 → down
    assert.deepEqual(crossSignal([1, 2, 3, 4, 0], 2, 3), { cross: -1, trend: -1 });
    assert.deepEqual(crossSignal([1, 2, 3, 4, 5], 2, 3), { cross: 0, trend: 1 }, 'already above: no new cross');
    assert.deepEqual(crossSignal([1, 2, 3], 2, 3), { cross: 0, trend: 0 }, 'not enough bars');
  });

  it('agrees with a brute-force scan over a random walk', () => {
    let x = 100;
    const closes: number[] = [];
    for (let i = 0; i < 2000; i++) closes.push((x += Math.sin(i * 1.7) * 0.8 + Math.cos(i * 0.3) * 0.5));
    const sma = (end: number, n: number) => closes.slice(end - n, end).reduce((a, b) => a + b, 0) / n;
    let crosses = 0;
    for (let n = 31; n <= closes.length; n++) {
      const want = Math.sign(sma(n, 10) - sma(n, 30)) !== Math.sign(sma(n - 1, 10) - sma(n - 1, 30)) ? Math.sign(sma(n, 10) - sma(n, 30)) : 0;
      const got = crossSignal(closes.slice(0, n), 10, 30).cross;
      assert.equal(got, want, `bar ${n}`);
      if (got) crosses++;
    }
    assert.ok(crosses > 10);
  });

  it('crossStep, one value on from the last, equals crossSignal bit for bit (a sum of the same values in the same order)', () => {
    let x = 1.1;
    const closes: number[] = [];
    for (let i = 0; i < 5000; i++) closes.push(Math.round((x += Math.sin(i * 0.37) * 0.0007 + Math.cos(i * 0.11) * 0.0004) * 1e5) / 1e5);
    const st = { cross: 0 as -1 | 0 | 1, trend: 0 as -1 | 0 | 1, fSum: Number.NaN, sSum: Number.NaN };
    let crosses = 0;
    for (let n = 30; n <= closes.length; n++) {
      crossStep(closes, 10, 30, st, n);
      const want = crossSignal(closes.slice(0, n), 10, 30);
      assert.deepEqual([st.cross, st.trend], [want.cross, want.trend], `value ${n}`);
      if (st.cross) crosses++;
    }
    assert.ok(crosses > 20, `crosses (${crosses})`);
  });
});
