/**
 * The same config run as a paper replay (a cycle every 300 s of simulated time) and as a backtest (a
 * cycle per M5 bar close) over the same bars must produce identical trades: one engine, one broker,
 * one fill model.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Run, runBacktest, silentLogger, type TradeRecord } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';

const config = (dir: string) => `run:
  name: parity
  mode: paper
  cycleSeconds: 300
  pace: max
  warmupBars: 60
  to: 2026-06-05
symbols: [EURUSD, XAUUSD]
data:
  use: '@tradekit/core/csv'
  with: { dir: ${path.join(EXAMPLES, 'data')}, timeframes: [M5] }
broker:
  use: '@tradekit/core/paper'
  with: { balance: 10000, commissionPerLot: 3.5, slippagePoints: 1 }
agents:
  - use: ${path.join(EXAMPLES, 'sma-crossover')}
    with: { fast: 10, slow: 30, timeframe: M5, volume: 0.1 }
state: { url: memory }
# written to ${dir}
`;

type Row = Pick<TradeRecord, 'symbol' | 'side' | 'volume' | 'entryTime' | 'entryPrice' | 'exitTime' | 'exitPrice' | 'exitReason' | 'profit'>;
const row = (t: Row): Row => ({
  symbol: t.symbol,
  side: t.side,
  volume: t.volume,
  entryTime: t.entryTime,
  entryPrice: t.entryPrice,
  exitTime: t.exitTime,
  exitPrice: t.exitPrice,
  exitReason: t.exitReason,
  profit: t.profit,
});

describe('replay and backtest parity', () => {
  it('a paper replay and a backtest over the same bars make identical trades', async () => {
    const { dir, cleanup } = tempDir('tk-parity-');
    try {
      const file = path.join(dir, 'parity.yaml');
      writeFileSync(file, config(dir));
      const run = await Run.load({ configFile: file, logger: silentLogger() });
      await run.start();
      const summary = await run.loop();
      assert.equal(summary.reason, 'endOfData');
      const replay = (await run.store.journal.listTrades({ status: 'closed' }))
        .map(row)
        .sort((a, b) => a.entryTime - b.entryTime || a.symbol.localeCompare(b.symbol));
      await run.close();

      const bt = await runBacktest({ configFile: file, closeAtEnd: false }, { logger: silentLogger() });
      const backtest = bt.trades
        .map((t) => row({ ...t, exitTime: t.exitTime, exitReason: t.exitReason }))
        .sort((a, b) => a.entryTime - b.entryTime || a.symbol.localeCompare(b.symbol));

      assert.ok(replay.length > 20, `the SMA agent traded (${replay.length} closed trades)`);
      assert.deepEqual(backtest, replay);
      // Fill model: a market order sent at a bar's close fills at the next bar's open (entry on a bar boundary).
      for (const t of backtest) assert.equal(t.entryTime % 300_000, 0);
    } finally {
      cleanup();
    }
  });
});
