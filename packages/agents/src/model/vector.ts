/**
 * The model's inputs, read from a FeatureTrack at its newest bar. Training and live scoring call this
 * same function on the same incremental track, so there is no train/serve skew. Every input is
 * scale-free (ATR-normalised or a ratio), so one model serves every symbol; there is no symbol id
 * (the original hashed the symbol name with Python's per-process randomised hash).
 */
import type { FeatureTrack } from '../features/track.js';

export const FEATURE_NAMES = [
  'ret1',
  'ret3',
  'ret12',
  'rsi',
  'adx',
  'di',
  'macdHist',
  'bbPos',
  'bbWidthAtr',
  'volRatio',
  'atrVsMean',
  'distSma20',
  'distSma50',
  'emaSpread',
  'volume',
  'hourSin',
  'hourCos',
  'sweep',
  'zone',
  'bos',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

const clamp = (v: number): number => Math.min(Math.max(v, -10), 10);

/** Inputs at the newest bar, or undefined while any of them is not warmed up. */
export function featureVector(t: FeatureTrack, barMs: number, out = new Float64Array(FEATURE_COUNT)): Float64Array | undefined {
  const f = t.features;
  const atr = f.atr;
  if (!(atr > 0) || !(f.atrMean > 0) || Number.isNaN(f.adx) || Number.isNaN(f.macdHist) || Number.isNaN(f.sma50) || Number.isNaN(f.rsi)) return undefined;
  const c0 = t.closes.at(0);
  const c1 = t.closes.at(1);
  const c3 = t.closes.at(3);
  const c12 = t.closes.at(12);
  if (Number.isNaN(c12)) return undefined;
  const smc = t.smc;
  const hour = (((f.time + barMs) % 86_400_000) / 3_600_000) * ((2 * Math.PI) / 24);
  const nearBull = smc.nearZone(smc.orderBlocks, 'buy', c0, atr, 0.5) || smc.nearZone(smc.fvgs, 'buy', c0, atr, 0.5);
  const nearBear = smc.nearZone(smc.orderBlocks, 'sell', c0, atr, 0.5) || smc.nearZone(smc.fvgs, 'sell', c0, atr, 0.5);
  const bw = f.bbUpper - f.bbLower;
  out[0] = clamp((c0 - c1) / atr);
  out[1] = clamp((c0 - c3) / atr);
  out[2] = clamp((c0 - c12) / atr);
  out[3] = f.rsi / 100 - 0.5;
  out[4] = f.adx / 100;
  out[5] = (f.plusDi - f.minusDi) / 100;
  out[6] = clamp(f.macdHist / atr);
  out[7] = clamp(bw > 0 ? (c0 - f.bbLower) / bw - 0.5 : 0);
  out[8] = clamp(bw / atr);
  out[9] = clamp(Number.isNaN(f.volRatio) ? 0 : f.volRatio - 1);
  out[10] = clamp(atr / f.atrMean - 1);
  out[11] = clamp((c0 - f.sma20) / atr);
  out[12] = clamp((c0 - f.sma50) / atr);
  out[13] = clamp((f.ema9 - f.ema21) / atr);
  out[14] = clamp(Number.isNaN(f.volumeRatio) ? 0 : f.volumeRatio - 1);
  out[15] = Math.sin(hour);
  out[16] = Math.cos(hour);
  out[17] = (smc.recentSweep('buy') ? 1 : 0) - (smc.recentSweep('sell') ? 1 : 0);
  out[18] = (nearBull ? 1 : 0) - (nearBear ? 1 : 0);
  out[19] = smc.bos && smc.bos.time === f.time ? (smc.bos.side === 'bull' ? 1 : -1) : 0;
  return out;
}
