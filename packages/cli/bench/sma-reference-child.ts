/**
 * The whole-process reference of backtest-process.bench.ts: a Node process that only loads the CSV
 * (plain JavaScript, no tradekit code) and runs the hand-written SMA loop over its closes, printing
 * { bars, trades, loadMs, loopMs } as JSON. Usage: node sma-reference-child.js <csv> <from-bar>
 */
import { performance } from 'node:perf_hooks';
import { reference } from './core-bench.js';

const [file, from] = process.argv.slice(2);
if (!file) throw new Error('usage: sma-reference-child.js <csv> [from-bar]');
const t0 = performance.now();
const cols = reference.loadCsvColumns(file);
const t1 = performance.now();
const r = reference.smaReference(cols.close, Number(from ?? 0));
const t2 = performance.now();
process.stdout.write(JSON.stringify({ bars: r.bars, trades: r.trades, loadMs: t1 - t0, loopMs: t2 - t1 }));
