/** The summary's numbers print exactly as `toLocaleString('en-US')` does, without Intl. */
import assert from 'node:assert/strict';
import { fmtInt, fmtNum } from '../src/backtest/summary.js';

describe('summary number format', () => {
  it('equals toLocaleString for fixed decimals: ties, carries, signs, huge and tiny values', () => {
    const loc = (v: number, d: number) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
    const cases = [
      0,
      -0,
      1.005,
      2.675,
      -0.001,
      0.5,
      -0.5,
      9.995,
      999.995,
      -999999.995,
      123456.785,
      1e20,
      1e21,
      5e-7,
      -5e-7,
      0.30000000000000004,
      Number.MAX_SAFE_INTEGER,
    ];
    let s = 1;
    const r = () => (s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20_000; i++) cases.push((r() - 0.5) * 10 ** (Math.floor(r() * 30) - 10), Math.round(r() * 1e6) / 1000 + 0.005);
    for (const v of cases) for (const d of [0, 1, 2, 4]) assert.equal(fmtNum(v, d), loc(v, d), `${v} with ${d} decimals`);
    for (const n of [0, 7, 999, 1000, 999_700, 1_234_567_890, 2 ** 53]) assert.equal(fmtInt(n), n.toLocaleString('en-US'));
    assert.deepEqual([fmtNum(Infinity), fmtNum(-Infinity), fmtNum(Number.NaN), fmtNum(null)], ['∞', '-∞', '—', '—']);
  });
});
