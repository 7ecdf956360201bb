/**
 * The two pattern setups of the original, made causal and held to the same checks as the confluence
 * candidate (the original's override paths skipped them, flipped directions and ignored the BOS limit):
 * - break of structure (BOS): a momentum close beyond the structure level on the newest closed bar;
 *   SL beyond the breakout candle's extreme, TP = SL × `minRiskReward`; with confirmation the entry
 *   waits for a pullback of `minPullbackPct` of the breakout candle (an expiring limit order);
 * - mean reversion (MR): a close outside the Bollinger band with RSI stretched, in a non-trending
 *   regime; SL = `slAtr` × ATR, TP = SL × `riskReward`.
 * Retail viability (both): spread / SL ≤ `maxSpreadRatio` (both in price units: the original divided
 * pips by a price) and the UTC hour in `huntingHours`.
 */
import type { Features } from '../features/track.js';
import type { StructureBreak } from '../features/smc.js';
import type { Regime } from './regime.js';

export interface BosParams {
  enabled: boolean;
  maxSpreadRatio: number;
  huntingHours: number[];
  minRiskReward: number;
  requireConfirmation: boolean;
  minPullbackPct: number;
  score: number;
  scaling: number;
}

export interface MeanReversionParams {
  enabled: boolean;
  rsiLow: number;
  rsiHigh: number;
  slAtr: number;
  riskReward: number;
  score: number;
  scaling: number;
}

export interface Setup {
  kind: 'bos' | 'mean-reversion';
  side: 'buy' | 'sell';
  slDistance: number;
  tpDistance: number;
  /** Limit price when the setup waits for a pullback. */
  limitPrice?: number;
  score: number;
  scaling: number;
  why: string;
}

export type SetupResult = Setup | { reject: string } | undefined;

function viability(sl: number, spread: number, hour: number, maxSpreadRatio: number, hours: readonly number[], label: string): string | undefined {
  if (!(sl > 0)) return `${label}: no stop distance`;
  if (spread / sl > maxSpreadRatio) return `${label}: spread ${(spread / sl).toFixed(2)} of SL > ${maxSpreadRatio}`;
  if (hours.length && !hours.includes(hour)) return `${label}: ${hour}h UTC outside hunting hours`;
  return undefined;
}

/** A BOS on the newest bar (`bos` is undefined when the newest bar broke nothing). */
export function bosSetup(
  bos: StructureBreak | undefined,
  f: Readonly<Features>,
  price: { bid: number; ask: number },
  hourUtc: number,
  p: BosParams,
): SetupResult {
  if (!p.enabled || !bos || bos.time !== f.time) return undefined;
  const side = bos.side === 'bull' ? 'buy' : 'sell';
  const spread = price.ask - price.bid;
  const candle = bos.high - bos.low;
  let entry: number;
  let limitPrice: number | undefined;
  if (p.requireConfirmation) {
    entry = side === 'buy' ? bos.close - p.minPullbackPct * (bos.close - bos.low) : bos.close + p.minPullbackPct * (bos.high - bos.close);
    // A pullback limit must sit on the right side of the market to be a limit at all.
    const market = side === 'buy' ? price.ask : price.bid;
    if (side === 'buy' ? entry >= market : entry <= market) entry = side === 'buy' ? price.bid : price.ask;
    limitPrice = entry;
  } else entry = side === 'buy' ? price.ask : price.bid;
  const sl = side === 'buy' ? entry - bos.low : bos.high - entry;
  const why = `BOS ${side === 'buy' ? 'above' : 'below'} ${bos.level} (candle ${candle.toPrecision(4)})`;
  const bad = viability(sl, spread, hourUtc, p.maxSpreadRatio, p.huntingHours, 'BOS');
  if (bad) return { reject: bad };
  return { kind: 'bos', side, slDistance: sl, tpDistance: sl * p.minRiskReward, limitPrice, score: p.score, scaling: p.scaling, why };
}

const MR_REGIMES: ReadonlySet<Regime> = new Set<Regime>(['RANGING', 'NORMAL', 'VOLATILE_LOW', 'REVERSAL_BULL', 'REVERSAL_BEAR']);

export function meanReversionSetup(
  f: Readonly<Features>,
  regime: Regime,
  price: { bid: number; ask: number },
  hourUtc: number,
  p: MeanReversionParams,
  bos: Pick<BosParams, 'maxSpreadRatio' | 'huntingHours'>,
): SetupResult {
  if (!p.enabled || !(f.atr > 0)) return undefined;
  let side: 'buy' | 'sell' | undefined;
  if (f.close < f.bbLower && f.rsi < p.rsiLow) side = 'buy';
  else if (f.close > f.bbUpper && f.rsi > p.rsiHigh) side = 'sell';
  if (!side) return undefined;
  if (!MR_REGIMES.has(regime)) return { reject: `MR: ${regime} is not a mean-reverting regime` };
  const sl = p.slAtr * f.atr;
  const bad = viability(sl, price.ask - price.bid, hourUtc, bos.maxSpreadRatio, bos.huntingHours, 'MR');
  if (bad) return { reject: bad };
  return {
    kind: 'mean-reversion',
    side,
    slDistance: sl,
    tpDistance: sl * p.riskReward,
    score: p.score,
    scaling: p.scaling,
    why: `close outside the ${side === 'buy' ? 'lower' : 'upper'} band, RSI ${f.rsi.toFixed(1)}`,
  };
}
