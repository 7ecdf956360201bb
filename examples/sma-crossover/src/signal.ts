/** Where a fast and a slow simple moving average of closes stand on the last value. */
export interface CrossState {
  /** +1 fast crossed above slow on this value, −1 below, 0 no cross. */
  cross: -1 | 0 | 1;
  /** Sign of fast − slow on this value. */
  trend: -1 | 0 | 1;
}

/**
 * SMA state on the last value of `close` — or on the value before index `end` when given (one pass
 * over the `slow + 1` values before it). Writes into `out` when given (no allocation per bar).
 */
export function crossSignal<T extends CrossState>(close: ArrayLike<number>, fast: number, slow: number, out?: T, end = close.length): T | CrossState {
  const r = out ?? { cross: 0, trend: 0 };
  const n = end;
  if (n < slow + 1) {
    r.cross = 0;
    r.trend = 0;
    return r;
  }
  // The four window sums in one ascending pass; each adds its values left to right from 0, exactly
  // like a plain mean of the window, so ties resolve the same way as any textbook SMA.
  let fNow = 0;
  let sNow = 0;
  let fPrev = 0;
  let sPrev = 0;
  for (let i = n - 1 - slow; i < n; i++) {
    const c = close[i]!;
    if (i < n - 1) {
      sPrev += c;
      if (i >= n - 1 - fast) fPrev += c;
    }
    if (i >= n - slow) {
      sNow += c;
      if (i >= n - fast) fNow += c;
    }
  }
  return judge(r, fast, slow, fNow, sNow, fPrev, sPrev);
}

/** Where the averages stand from the four window sums. */
function judge<T extends CrossState>(r: T, fast: number, slow: number, fNow: number, sNow: number, fPrev: number, sPrev: number): T {
  const f = fNow / fast;
  const s = sNow / slow;
  const fp = fPrev / fast;
  const sp = sPrev / slow;
  r.trend = f > s ? 1 : f < s ? -1 : 0;
  r.cross = fp <= sp && f > s ? 1 : fp >= sp && f < s ? -1 : 0;
  return r;
}

/** A CrossState that also keeps the window sums of its last value (what `crossStep` starts from). */
export interface SteppedCross extends CrossState {
  /** Sum of the last `fast` values, added left to right from 0 (NaN: none yet). */
  fSum: number;
  /** Sum of the last `slow` values, the same way. */
  sSum: number;
}

/**
 * `crossSignal` on the value before `end` when the state holds the sums of the value before it (one
 * step on, as a bar feed moves): that value's windows are this one's previous windows — the same
 * values added in the same order — so only the two current sums are added up (bit-identical to
 * `crossSignal`, half the work). Without sums yet (`fSum` NaN) it does the whole pass.
 */
export function crossStep<T extends SteppedCross>(close: ArrayLike<number>, fast: number, slow: number, st: T, end: number): T {
  const fPrev = st.fSum;
  const sPrev = st.sSum;
  let fNow = 0;
  let sNow = 0;
  for (let i = end - slow; i < end; i++) sNow += close[i]!;
  for (let i = end - fast; i < end; i++) fNow += close[i]!;
  st.fSum = fNow;
  st.sSum = sNow;
  if (Number.isNaN(fPrev) || end < slow + 1) {
    crossSignal(close, fast, slow, st, end);
    return st;
  }
  return judge(st, fast, slow, fNow, sNow, fPrev, sPrev);
}
