/**
 * Correlation guard. Live: Pearson ρ of log returns over the last N common closes of the candidate's
 * symbol and each open position's symbol (the original correlated raw prices, and compared a symbol with
 * itself: ρ = 1 blocked stacking even with MAX_CONCURRENT = 10). Positions on the same symbol are
 * excluded. When live data is unavailable, the static groups decide.
 * Conflict: ρ > max with the same direction, or ρ < −max with the opposite direction.
 */
import type { BarSeries, Side } from '@tradekit/core';
import type { CorrelationGroup } from './config.js';

/** ρ of log returns over bar times both series share; undefined with fewer than `minPairs` returns. */
export function returnCorrelation(a: BarSeries, b: BarSeries, minPairs = 20): number | undefined {
  return new ReturnCorrelation().of(a, b, minPairs);
}

/**
 * `returnCorrelation` with its return series in scratch arrays kept between calls (a risk policy asks
 * for one per open position per order). Bar times ascend, so the common times are found by a merge; a
 * series that does not ascend is matched through a map, as before.
 */
export class ReturnCorrelation {
  private ra = new Float64Array(64);
  private rb = new Float64Array(64);

  of(a: BarSeries, b: BarSeries, minPairs = 20): number | undefined {
    if (this.ra.length < a.length) {
      this.ra = new Float64Array(a.length);
      this.rb = new Float64Array(a.length);
    }
    const ra = this.ra;
    const rb = this.rb;
    const ta = a.time;
    const tb = b.time;
    const ca = a.close;
    const cbs = b.close;
    const merge = ascending(ta) && ascending(tb);
    let bByTime: Map<number, number> | undefined;
    if (!merge) {
      bByTime = new Map<number, number>();
      for (let i = 0; i < b.length; i++) bByTime.set(tb[i]!, cbs[i]!);
    }
    let n = 0;
    let j = 0;
    let prevA = Number.NaN;
    let prevB = Number.NaN;
    for (let i = 0; i < a.length; i++) {
      let cb: number | undefined;
      if (merge) {
        const t = ta[i]!;
        while (j < b.length && tb[j]! < t) j++;
        cb = j < b.length && tb[j] === t ? cbs[j]! : undefined;
      } else cb = bByTime!.get(ta[i]!);
      if (cb === undefined) continue;
      const c = ca[i]!;
      if (prevA > 0 && prevB > 0 && c > 0 && cb > 0) {
        ra[n] = Math.log(c / prevA);
        rb[n] = Math.log(cb / prevB);
        n++;
      }
      prevA = c;
      prevB = cb;
    }
    if (n < minPairs) return undefined;
    return pearsonOf(ra, rb, n);
  }
}

function ascending(t: ArrayLike<number>): boolean {
  for (let i = 1; i < t.length; i++) if (!(t[i]! > t[i - 1]!)) return false;
  return true;
}

export function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  if (n < 2 || y.length !== n) return undefined;
  return pearsonOf(x, y, n);
}

/** Pearson ρ of the first `n` values of x and y (n ≥ 2). */
function pearsonOf(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number | undefined {
  if (n < 2) return undefined;
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
