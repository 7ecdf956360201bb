/** SMA state on the last value of `close`: the cross on that bar (+1 up, −1 down, 0 none) and the trend (sign of fast − slow). */
export function crossSignal(close: ArrayLike<number>, fast: number, slow: number): { cross: -1 | 0 | 1; trend: -1 | 0 | 1 } {
  const n = close.length;
  if (n < slow + 1) return { cross: 0, trend: 0 };
  const sma = (end: number, len: number): number => {
    let s = 0;
    for (let i = end - len; i < end; i++) s += close[i]!;
    return s / len;
  };
  const fNow = sma(n, fast);
  const sNow = sma(n, slow);
  const fPrev = sma(n - 1, fast);
  const sPrev = sma(n - 1, slow);
  const trend = fNow > sNow ? 1 : fNow < sNow ? -1 : 0;
  if (fPrev <= sPrev && fNow > sNow) return { cross: 1, trend };
  if (fPrev >= sPrev && fNow < sNow) return { cross: -1, trend };
  return { cross: 0, trend };
}
