/**
 * Golden results: a value (usually `goldenOf(run)`) written once as stable JSON, compared on every
 * later run. A mismatch throws TK_ERR_TESTKIT_GOLDEN with a line diff around the first differing
 * line; `TK_UPDATE_GOLDEN=1` (or `{ update: true }`) rewrites the file instead. A missing file is
 * written — except under `CI`, where it is an error (a golden file must be committed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestkitAssertionError, iso } from './assertion.js';
import type { StrategyRun } from './run-strategy.js';

export interface GoldenOptions {
  /** Rewrite the file (default: `TK_UPDATE_GOLDEN` is set to something other than `0`/empty). */
  update?: boolean;
  /** Lines of context around the first difference (default 3). */
  context?: number;
  env?: NodeJS.ProcessEnv;
}

export interface GoldenResult {
  file: string;
  /** `written`: new or updated; `matched`: the same as the file. */
  outcome: 'written' | 'matched';
}

/** JSON with sorted keys, typed arrays as arrays, two-space indent and a final newline. */
export function stableJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const src =
        typeof (v as { toJSON?: unknown }).toJSON === 'function'
          ? ((v as { toJSON(): unknown }).toJSON() as Record<string, unknown>)
          : (v as Record<string, unknown>);
      if (src !== v) return norm(src);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(src).sort()) if (src[k] !== undefined) out[k] = norm(src[k]);
      return out;
    }
    return v;
  };
  return `${JSON.stringify(norm(value), null, 2)}\n`;
}

/**
 * A compact, stable view of a strategy run for a golden file: status changes per symbol (not every
 * cycle), candidates, orders, trades and the statistics.
 */
export function goldenOf(run: StrategyRun): Record<string, unknown> {
  const last = new Map<string, string>();
  const decisions: string[] = [];
  for (const d of run.decisions) {
    if (last.get(d.symbol) === d.status) continue;
    last.set(d.symbol, d.status);
    decisions.push(`${iso(d.time)} ${d.symbol}: ${d.status}`);
  }
  return {
    decisions,
    signals: run.signals.map((s) => ({ time: iso(s.time), ...s.candidate })),
    orders: run.orders.map((o) => ({ time: iso(o.time), event: o.event, data: o.data })),
    trades: run.trades.map((t) => ({ ...t, entryTime: iso(t.entryTime), exitTime: iso(t.exitTime) })),
    stats: run.result.stats,
  };
}

function lineDiff(expected: string, actual: string, context: number): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // The same from the end, so an insertion shows as one.
  let ea = a.length - 1;
  let eb = b.length - 1;
  while (ea > i && eb > i && a[ea] === b[eb]) {
    ea--;
    eb--;
  }
  const out: string[] = [`@@ line ${i + 1} @@`];
  for (let k = Math.max(0, i - context); k < i; k++) out.push(`  ${a[k]}`);
  const shown = 40;
  for (let k = i; k <= ea && k < i + shown; k++) out.push(`- ${a[k]}`);
  if (ea - i + 1 > shown) out.push(`- … ${ea - i + 1 - shown} more`);
  for (let k = i; k <= eb && k < i + shown; k++) out.push(`+ ${b[k]}`);
  if (eb - i + 1 > shown) out.push(`+ … ${eb - i + 1 - shown} more`);
  for (let k = ea + 1; k < Math.min(a.length, ea + 1 + context); k++) out.push(`  ${a[k]}`);
  return out.join('\n');
}

/** Compares `value` with the golden `file` (or writes it: see the module's comment). */
export function matchGolden(file: string, value: unknown, o: GoldenOptions = {}): GoldenResult {
  const env = o.env ?? process.env;
  const update = o.update ?? (!!env.TK_UPDATE_GOLDEN && env.TK_UPDATE_GOLDEN !== '0');
  const text = typeof value === 'string' ? value : stableJson(value);
  const abs = path.resolve(file);
  if (update || !existsSync(abs)) {
    if (!update && env.CI) {
      throw new TestkitAssertionError(
        'TK_ERR_TESTKIT_GOLDEN',
        `golden file ${abs} is missing (CI: not written); run the test once with TK_UPDATE_GOLDEN=1 and commit the file`,
        { details: { file: abs } },
      );
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    return { file: abs, outcome: 'written' };
  }
  const expected = readFileSync(abs, 'utf8');
  if (expected === text) return { file: abs, outcome: 'matched' };
  throw new TestkitAssertionError(
    'TK_ERR_TESTKIT_GOLDEN',
    `result differs from the golden file ${abs} (- golden, + now; TK_UPDATE_GOLDEN=1 rewrites it):\n${lineDiff(expected, text, o.context ?? 3)}`,
    { actual: text, expected, operator: 'strictEqual', details: { file: abs } },
  );
}
