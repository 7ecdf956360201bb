/** Config of `@tradekit/agents/trade-manager` (the original's smart exit), with the original's defaults. */
import { timeframePattern, type Timeframe } from '@tradekit/core';

export interface TradeManagerConfig {
  timeframe: Timeframe;
  agents: string[];
  breakevenActivateAtr: number;
  breakevenBufferAtr: number;
  partialAtBe: boolean;
  partialCloseFraction: number;
  trailActivateAtr: number;
  trailInitialAtr: number;
  trailTightAtr: number;
  trailTightenOverAtr: number;
  minStepPips: number;
  earlyCutEnabled: boolean;
  earlyCutLossAtr: number;
  earlyCutRsiThreshold: number;
  earlyCutMacdBars: number;
  earlyCutMinSignals: number;
}

const num = (def: number, description: string, extra: Record<string, unknown> = {}) => ({ type: 'number', default: def, description, ...extra });
const bool = (def: boolean, description: string) => ({ type: 'boolean', default: def, description });

export const TRADE_MANAGER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timeframe: {
      type: 'string',
      pattern: timeframePattern(['M1', 'M5', 'M15', 'M30', 'H1']),
      default: 'M5',
      description: 'timeframe of the ATR/RSI/MACD the exits read',
    },
    agents: {
      type: 'array',
      items: { type: 'string' },
      default: [],
      description: 'manage only positions opened by these agent instances (default: every position of the run)',
    },
    breakevenActivateAtr: num(0.5, 'original BREAKEVEN_ACTIVATE_ATR: profit (ATRs) that moves the stop to break-even', { exclusiveMinimum: 0 }),
    breakevenBufferAtr: num(0.05, 'original BREAKEVEN_BUFFER_ATR: break-even stop = entry ± this', { minimum: 0 }),
    partialAtBe: bool(true, 'original PARTIAL_AT_BE: close a part once break-even is reached'),
    partialCloseFraction: num(0.3, 'original PARTIAL_CLOSE_FRACTION', { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    trailActivateAtr: num(0.3, 'original TRAIL_ACTIVATE_ATR: profit (ATRs) that starts the trail', { minimum: 0 }),
    trailInitialAtr: num(1.0, 'original TRAIL_INITIAL_ATR: trail distance when it starts', { exclusiveMinimum: 0 }),
    trailTightAtr: num(0.4, 'original TRAIL_TIGHT_ATR: tightest trail distance', { exclusiveMinimum: 0 }),
    trailTightenOverAtr: num(2.7, 'profit range (ATRs above activation) over which the trail tightens from initial to tight (original: 2.7)', {
      exclusiveMinimum: 0,
    }),
    minStepPips: num(1, 'move the stop only by more than this (original: 0.0001 on FX = 1 pip)', { minimum: 0 }),
    earlyCutEnabled: bool(true, 'original EARLY_CUT_ENABLED'),
    earlyCutLossAtr: num(0.5, 'original EARLY_CUT_LOSS_ATR: a loss beyond this (ATRs) with enough adverse signals closes', { exclusiveMinimum: 0 }),
    earlyCutRsiThreshold: num(35, 'original EARLY_CUT_RSI_THRESHOLD: RSI below this (long) / above 100 − this (short) is adverse', { minimum: 0, maximum: 50 }),
    earlyCutMacdBars: {
      type: 'integer',
      minimum: 1,
      maximum: 8,
      default: 3,
      description: 'original EARLY_CUT_MACD_BARS: MACD histogram against the trade for this many bars is adverse',
    },
    earlyCutMinSignals: {
      type: 'integer',
      minimum: 1,
      maximum: 3,
      default: 2,
      description: 'adverse signals needed (RSI, MACD, close beyond SMA20; original: 2)',
    },
  },
} as const;
