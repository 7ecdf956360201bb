import assert from 'node:assert/strict';
import { computeStats } from '@tradekit/core';

const DAY = 86_400_000;
const curve = (v: number[]) => v.map((x, i) => ({ time: i * DAY, balance: x, equity: x }));

describe('computeStats drawdown duration', () => {
  it('a curve that only rises has no drawdown and no drawdown duration', () => {
    const s = computeStats([], curve([10_000, 10_100, 10_200, 10_300]), 10_000, 0);
    assert.equal(s.maxDrawdownPct, 0);
    assert.equal(s.maxDrawdownDurationMs, 0);
  });

  it('a flat curve has no drawdown duration', () => {
    const s = computeStats([], curve([10_000, 10_000, 10_000]), 10_000, 0);
    assert.equal(s.maxDrawdownDurationMs, 0);
  });
});
