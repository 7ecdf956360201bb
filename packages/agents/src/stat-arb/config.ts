/** Config of `@tradekit/agents/stat-arb` (the original's StatArbManager), with the original's defaults. */
import type { Timeframe } from '@tradekit/core';

export interface StatArbConfig {
  pairs: { a: string; b: string }[];
  timeframe: Timeframe;
  bars: number;
  maxPValue: number;
  entryZ: number;
  exitZ: number;
  stopZ: number;
  lotSize: number;
  entry: 'market' | 'limit';
  limitExpirationMinutes: number;
  brokenLegMinutes: number;
  score: number;
}

export const STAT_ARB_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['pairs'],
  properties: {
    pairs: {
      type: 'array',
      minItems: 1,
      description: 'pairs to trade (original STAT_ARB_PAIRS: XAUUSD/DXY); both legs must be run symbols',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['a', 'b'],
        properties: { a: { type: 'string', minLength: 1 }, b: { type: 'string', minLength: 1 } },
      },
    },
    timeframe: { type: 'string', pattern: '^(M5|M15|M30|H1|H4|D1)$', default: 'H1', description: 'bars of the cointegration test (original: H1)' },
    bars: { type: 'integer', minimum: 50, default: 200, description: 'bars per leg (original: 200); fewer → "Insufficient Data"' },
    maxPValue: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.05,
      description: 'Engle-Granger p-value below which the pair is cointegrated (original: 0.05)',
    },
    entryZ: { type: 'number', exclusiveMinimum: 0, default: 2.0, description: 'original STAT_ARB_MAX_ZSCORE: open the spread when |z| exceeds this' },
    exitZ: { type: 'number', minimum: 0, default: 0.5, description: 'flatten when |z| falls below this (original: 0.5)' },
    stopZ: {
      type: 'number',
      minimum: 0,
      default: 4.0,
      description: 'flatten when |z| exceeds this (0 = off; the original used a fixed 0.0100 price stop on each leg)',
    },
    lotSize: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.01,
      description: 'original STAT_ARB_LOT_SIZE: volume of leg A; leg B = |β| × A × contract(A) / contract(B), rounded to the step',
    },
    entry: { enum: ['market', 'limit'], default: 'market', description: "limit = the original's pending limits at bid/ask" },
    limitExpirationMinutes: { type: 'number', exclusiveMinimum: 0, default: 15, description: 'expiry of limit legs (original: 15 min)' },
    brokenLegMinutes: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'close a leg whose partner has not filled after this long' },
    score: { type: 'number', minimum: 0, default: 5, description: 'candidate score (ranking against other agents)' },
  },
} as const;
