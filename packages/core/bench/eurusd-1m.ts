/**
 * The 1M-bar SMA case of issue 12: one million H1 bars of EURUSD made by tiling
 * examples/data/EURUSD_H1.csv end to end (each tile's timestamps shifted by the file's span, one
 * hour past its last bar; prices as written), under the OS temp dir, written once per machine.
 * Written to a temporary name and renamed, so an interrupted write never leaves a short file behind.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BARS_1M = 1_000_000;
const HOUR = 3_600_000;

/** The repository root (this file is compiled to packages/core/dist/bench/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export function eurusd1mDir(bars = BARS_1M): string {
  const dir = path.join(tmpdir(), 'tradekit-bench', bars === BARS_1M ? 'eurusd-h1-1m' : `eurusd-h1-${bars}`);
  const file = path.join(dir, 'EURUSD_H1.csv');
  if (existsSync(file)) return dir;
  mkdirSync(dir, { recursive: true });
  const src = readFileSync(path.join(REPO_ROOT, 'examples', 'data', 'EURUSD_H1.csv'), 'latin1').split('\n');
  const header = src[0]!;
  const rows = src.slice(1).filter((l) => l.trim() !== '');
  const parse = (l: string) => Date.parse(`${l.slice(0, 19).replace(' ', 'T')}Z`);
  const times = rows.map(parse);
  const rest = rows.map((l) => l.slice(l.indexOf(',')));
  const span = times[times.length - 1]! - times[0]! + HOUR;
  const out: string[] = [header];
  for (let i = 0; i < bars; i++) {
    const k = i % rows.length;
    const tile = (i - k) / rows.length;
    out.push(new Date(times[k]! + tile * span).toISOString().slice(0, 19).replace('T', ' ') + rest[k]!);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${out.join('\n')}\n`);
  renameSync(tmp, file);
  return dir;
}

export interface SmaCaseOptions {
  /** The example plugin's `with:` (fast 10, slow 30, H1, volume 0.1 unless overridden); `null` = no agent. */
  agent?: Record<string, unknown> | null;
  name?: string;
}

/** The issue's config of the 1M-bar SMA case (spread 0, no commission, balance 100000, memory state). */
export function smaCaseConfig(dir: string, o: SmaCaseOptions = {}): string {
  const agent = o.agent === null ? undefined : { fast: 10, slow: 30, timeframe: 'H1', volume: 0.1, ...o.agent };
  return `run: { name: ${o.name ?? 'sma1m'}, mode: backtest, timeframe: H1 }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${JSON.stringify(dir)}, serverTime: { utcOffsetHours: 0, dst: none }, symbolInfo: { EURUSD: { digits: 5, spread: 0 } } } }
broker: { use: '@tradekit/core/paper', with: { balance: 100000, commissionPerLot: 0 } }
agents: ${agent ? `[{ use: ${JSON.stringify(path.join(REPO_ROOT, 'examples', 'sma-crossover'))}, with: ${JSON.stringify(agent)} }]` : '[]'}
state: { url: memory }
`;
}

/** Writes `smaCaseConfig` next to the data (the CSV source reads only `<SYMBOL>_<TF>.csv` there). */
export function writeSmaCaseConfig(dir: string, file: string, o: SmaCaseOptions = {}): string {
  const f = path.join(dir, file);
  writeFileSync(f, smaCaseConfig(dir, o));
  return f;
}

/** The default warm-up (run.warmupBars): the first cycle sees bars 0…300, so the reference starts at 300. */
export const WARMUP_BARS = 300;
