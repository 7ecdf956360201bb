import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/core/test (the source tree: fixtures live there, compiled tests run from dist/test). */
export const TEST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test');
export const REPO_ROOT = path.resolve(TEST_DIR, '../../..');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');

export function tempDir(prefix = 'tk-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Row = [time: string, open: number, high: number, low: number, close: number, volume?: number, spread?: number];

/** Writes `{symbol}_{tf}.csv` in MT5 format (with a `spread` column when any row has one). Times are written as given (server time). */
export function writeCsv(dir: string, symbol: string, tf: string, rows: readonly Row[]): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${symbol}_${tf}.csv`);
  const spread = rows.some((r) => r[6] !== undefined);
  const line = (r: Row): string => `${r[0]},${r[1]},${r[2]},${r[3]},${r[4]},${r[5] ?? 100}${spread ? `,${r[6] ?? 0}` : ''}`;
  writeFileSync(file, `time,open,high,low,close,volume${spread ? ',spread' : ''}\n${rows.map(line).join('\n')}\n`);
  return file;
}

/** `n` bars of `tfMin` minutes from `start` (UTC text, no zone), flat at `price` unless `shape` says otherwise. */
export function bars(
  start: string,
  tfMin: number,
  n: number,
  shape: (i: number) => [o: number, h: number, l: number, c: number] = () => [1.1, 1.1, 1.1, 1.1],
): Row[] {
  const t0 = Date.parse(`${start.replace(' ', 'T')}Z`);
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(t0 + i * tfMin * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    out.push([t, ...shape(i)]);
  }
  return out;
}

export const utc = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);
