/**
 * Contract specifications the simulator starts from: the 28 pairs of the eight major currencies, gold
 * and two US indices, with typical retail-CFD values. A simulator option can override any field per
 * symbol, and a broker profile adds a suffix (`EURUSDm`), filling bits and an execution mode.
 */
import { SYMBOL_CALC_MODE, SYMBOL_FILLING, SYMBOL_TRADE_EXECUTION, SYMBOL_TRADE_MODE } from '../mt5/constants.js';

export interface SymbolSpec {
  /** Canonical name (the broker name is this plus the profile's suffix). */
  name: string;
  description: string;
  path: string;
  digits: number;
  point: number;
  tickSize: number;
  contractSize: number;
  /** Static tick values for profits / losses (account currency); computed from rates when undefined. */
  tickValueProfit?: number;
  tickValueLoss?: number;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  /** Max total volume per direction (positions + pending); 0 = none. */
  volumeLimit: number;
  stopsLevel: number;
  freezeLevel: number;
  tradeMode: number;
  exeMode: number;
  /** `filling_mode` bitmask (1 FOK, 2 IOC). */
  fillingMode: number;
  calcMode: number;
  /** Bits: 1 GTC, 2 DAY, 4 SPECIFIED, 8 SPECIFIED_DAY. */
  expirationMode: number;
  currencyBase: string;
  currencyProfit: string;
  currencyMargin: string;
  /** Typical spread, points. */
  spread: number;
  swapLong: number;
  swapShort: number;
  /** Weekday (0 = Sunday) on which swap is charged three times. */
  swapRollover3days: number;
  /** Listed in Market Watch (selected) from the start. */
  visible: boolean;
  /** Max volume one fill can take (undefined = unlimited): drives IOC partial fills and FOK rejects. */
  liquidity?: number;
  /** Daily closed window in server minutes-of-day, e.g. [1435, 1445] (wraps midnight). */
  dailyBreak?: [number, number];
  /** Trades through weekends (crypto-like): the simulator is then open every day (wall-clock tests on any day). */
  weekends?: boolean;
  /** Reference price for random walks and currency conversion when no quote exists. */
  refPrice: number;
  /** Random-walk volatility: standard deviation of log-returns per √second. */
  volatility: number;
}

const MAJORS = ['EUR', 'GBP', 'AUD', 'NZD', 'USD', 'CAD', 'CHF', 'JPY'];

/** Approximate USD value of one unit of each currency (for reference prices). */
const USD_VALUE: Record<string, number> = { EUR: 1.16, GBP: 1.33, AUD: 0.66, NZD: 0.59, USD: 1, CAD: 0.72, CHF: 1.25, JPY: 0.0067 };

function fx(base: string, quote: string): SymbolSpec {
  const digits = quote === 'JPY' ? 3 : 5;
  return cfdSpec(base + quote, {
    description: `${base} vs ${quote}`,
    path: `Forex\\${base + quote}`,
    digits,
    contractSize: 100_000,
    calcMode: SYMBOL_CALC_MODE.FOREX,
    currencyBase: base,
    currencyProfit: quote,
    currencyMargin: base,
    spread: base === 'EUR' && quote === 'USD' ? 10 : quote === 'USD' || base === 'USD' ? 14 : 22,
    swapLong: -6.5,
    swapShort: 1.2,
    swapRollover3days: 3,
    refPrice: Number((USD_VALUE[base]! / USD_VALUE[quote]!).toFixed(digits)),
    volatility: 0.00012,
  });
}

/** The size of one point for `digits` decimals (0.00001 for 5), without binary noise. */
export function pointOf(digits: number): number {
  return Number((10 ** -digits).toFixed(digits));
}

/** A CFD symbol (USD, market execution, FOK|IOC) with `o` on top: the base of every catalog entry. */
export function cfdSpec(name: string, o: Partial<SymbolSpec> & Pick<SymbolSpec, 'digits' | 'contractSize' | 'refPrice' | 'spread'>): SymbolSpec {
  const point = pointOf(o.digits);
  return {
    name,
    description: name,
    path: `CFD\\${name}`,
    point,
    tickSize: point,
    volumeMin: 0.01,
    volumeMax: 100,
    volumeStep: 0.01,
    volumeLimit: 0,
    stopsLevel: 0,
    freezeLevel: 0,
    tradeMode: SYMBOL_TRADE_MODE.FULL,
    exeMode: SYMBOL_TRADE_EXECUTION.MARKET,
    fillingMode: SYMBOL_FILLING.FOK | SYMBOL_FILLING.IOC,
    calcMode: SYMBOL_CALC_MODE.CFD,
    expirationMode: 15,
    currencyBase: 'USD',
    currencyProfit: 'USD',
    currencyMargin: 'USD',
    swapLong: -10,
    swapShort: 2,
    swapRollover3days: 5,
    visible: true,
    volatility: 0.0002,
    ...o,
  };
}

const TABLE = new Map<string, SymbolSpec>();
for (let i = 0; i < MAJORS.length; i++) {
  for (let j = i + 1; j < MAJORS.length; j++) {
    const s = fx(MAJORS[i]!, MAJORS[j]!);
    TABLE.set(s.name, s);
  }
}
TABLE.set(
  'XAUUSD',
  cfdSpec('XAUUSD', {
    digits: 2,
    contractSize: 100,
    refPrice: 3300,
    spread: 20,
    currencyBase: 'XAU',
    path: 'Metals\\XAUUSD',
    description: 'Gold vs US Dollar',
    volatility: 0.00015,
  }),
);
TABLE.set(
  'NAS100',
  cfdSpec('NAS100', {
    digits: 2,
    contractSize: 1,
    refPrice: 21000,
    spread: 150,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    calcMode: SYMBOL_CALC_MODE.CFDINDEX,
    path: 'Indices\\NAS100',
    description: 'US Tech 100 Index',
  }),
);
TABLE.set(
  'US30',
  cfdSpec('US30', {
    digits: 2,
    contractSize: 1,
    refPrice: 44000,
    spread: 200,
    volumeMin: 0.1,
    volumeStep: 0.1,
    volumeMax: 500,
    calcMode: SYMBOL_CALC_MODE.CFDINDEX,
    path: 'Indices\\US30',
    description: 'Wall Street 30 Index',
  }),
);

/** The 28 major FX pairs (every pair of EUR, GBP, AUD, NZD, USD, CAD, CHF, JPY). */
export const FX28: readonly string[] = [...TABLE.keys()].filter((k) => k.length === 6 && k !== 'XAUUSD');

export function catalogSpec(name: string): SymbolSpec | undefined {
  const s = TABLE.get(name.toUpperCase());
  return s ? { ...s } : undefined;
}

export function catalogNames(): string[] {
  return [...TABLE.keys()];
}

/** Filling-mode profiles seen at real brokers (docs/reference/mt5-notes.md §4.3 item 13). */
export const FILLING_PROFILES = {
  IOC_ONLY: { fillingMode: SYMBOL_FILLING.IOC, exeMode: SYMBOL_TRADE_EXECUTION.MARKET },
  FOK_ONLY: { fillingMode: SYMBOL_FILLING.FOK, exeMode: SYMBOL_TRADE_EXECUTION.MARKET },
  FOK_IOC: { fillingMode: SYMBOL_FILLING.FOK | SYMBOL_FILLING.IOC, exeMode: SYMBOL_TRADE_EXECUTION.MARKET },
  RETURN_ONLY: { fillingMode: 0, exeMode: SYMBOL_TRADE_EXECUTION.EXCHANGE },
} as const;

export type FillingProfile = keyof typeof FILLING_PROFILES;
