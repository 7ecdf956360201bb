/**
 * The confluence score, computed for both directions (the higher wins). Factors:
 *   M5, H1, H4 trend agree (+1 each; an opposing trend with its filter on zeroes the score: BLOCK),
 *   model probability (+2 above `probStrong`, +1 above `probThreshold`, judged on the probability of
 *   the direction), a smart-money level on the trade side (+1), ADX above `adxStrong` (+1).
 * The real maximum is 7 (the original documented 0-6 and its +1 boosts capped at 6, which could lower a 7).
 */
import { agrees, opposes, type Trend } from './trend.js';

export const CONFLUENCE_MAX = 7;

export interface ConfluenceParams {
  m5Filter: boolean;
  h1Filter: boolean;
  h4Filter: boolean;
  adxStrong: number;
  probStrong: number;
  probThreshold: number;
}

export interface ConfluenceInput {
  m5: Trend;
  h1: Trend;
  h4: Trend;
  /** Probability that a long works (0.5 = neutral); a short's is 1 − this. */
  probLong: number;
  smcBuy: boolean;
  smcSell: boolean;
  adx: number;
}

export type FactorMark = 'OK' | '-' | 'NO' | 'BLOCK';

export interface SideScore {
  side: 'buy' | 'sell';
  score: number;
  blocked?: string;
  details: Record<string, FactorMark>;
}

/** `${timeframe} trend ${trend}` for the blocking trends, built once. */
const BLOCKED: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze(
  Object.fromEntries(
    ['M5', 'H4', 'H1'].map((tf) => [tf, Object.freeze(Object.fromEntries(['up', 'down', 'flat', 'unknown'].map((t) => [t, `${tf} trend ${t}`])))]),
  ),
);

export function scoreSide(side: 'buy' | 'sell', x: ConfluenceInput, p: ConfluenceParams): SideScore {
  const details: Record<string, FactorMark> = {};
  let score = 0;
  let blocked: string | undefined;
  const trends: [string, Trend, boolean][] = [
    ['M5', x.m5, p.m5Filter],
    ['H4', x.h4, p.h4Filter],
    ['H1', x.h1, p.h1Filter],
  ];
  for (const [name, t, filter] of trends) {
    if (agrees(t, side)) {
      score++;
      details[`${name} trend`] = 'OK';
    } else if (opposes(t, side)) {
      details[`${name} trend`] = filter ? 'BLOCK' : 'NO';
      if (filter) blocked ??= BLOCKED[name]![t]!;
    } else details[`${name} trend`] = '-';
  }
  const pDir = side === 'buy' ? x.probLong : 1 - x.probLong;
  if (pDir > p.probStrong) {
    score += 2;
    details['ML prob'] = 'OK';
  } else if (pDir > p.probThreshold) {
    score += 1;
    details['ML prob'] = 'OK';
  } else details['ML prob'] = '-';
  if (side === 'buy' ? x.smcBuy : x.smcSell) {
    score++;
    details.SMC = 'OK';
  } else details.SMC = '-';
  if (x.adx > p.adxStrong) {
    score++;
    details.ADX = 'OK';
  } else details.ADX = '-';
  return { side, score: blocked ? 0 : score, blocked, details };
}

/** `scoreSide(…).score` without the factor table (a scan builds that only for a candidate). */
export function sideScore(side: 'buy' | 'sell', x: ConfluenceInput, p: ConfluenceParams): number {
  if (sideBlock(side, x, p) !== undefined) return 0;
  let score = 0;
  if (agrees(x.m5, side)) score++;
  if (agrees(x.h4, side)) score++;
  if (agrees(x.h1, side)) score++;
  const pDir = side === 'buy' ? x.probLong : 1 - x.probLong;
  if (pDir > p.probStrong) score += 2;
  else if (pDir > p.probThreshold) score += 1;
  if (side === 'buy' ? x.smcBuy : x.smcSell) score++;
  if (x.adx > p.adxStrong) score++;
  return score;
}

/** `scoreSide(…).blocked`: the first filtered trend (M5, H4, H1) against `side`. */
export function sideBlock(side: 'buy' | 'sell', x: ConfluenceInput, p: ConfluenceParams): string | undefined {
  if (p.m5Filter && opposes(x.m5, side)) return BLOCKED.M5![x.m5];
  if (p.h4Filter && opposes(x.h4, side)) return BLOCKED.H4![x.h4];
  if (p.h1Filter && opposes(x.h1, side)) return BLOCKED.H1![x.h1];
  return undefined;
}

/** Both directions; the higher score wins, a tie goes to the more probable direction, else none. */
export function bestSide(x: ConfluenceInput, p: ConfluenceParams): { best?: SideScore; buy: SideScore; sell: SideScore } {
  const buy = scoreSide('buy', x, p);
  const sell = scoreSide('sell', x, p);
  if (buy.score > sell.score) return { best: buy, buy, sell };
  if (sell.score > buy.score) return { best: sell, buy, sell };
  if (x.probLong > 0.5) return { best: buy, buy, sell };
  if (x.probLong < 0.5) return { best: sell, buy, sell };
  return { buy, sell };
}
