/** Pips as the original counted them (spread pips = points / 10), made right for 4/2-digit FX quotes. */
import type { SymbolInfo } from '@tradekit/core';

/** Price size of one pip: 10 points, except FX quoted with 4 or 2 digits where a point is a pip. */
export function pipSize(info: Pick<SymbolInfo, 'point' | 'digits' | 'assetClass'>): number {
  if (info.assetClass === 'forex' && (info.digits === 4 || info.digits === 2)) return info.point;
  return info.point * 10;
}

/** The three spread limits (pips) the institutional agent and the risk policy check. */
export interface SpreadLimits {
  maxSpreadPips: number;
  maxSpreadPipsCrypto: number;
  maxSpreadPipsCommodity: number;
}

/** The spread limit for a symbol's asset class: crypto, and metals with commodities, have their own. */
export function maxSpreadPipsFor(assetClass: SymbolInfo['assetClass'], c: SpreadLimits): number {
  return assetClass === 'crypto' ? c.maxSpreadPipsCrypto : assetClass === 'metal' || assetClass === 'commodity' ? c.maxSpreadPipsCommodity : c.maxSpreadPips;
}

export function toPips(priceDistance: number, info: Pick<SymbolInfo, 'point' | 'digits' | 'assetClass'>): number {
  return priceDistance / pipSize(info);
}
