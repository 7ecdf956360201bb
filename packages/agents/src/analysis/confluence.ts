/**
 * The confluence score, computed for both directions (the higher wins). Factors:
 *   M5, H1, H4 trend agree (+1 each; an opposing trend with its filter on zeroes the score: BLOCK),
 *   model probability (+2 above `probStrong`, +1 above `probThreshold`, judged on the probability of
 *   the direction), a smart-money level on the trade side (+1), ADX above `adxStrong` (+1).
 * The real maximum is 7 (the seed documented 0-6 and its +1 boosts capped at 6, which could lower a 7).
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
      if (filter) blocked ??= `${name} trend ${t}`;
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
