import { TradekitError } from '../errors.js';
import { TIMEFRAMES, type Timeframe } from '../types.js';

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = Object.freeze({
  M1: 60_000,
  M5: 300_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H4: 14_400_000,
  D1: 86_400_000,
  W1: 604_800_000,
});

/** A JSON-schema pattern matching the given timeframes (all of them by default): the one list is TIMEFRAMES. */
export function timeframePattern(list: readonly Timeframe[] = TIMEFRAMES): string {
  return `^(${list.join('|')})$`;
}

export function isTimeframe(tf: string): tf is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(tf);
}

export function timeframeMs(tf: string): number {
  if (!isTimeframe(tf)) throw new TradekitError('TK_ERR_DATA_TIMEFRAME', `unknown timeframe "${tf}"; use one of ${TIMEFRAMES.join(', ')}`);
  return TIMEFRAME_MS[tf];
}

/** Timeframes sorted finest first. */
export function sortTimeframes(tfs: Iterable<Timeframe>): Timeframe[] {
  return [...new Set(tfs)].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]);
}
