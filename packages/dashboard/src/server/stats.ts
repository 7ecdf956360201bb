/**
 * Journal statistics over closed trades: win rate, profit factor, expectancy, planned and realized
 * R:R, drawdown of the realized balance, breakdowns, and the per-confluence-factor edge (win rate and
 * expectancy of trades where a factor was present versus absent). The original's edge table looked for
 * "✓" while details said "OK", so it was always zero; here a factor's value is read by meaning.
 */
import type { TradeRecord } from '@tradekit/core';

export type { Bucket, FactorEdge, JournalStats } from '../shared/api-types.js';
import type { Bucket, FactorEdge, JournalStats } from '../shared/api-types.js';

const r2 = (v: number) => Math.round(v * 100) / 100;
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

function bucket(ts: TradeRecord[]): Bucket {
  const wins = ts.filter((t) => t.profit > 0).length;
  const losses = ts.filter((t) => t.profit < 0).length;
  const net = ts.reduce((s, t) => s + t.profit, 0);
  return {
    trades: ts.length,
    wins,
    losses,
    winRate: ts.length ? r4(wins / ts.length) : null,
    netProfit: r2(net),
    expectancy: ts.length ? r2(net / ts.length) : null,
  };
}

function group(ts: TradeRecord[], key: (t: TradeRecord) => string): Record<string, Bucket> {
  const m = new Map<string, TradeRecord[]>();
  for (const t of ts) {
    const k = key(t);
    const list = m.get(k) ?? [];
    list.push(t);
    m.set(k, list);
  }
  return Object.fromEntries([...m].sort((a, b) => b[1].length - a[1].length).map(([k, v]) => [k, bucket(v)]));
}

/**
 * A factor's presence from whatever an agent wrote: `true`, a positive number, "OK"/"✓"/"pass"/"yes",
 * or an object with `pass`/`ok`/`hit`/`met`/`present`/`value`. `undefined` means "not a factor value".
 */
export function factorPresent(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v > 0 : undefined;
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^(ok|✓|✔|pass(ed)?|yes|true|hit|met|aligned|confirmed)(?=$|[\s:(,.!-])/i.test(s)) return true;
    if (/^(no|✗|✘|x|fail(ed)?|false|miss(ed)?|none|against|not)(?=$|[\s:(,.!-])/i.test(s)) return false;
    return undefined;
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of ['pass', 'passed', 'ok', 'hit', 'met', 'present', 'value', 'score']) if (k in o) return factorPresent(o[k]);
  }
  return undefined;
}

/** The factor map of a trade's details: `details.factors`, `details.confluence`, or an array of `{name, …}`. */
export function factorsOf(details: Record<string, unknown> | undefined): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (!details) return out;
  const container = details.factors ?? details.confluence ?? details.confluenceFactors;
  const take = (name: string, v: unknown) => {
    const p = factorPresent(v);
    if (p !== undefined) out[name] = p;
  };
  if (Array.isArray(container)) {
    for (const f of container) if (f && typeof f === 'object' && typeof (f as { name?: unknown }).name === 'string') take((f as { name: string }).name, f);
  } else if (container && typeof container === 'object') {
    for (const [k, v] of Object.entries(container as Record<string, unknown>)) take(k, v);
  }
  return out;
}

export function journalStats(trades: TradeRecord[], opts: { minTrades?: number } = {}): JournalStats {
  const minTrades = opts.minTrades ?? 3;
  const closed = trades.filter((t) => t.status === 'closed').sort((a, b) => (a.exitTime ?? 0) - (b.exitTime ?? 0));
  const wins = closed.filter((t) => t.profit > 0);
  const losses = closed.filter((t) => t.profit < 0);
  const grossProfit = wins.reduce((s, t) => s + t.profit, 0);
  const grossLoss = losses.reduce((s, t) => s + t.profit, 0);
  const net = grossProfit + grossLoss;
  const avgWin = wins.length ? grossProfit / wins.length : null;
  const avgLoss = losses.length ? grossLoss / losses.length : null;

  const planned: number[] = [];
  const realized: number[] = [];
  for (const t of closed) {
    const risk = t.sl !== undefined ? Math.abs(t.entryPrice - t.sl) : 0;
    if (risk > 0 && t.tp !== undefined) planned.push(Math.abs(t.tp - t.entryPrice) / risk);
    if (risk > 0 && t.exitPrice !== undefined) realized.push(((t.exitPrice - t.entryPrice) * (t.side === 'buy' ? 1 : -1)) / risk);
  }
  const mean = (xs: number[]) => (xs.length ? r4(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

  let run = 0;
  let maxRun = 0;
  let cum = 0;
  let peak = 0;
  let maxDd = 0;
  const curve: JournalStats['curve'] = [];
  for (const t of closed) {
    run = t.profit < 0 ? run + 1 : 0;
    maxRun = Math.max(maxRun, run);
    cum += t.profit;
    peak = Math.max(peak, cum);
    maxDd = Math.max(maxDd, peak - cum);
    curve.push({ time: t.exitTime ?? t.entryTime, cumulative: r2(cum) });
  }

  const names = new Set<string>();
  const perTrade = closed.map((t) => {
    const f = factorsOf(t.details);
    for (const k of Object.keys(f)) names.add(k);
    return f;
  });
  const factors: FactorEdge[] = [...names].sort().map((factor) => {
    const yes = closed.filter((_, i) => perTrade[i]![factor] === true);
    const no = closed.filter((_, i) => perTrade[i]![factor] === false);
    const w = bucket(yes);
    const wo = bucket(no);
    return {
      factor,
      with: w,
      without: wo,
      winRateEdge: w.winRate !== null && wo.winRate !== null ? r4((w.winRate - wo.winRate) * 100) : null,
      expectancyEdge: w.expectancy !== null && wo.expectancy !== null ? r2(w.expectancy - wo.expectancy) : null,
      significant: yes.length >= minTrades && no.length >= minTrades,
    };
  });

  return {
    trades: closed.length,
    open: trades.length - closed.length,
    wins: wins.length,
    losses: losses.length,
    breakeven: closed.length - wins.length - losses.length,
    winRate: closed.length ? r4(wins.length / closed.length) : null,
    grossProfit: r2(grossProfit),
    grossLoss: r2(grossLoss),
    netProfit: r2(net),
    profitFactor: grossLoss < 0 ? r4(grossProfit / -grossLoss) : null,
    expectancy: closed.length ? r2(net / closed.length) : null,
    avgWin: avgWin === null ? null : r2(avgWin),
    avgLoss: avgLoss === null ? null : r2(avgLoss),
    payoffRatio: avgWin !== null && avgLoss !== null && avgLoss < 0 ? r4(avgWin / -avgLoss) : null,
    avgPlannedRR: mean(planned),
    avgRealizedR: mean(realized),
    maxConsecutiveLosses: maxRun,
    maxDrawdown: r2(maxDd),
    bySymbol: group(closed, (t) => t.symbol),
    bySide: group(closed, (t) => t.side),
    byExitReason: group(closed, (t) => t.exitReason ?? 'unknown'),
    factors,
    curve,
  };
}
