/** Comparing two strategy runs record by record over a time window: the first difference, in words. */
import type { StrategyRun } from './run-strategy.js';
import { iso } from './assertion.js';

export type RecordKind = 'decision' | 'signal' | 'order' | 'trade';

export interface RecordDiff {
  kind: RecordKind;
  /** When the first differing record happened (epoch ms UTC). */
  time: number;
  /** The reference run's record (undefined: it had none there). */
  expected?: string;
  actual?: string;
}

interface Entry {
  time: number;
  text: string;
}

/** Every record of a run in a window, as text, by kind (trades: those closed in the window). */
export function recordsOf(r: StrategyRun, from: number, to: number): Record<RecordKind, Entry[]> {
  const inside = (t: number): boolean => t >= from && t <= to;
  return {
    decision: r.decisions.filter((d) => inside(d.time)).map((d) => ({ time: d.time, text: `${iso(d.time)} ${d.symbol}: ${d.status}` })),
    signal: r.signals.filter((s) => inside(s.time)).map((s) => ({ time: s.time, text: `${iso(s.time)} ${JSON.stringify(s.candidate)}` })),
    order: r.orders.filter((o) => inside(o.time)).map((o) => ({ time: o.time, text: `${iso(o.time)} ${o.event} ${JSON.stringify(o.data)}` })),
    trade: r.trades.filter((t) => t.entryTime >= from && inside(t.exitTime)).map((t) => ({ time: t.exitTime, text: JSON.stringify(t) })),
  };
}

export interface Comparison {
  /** Records compared (the reference run's, all kinds). */
  compared: number;
  diff?: RecordDiff;
}

/** The earliest record where `actual` differs from `expected` within [from, to]. */
export function compareRuns(expected: StrategyRun, actual: StrategyRun, from: number, to: number): Comparison {
  const a = recordsOf(expected, from, to);
  const b = recordsOf(actual, from, to);
  let compared = 0;
  let diff: RecordDiff | undefined;
  for (const kind of ['decision', 'signal', 'order', 'trade'] as const) {
    const x = a[kind];
    const y = b[kind];
    compared += x.length;
    const n = Math.max(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (x[i]?.text === y[i]?.text) continue;
      const time = Math.min(x[i]?.time ?? Infinity, y[i]?.time ?? Infinity);
      if (!diff || time < diff.time) diff = { kind, time, expected: x[i]?.text, actual: y[i]?.text };
      break;
    }
  }
  return { compared, diff };
}

export function describeDiff(d: RecordDiff): string {
  return `first difference (${d.kind}) at ${iso(d.time)}:\n    expected: ${d.expected ?? '(nothing)'}\n    actual:   ${d.actual ?? '(nothing)'}`;
}
