import assert from 'node:assert/strict';
import type { TradeRecord } from '@tradekit/core';
import { classifyStatus, factorPresent, factorsOf, journalStats } from '../src/index.js';

function trade(i: number, profit: number, details?: Record<string, unknown>, extra: Partial<TradeRecord> = {}): TradeRecord {
  return {
    positionId: String(i),
    symbol: 'XAUUSD',
    side: 'buy',
    volume: 0.1,
    openVolume: 0,
    entryTime: i * 1000,
    entryPrice: 100,
    exitTime: i * 1000 + 500,
    exitPrice: 100 + profit / 10,
    profit,
    commission: 0,
    swap: 0,
    status: 'closed',
    details,
    ...extra,
  };
}

describe('journal statistics', () => {
  it('computes win rate, profit factor, expectancy, R multiples, streaks and drawdown', () => {
    const ts = [
      trade(1, 30, undefined, { sl: 99, tp: 103 }),
      trade(2, -10, undefined, { sl: 99, tp: 102 }),
      trade(3, -10),
      trade(4, 20),
      { ...trade(5, 5), status: 'open' as const },
    ];
    const s = journalStats(ts);
    assert.equal(s.trades, 4);
    assert.equal(s.open, 1);
    assert.equal(s.winRate, 0.5);
    assert.equal(s.profitFactor, 2.5);
    assert.equal(s.expectancy, 7.5);
    assert.equal(s.avgPlannedRR, 2.5);
    assert.equal(s.avgRealizedR, 1);
    assert.equal(s.maxConsecutiveLosses, 2);
    assert.equal(s.maxDrawdown, 20);
    assert.deepEqual(
      s.curve.map((p) => p.cumulative),
      [30, 20, 10, 30],
    );
    assert.equal(journalStats([]).winRate, null);
  });

  it('reads confluence factors by meaning ("OK", "✓", true, numbers, objects): the edge table is not always zero', () => {
    assert.equal(factorPresent('OK'), true);
    assert.equal(factorPresent('✓ aligned'), true);
    assert.equal(factorPresent('✗'), false);
    assert.equal(factorPresent({ pass: false, value: 3 }), false);
    assert.equal(factorPresent(0.7), true);
    assert.equal(factorPresent('maybe'), undefined);
    assert.deepEqual(
      factorsOf({
        factors: [
          { name: 'fvg', hit: true },
          { name: 'ob', hit: false },
        ],
      }),
      { fvg: true, ob: false },
    );
    const ts = [
      trade(1, 50, { factors: { trend: 'OK', sweep: 'NO' } }),
      trade(2, 40, { factors: { trend: 'OK', sweep: 'OK' } }),
      trade(3, -20, { factors: { trend: 'OK', sweep: 'OK' } }),
      trade(4, -30, { confluence: { trend: false, sweep: true } }),
      trade(5, -10, { confluence: { trend: false, sweep: '✓' } }),
      trade(6, -10, { factors: { trend: false, sweep: false } }),
    ];
    const s = journalStats(ts, { minTrades: 3 });
    const trend = s.factors.find((f) => f.factor === 'trend')!;
    assert.equal(trend.with.trades, 3);
    assert.equal(trend.with.winRate, 0.6667);
    assert.equal(trend.without.winRate, 0);
    assert.equal(trend.winRateEdge, 66.67);
    assert.equal(trend.expectancyEdge, 40);
    assert.equal(trend.significant, true);
    const sweep = s.factors.find((f) => f.factor === 'sweep')!;
    assert.equal(sweep.with.trades, 4);
    assert.equal(sweep.significant, false);
  });

  it('classifies scan statuses so candidates and fills are signals, not SKIP', () => {
    assert.equal(classifyStatus('CANDIDATE (BUY)'), 'signal');
    assert.equal(classifyStatus('FILLED (BUY 0.1 @ 4702.53)'), 'filled');
    assert.equal(classifyStatus('News Blackout'), 'news');
    assert.equal(classifyStatus('Spread too wide'), 'spread');
    assert.equal(classifyStatus('Exec Block: Trading halted'), 'blocked');
    assert.equal(classifyStatus('Low Score (2/5)'), 'skip');
    assert.equal(classifyStatus('Market Too Dead'), 'lowvol');
    assert.equal(classifyStatus('Error: boom'), 'error');
    assert.equal(classifyStatus(undefined), 'idle');
  });
});
