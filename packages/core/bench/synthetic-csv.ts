/** A deterministic synthetic M1 series written as an MT5 CSV (generated once per machine, in the OS temp dir). */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function syntheticDir(bars: number): string {
  const dir = path.join(tmpdir(), 'tradekit-bench', `m1-${bars}`);
  const file = path.join(dir, 'EURUSD_M1.csv');
  if (existsSync(file)) return dir;
  mkdirSync(dir, { recursive: true });
  let x = 1.1;
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['time,open,high,low,close,volume'];
  let t = Date.UTC(2021, 0, 4);
  for (let i = 0; i < bars; i++) {
    const o = x;
    x *= 1 + (rnd() - 0.5) * 0.0004;
    x += (1.1 - x) * 0.0005;
    const h = Math.max(o, x) + rnd() * 0.0002;
    const l = Math.min(o, x) - rnd() * 0.0002;
    lines.push(`${new Date(t).toISOString().slice(0, 19).replace('T', ' ')},${o.toFixed(5)},${h.toFixed(5)},${l.toFixed(5)},${x.toFixed(5)},${100 + (i % 50)}`);
    t += 60_000;
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return dir;
}

export function smaConfig(dir: string, examples: string, agent: string): string {
  return `run: { name: bench, mode: backtest, cycleSeconds: 60, warmupBars: 30 }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${dir}, serverTime: { utcOffsetHours: 0, dst: none }, symbolInfo: { EURUSD: { digits: 5, spread: 2 } } } }
broker: { use: '@tradekit/core/paper', with: { balance: 100000 } }
agents: ${agent ? `[{ use: ${path.join(examples, 'sma-crossover')}, with: ${agent} }]` : '[]'}
state: { url: memory }
`;
}
