/**
 * Contract specifications for data sources that do not carry them (CSV files). Values are typical
 * retail CFD settings; a config can override any field per symbol. Broker suffixes (EURUSDm,
 * XAUUSD.a) are stripped before the lookup.
 */
import type { AssetClass, SymbolInfo } from '../types.js';

type Profile = Partial<SymbolInfo> & { assetClass: AssetClass };

const FX_CCY = new Set([
  'EUR',
  'USD',
  'GBP',
  'JPY',
  'CHF',
  'AUD',
  'NZD',
  'CAD',
  'SEK',
  'NOK',
  'DKK',
  'SGD',
  'HKD',
  'ZAR',
  'MXN',
  'TRY',
  'PLN',
  'CNH',
  'HUF',
  'CZK',
]);

const PROFILES: Record<string, Profile> = {
  XAUUSD: { assetClass: 'metal', contractSize: 100, spread: 20, stopsLevel: 0, baseCurrency: 'XAU', profitCurrency: 'USD', marginCurrency: 'USD' },
  XAGUSD: { assetClass: 'metal', contractSize: 5000, spread: 25, baseCurrency: 'XAG', profitCurrency: 'USD', marginCurrency: 'USD' },
  NAS100: {
    assetClass: 'index',
    contractSize: 1,
    spread: 15,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    baseCurrency: 'USD',
    profitCurrency: 'USD',
    marginCurrency: 'USD',
  },
  US30: {
    assetClass: 'index',
    contractSize: 1,
    spread: 20,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    baseCurrency: 'USD',
    profitCurrency: 'USD',
    marginCurrency: 'USD',
  },
  US500: {
    assetClass: 'index',
    contractSize: 1,
    spread: 5,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    baseCurrency: 'USD',
    profitCurrency: 'USD',
    marginCurrency: 'USD',
  },
  GER40: {
    assetClass: 'index',
    contractSize: 1,
    spread: 12,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    baseCurrency: 'EUR',
    profitCurrency: 'EUR',
    marginCurrency: 'EUR',
  },
  UK100: {
    assetClass: 'index',
    contractSize: 1,
    spread: 10,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    baseCurrency: 'GBP',
    profitCurrency: 'GBP',
    marginCurrency: 'GBP',
  },
  BTCUSD: {
    assetClass: 'crypto',
    contractSize: 1,
    spread: 1500,
    volumeMin: 0.01,
    volumeStep: 0.01,
    volumeMax: 100,
    baseCurrency: 'BTC',
    profitCurrency: 'USD',
    marginCurrency: 'BTC',
  },
  ETHUSD: {
    assetClass: 'crypto',
    contractSize: 1,
    spread: 150,
    volumeMin: 0.01,
    volumeStep: 0.01,
    volumeMax: 1000,
    baseCurrency: 'ETH',
    profitCurrency: 'USD',
    marginCurrency: 'ETH',
  },
  USOIL: { assetClass: 'commodity', contractSize: 1000, spread: 30, baseCurrency: 'USD', profitCurrency: 'USD', marginCurrency: 'USD' },
};

const FX_SPREAD: Record<string, number> = {
  EURUSD: 12,
  GBPUSD: 15,
  USDJPY: 14,
  USDCHF: 15,
  AUDUSD: 14,
  NZDUSD: 18,
  USDCAD: 18,
  EURGBP: 15,
  EURJPY: 18,
  GBPJPY: 25,
};

/** Strips a broker suffix: `EURUSDm` → `EURUSD`, `XAUUSD.a` → `XAUUSD`, `US30c` → `US30`. */
export function canonicalSymbol(symbol: string, suffixes: readonly string[] = ['m', 'c', 'z', '.a', '.r', '.pro', '.sd', '.', '#', '+', 'pro']): string {
  const up = symbol.toUpperCase();
  if (PROFILES[up] || (up.length === 6 && FX_CCY.has(up.slice(0, 3)) && FX_CCY.has(up.slice(3)))) return up;
  for (const s of [...suffixes].sort((a, b) => b.length - a.length)) {
    if (s && symbol.toLowerCase().endsWith(s.toLowerCase()) && symbol.length > s.length) {
      const base = symbol.slice(0, symbol.length - s.length).toUpperCase();
      if (PROFILES[base] || (base.length === 6 && FX_CCY.has(base.slice(0, 3)) && FX_CCY.has(base.slice(3)))) return base;
    }
  }
  return up;
}

/** Builds a SymbolInfo from the profile table, the digits seen in the data, and overrides. */
export function symbolInfoFor(symbol: string, digits: number, overrides: Partial<SymbolInfo> = {}): SymbolInfo {
  const base = canonicalSymbol(symbol);
  const isFx = base.length === 6 && FX_CCY.has(base.slice(0, 3)) && FX_CCY.has(base.slice(3));
  const profile: Profile =
    PROFILES[base] ??
    (isFx
      ? {
          assetClass: 'forex',
          contractSize: 100_000,
          spread: FX_SPREAD[base] ?? 20,
          baseCurrency: base.slice(0, 3),
          profitCurrency: base.slice(3),
          marginCurrency: base.slice(0, 3),
        }
      : { assetClass: 'other', contractSize: 1, spread: 10, baseCurrency: 'USD', profitCurrency: 'USD', marginCurrency: 'USD' });
  const d = overrides.digits ?? digits;
  const point = overrides.point ?? Number((10 ** -d).toFixed(d));
  const info: SymbolInfo = {
    symbol,
    digits: d,
    point,
    tickSize: point,
    contractSize: 1,
    volumeMin: 0.01,
    volumeMax: 100,
    volumeStep: 0.01,
    stopsLevel: 0,
    freezeLevel: 0,
    spread: 10,
    fillingModes: ['FOK', 'IOC'],
    tradeMode: 'full',
    baseCurrency: 'USD',
    profitCurrency: 'USD',
    marginCurrency: 'USD',
    ...profile,
    ...overrides,
  };
  if (overrides.tickSize === undefined) info.tickSize = info.point;
  return info;
}
