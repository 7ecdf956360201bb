/**
 * Normalization before anything is sent: prices rounded to the tick size and then to `digits`
 * (1.0819995946276046 → 1.08200), volumes floored to the step (never rounded up: that would exceed
 * the intended risk), SL/TP checked against the stops level from the current bid/ask.
 */
import { floorToStep } from '@tradekit/core';
import type { Mt5SymbolInfo } from '../mt5/types.js';

export function normalizePrice(price: number, info: Pick<Mt5SymbolInfo, 'trade_tick_size' | 'digits' | 'point'>): number {
  const step = info.trade_tick_size > 0 ? info.trade_tick_size : info.point;
  const onGrid = Math.round(price / step) * step;
  return Number(onGrid.toFixed(info.digits));
}

export function normalizeVolume(volume: number, info: Pick<Mt5SymbolInfo, 'volume_step'>): number {
  return floorToStep(volume, info.volume_step);
}

/** Why this volume cannot be sent, or undefined. */
export function volumeProblem(volume: number, info: Pick<Mt5SymbolInfo, 'volume_min' | 'volume_max' | 'volume_step' | 'name'>): string | undefined {
  if (!(volume > 0) || !Number.isFinite(volume)) return `volume ${volume} must be a positive number`;
  if (volume < info.volume_min - 1e-9) return `volume ${volume} is below the minimum ${info.volume_min} for ${info.name}`;
  if (volume > info.volume_max + 1e-9) return `volume ${volume} is above the maximum ${info.volume_max} for ${info.name}`;
  return undefined;
}

/** SL/TP on the right side of the market and at least `trade_stops_level` points away (docs/reference/mt5-notes.md §4.3 item 15). */
export function stopsProblem(
  side: 'buy' | 'sell',
  q: { bid: number; ask: number },
  sl: number,
  tp: number,
  info: Pick<Mt5SymbolInfo, 'trade_stops_level' | 'point'>,
): string | undefined {
  const d = info.trade_stops_level * info.point;
  const lvl = d ? ` by at least ${info.trade_stops_level} points` : '';
  const eps = info.point / 1000;
  if (side === 'buy') {
    if (sl && !(sl <= q.bid - d + eps)) return `buy SL ${sl} must be below bid ${q.bid}${lvl}`;
    if (tp && !(tp >= q.bid + d - eps)) return `buy TP ${tp} must be above bid ${q.bid}${lvl}`;
  } else {
    if (sl && !(sl >= q.ask + d - eps)) return `sell SL ${sl} must be above ask ${q.ask}${lvl}`;
    if (tp && !(tp <= q.ask - d + eps)) return `sell TP ${tp} must be below ask ${q.ask}${lvl}`;
  }
  return undefined;
}
