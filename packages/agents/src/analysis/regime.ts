/**
 * The original's rule-based regime detector (its HMM is not reproduced: the rules were its fallback and
 * need no fitting). Labels are matched by their real names: the original's key map expected
 * TRENDING/BULL_TREND/BEAR_TREND while the detector emitted TRENDING_BULL/TRENDING_BEAR, so nearly
 * every regime fell into RANGING.
 */
import type { Features } from '../features/track.js';

export const REGIMES = [
  'TRENDING_BULL',
  'TRENDING_BEAR',
  'TRENDING',
  'BREAKOUT_BULL',
  'BREAKOUT_BEAR',
  'REVERSAL_BULL',
  'REVERSAL_BEAR',
  'RANGING',
  'VOLATILE_HIGH',
  'VOLATILE_LOW',
  'NORMAL',
] as const;
export type Regime = (typeof REGIMES)[number];

/** The three parameter groups of the original's REGIME_PARAMS. */
export type RegimeKey = 'TRENDING' | 'RANGING' | 'VOLATILE';

export interface RegimeParams {
  /** ATR / SMA20(ATR) above this → VOLATILE_HIGH. */
  volHighRatio: number;
  /** ATR / SMA20(ATR) below this (with a narrow band) → VOLATILE_LOW. */
  volLowRatio: number;
  /** Bollinger width (fraction of price) under which a low-vol market is VOLATILE_LOW. */
  volLowBbWidth: number;
  /** Volume / SMA20(volume) above this is a volume spike. */
  volumeSpike: number;
  /** ATR ratio a breakout needs. */
  breakoutVolRatio: number;
  /** ADX above this → trending. */
  adxTrend: number;
  /** ADX a divergence needs to count as a reversal. */
  adxReversal: number;
  /** ADX below this with a narrow band → ranging. */
  adxRange: number;
  /** Bollinger width (fraction of price) under which a weak-ADX market is RANGING. */
  rangeBbWidth: number;
}

export const REGIME_DEFAULTS: RegimeParams = {
  volHighRatio: 2,
  volLowRatio: 0.6,
  volLowBbWidth: 0.01,
  volumeSpike: 1.5,
  breakoutVolRatio: 1.3,
  adxTrend: 25,
  adxReversal: 20,
  adxRange: 20,
  rangeBbWidth: 0.008,
};

export interface RegimeResult {
  regime: Regime;
  /** Why (for the candidate's details and the dashboard). */
  why: string;
}

export function detectRegime(f: Readonly<Features>, p: RegimeParams = REGIME_DEFAULTS): RegimeResult {
  const regime = regimeOf(f, p);
  return { regime, why: regimeWhy(regime, f) };
}

/** The regime label alone (no string is built: a scan needs the explanation only for a candidate). */
export function regimeOf(f: Readonly<Features>, p: RegimeParams = REGIME_DEFAULTS): Regime {
  const bullStack = f.ema9 > f.ema21 && f.ema21 > f.sma50;
  const bearStack = f.ema9 < f.ema21 && f.ema21 < f.sma50;
  if (f.volRatio > p.volHighRatio) return 'VOLATILE_HIGH';
  if (f.volRatio < p.volLowRatio && f.bbWidth < p.volLowBbWidth) return 'VOLATILE_LOW';
  if (f.volumeRatio > p.volumeSpike && f.volRatio > p.breakoutVolRatio) {
    if (f.close >= f.bbUpper && bullStack) return 'BREAKOUT_BULL';
    if (f.close <= f.bbLower && bearStack) return 'BREAKOUT_BEAR';
  }
  if (f.adx > p.adxTrend) {
    if (bullStack && f.macd > f.macdSignal) return 'TRENDING_BULL';
    if (bearStack && f.macd < f.macdSignal) return 'TRENDING_BEAR';
    return 'TRENDING';
  }
  if (f.adx > p.adxReversal) {
    if (f.bullDivergence) return 'REVERSAL_BULL';
    if (f.bearDivergence) return 'REVERSAL_BEAR';
  }
  if (f.adx < p.adxRange && f.bbWidth < p.rangeBbWidth) return 'RANGING';
  return 'NORMAL';
}

/** Why `regimeOf` chose `regime` for these features (each label has one rule, so one explanation). */
export function regimeWhy(regime: Regime, f: Readonly<Features>): string {
  switch (regime) {
    case 'VOLATILE_HIGH':
      return `ATR ${f.volRatio.toFixed(2)}× its average`;
    case 'VOLATILE_LOW':
      return `ATR ${f.volRatio.toFixed(2)}× its average, narrow bands`;
    case 'BREAKOUT_BULL':
      return 'volume spike at the upper band, EMAs stacked up';
    case 'BREAKOUT_BEAR':
      return 'volume spike at the lower band, EMAs stacked down';
    case 'TRENDING_BULL':
      return `ADX ${f.adx.toFixed(1)}, EMAs up, MACD above signal`;
    case 'TRENDING_BEAR':
      return `ADX ${f.adx.toFixed(1)}, EMAs down, MACD below signal`;
    case 'TRENDING':
      return `ADX ${f.adx.toFixed(1)}`;
    case 'REVERSAL_BULL':
      return 'bullish RSI divergence';
    case 'REVERSAL_BEAR':
      return 'bearish RSI divergence';
    case 'RANGING':
      return `ADX ${f.adx.toFixed(1)}, narrow bands`;
    default:
      return 'no rule matched';
  }
}

/** Maps a regime to its REGIME_PARAMS group, by the detector's real label names. */
export function regimeKey(r: Regime): RegimeKey {
  switch (r) {
    case 'TRENDING_BULL':
    case 'TRENDING_BEAR':
    case 'TRENDING':
    case 'BREAKOUT_BULL':
    case 'BREAKOUT_BEAR':
      return 'TRENDING';
    case 'VOLATILE_HIGH':
      return 'VOLATILE';
    default:
      return 'RANGING';
  }
}

/** How well a regime suits a direction, 0 (never) … 10 (ideal): the original's direction score table. */
export const REGIME_SCORES: Readonly<Record<Regime, { buy: number; sell: number }>> = Object.freeze({
  TRENDING_BULL: { buy: 10, sell: 2 },
  TRENDING_BEAR: { buy: 2, sell: 10 },
  TRENDING: { buy: 6, sell: 6 },
  BREAKOUT_BULL: { buy: 9, sell: 1 },
  BREAKOUT_BEAR: { buy: 1, sell: 9 },
  REVERSAL_BULL: { buy: 7, sell: 3 },
  REVERSAL_BEAR: { buy: 3, sell: 7 },
  RANGING: { buy: 3, sell: 3 },
  VOLATILE_HIGH: { buy: 0, sell: 0 },
  VOLATILE_LOW: { buy: 2, sell: 2 },
  NORMAL: { buy: 5, sell: 5 },
});

export function regimeScore(r: Regime, side: 'buy' | 'sell'): number {
  return REGIME_SCORES[r][side];
}

/** VOLATILE_HIGH is not traded (the original's `is_tradeable`). */
export function isTradeable(r: Regime): boolean {
  return r !== 'VOLATILE_HIGH';
}
