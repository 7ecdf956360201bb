/** Cross of two simple moving averages on the last two values of `close`: +1 up, −1 down, 0 none. */
export function crossSignal(close: ArrayLike<number>, fast: number, slow: number): -1 | 0 | 1 {
  const n = close.length;
  if (n < slow + 1) return 0;
  const sma = (end: number, len: number): number => {
    let s = 0;
    for (let i = end - len; i < end; i++) s += close[i]!;
    return s / len;
  };
  const fNow = sma(n, fast);
  const sNow = sma(n, slow);
  const fPrev = sma(n - 1, fast);
  const sPrev = sma(n - 1, slow);
  if (fPrev <= sPrev && fNow > sNow) return 1;
  if (fPrev >= sPrev && fNow < sNow) return -1;
  return 0;
}
