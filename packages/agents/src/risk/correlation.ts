/**
 * Correlation guard. Live: Pearson ρ of log returns over the last N common closes of the candidate's
 * symbol and each open position's symbol (the seed correlated raw prices, and compared a symbol with
 * itself: ρ = 1 blocked stacking even with MAX_CONCURRENT = 10). Positions on the same symbol are
 * excluded. When live data is unavailable, the static groups decide.
 * Conflict: ρ > max with the same direction, or ρ < −max with the opposite direction.
 */
import type { BarSeries, Side } from '@tradekit/core';
import type { CorrelationGroup } from './config.js';

/** ρ of log returns over bar times both series share; undefined with fewer than `minPairs` returns. */
export function returnCorrelation(a: BarSeries, b: BarSeries, minPairs = 20): number | undefined {
  const bByTime = new Map<number, number>();
  for (let i = 0; i < b.length; i++) bByTime.set(b.time[i]!, b.close[i]!);
  const ra: number[] = [];
  const rb: number[] = [];
  let prevA = Number.NaN;
  let prevB = Number.NaN;
  for (let i = 0; i < a.length; i++) {
    const cb = bByTime.get(a.time[i]!);
    if (cb === undefined) continue;
    const ca = a.close[i]!;
    if (prevA > 0 && prevB > 0 && ca > 0 && cb > 0) {
      ra.push(Math.log(ca / prevA));
      rb.push(Math.log(cb / prevB));
    }
    prevA = ca;
    prevB = cb;
  }
  if (ra.length < minPairs) return undefined;
  return pearson(ra, rb);
}

export function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  if (n < 2 || y.length !== n) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return undefined;
  return sxy / Math.sqrt(sxx * syy);
}

export function conflicts(rho: number, max: number, a: Side, b: Side): boolean {
  return (rho > max && a === b) || (rho < -max && a !== b);
}

/** Static-group conflict between two base symbols, as a group name, or undefined. */
export function groupConflict(groups: Record<string, CorrelationGroup>, a: string, sideA: Side, b: string, sideB: Side): string | undefined {
  if (a === b) return undefined;
  for (const [name, g] of Object.entries(groups)) {
    const inv = g.inverse ?? [];
    const aIn = g.members.includes(a);
    const bIn = g.members.includes(b);
    const aInv = inv.includes(a);
    const bInv = inv.includes(b);
    if (aIn && bIn && sideA === sideB) return name;
    if (((aIn && bInv) || (aInv && bIn)) && sideA !== sideB) return name;
  }
  return undefined;
}
