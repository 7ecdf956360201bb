/**
 * Triple-barrier labels: from the close of bar i, does price reach +tp·ATR before −sl·ATR within
 * `horizon` bars? 1 = target first, 0 = stop first (or both inside one bar: the pessimistic reading),
 * −1 = neither (the sample is dropped). Labels look ahead by construction; the walk-forward split
 * keeps them out of every earlier training window (embargo).
 */
export function barrierLabel(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  entry: number,
  atr: number,
  i: number,
  horizon: number,
  tpAtr: number,
  slAtr: number,
): 1 | 0 | -1 {
  const up = entry + tpAtr * atr;
  const down = entry - slAtr * atr;
  const end = Math.min(high.length - 1, i + horizon);
  for (let j = i + 1; j <= end; j++) {
    const hitUp = high[j]! >= up;
    const hitDown = low[j]! <= down;
    if (hitDown) return 0;
    if (hitUp) return 1;
  }
  return -1;
}
