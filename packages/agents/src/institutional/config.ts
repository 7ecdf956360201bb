/**
 * Config of `@tradekit/agents/institutional`. Every threshold of the original's settings table that the
 * agent applies is here with the original's default (its names in the descriptions, as `original NAME`:
 * docs/glossary.md); docs/agents.md lists them.
 */
import { timeframePattern, type Timeframe } from '@tradekit/core';
import type { PreTradeParams } from '../analysis/pre-trade.js';
import type { RegimeKey, RegimeParams } from '../analysis/regime.js';
import type { BosParams, MeanReversionParams } from '../analysis/setups.js';

export interface RegimeGroupParams {
  minScore: number;
  tpAtr: number;
  slAtr: number;
  maxDaily: number;
}

export interface InstitutionalConfig {
  symbols?: string[];
  timeframe: Timeframe;
  historyBars: number;
  htfBars: number;
  minBars: number;
  staleBars: number;
  m5TrendFilter: boolean;
  h1TrendFilter: boolean;
  h4TrendFilter: boolean;
  trendBand: number;
  adxStrong: number;
  minConfluenceScore: number;
  probStrong: number;
  rfProbThreshold: number;
  probGateBelowScore: number;
  regimeParams: Record<RegimeKey, RegimeGroupParams>;
  regimeExits: boolean;
  regimeDailyLimits: boolean;
  minRegimeScore: number;
  deadMarketRatio: number;
  cooldownSeconds: number;
  consecutiveLossLimit: number;
  circuitBreakerMinutes: number;
  newsFilter: boolean;
  maxSpreadPips: number;
  maxSpreadPipsCrypto: number;
  maxSpreadPipsCommodity: number;
  atrSlMultiplier: number;
  atrTpMultiplier: number;
  smartExit: boolean;
  tpSafetyAtr: number;
  minRiskReward: number;
  minTpSpreadRatio: number;
  minProfitTargetPips: number;
  riskFactorMax: number;
  maxScalingScore: number;
  entry: 'market' | 'limit';
  limitExpirationMinutes: number;
  bos: BosParams & { momentumMultiplier: number; sweepLookback: number };
  meanReversion: MeanReversionParams;
  regime: RegimeParams;
  smc: { sweepRecentBars: number; fvgMinAtr: number; nearAtr: number; maxZones: number };
  preTrade: PreTradeParams;
  model?: string;
}

const num = (def: number, description: string, extra: Record<string, unknown> = {}) => ({ type: 'number', default: def, description, ...extra });
const bool = (def: boolean, description: string) => ({ type: 'boolean', default: def, description });
const regimeGroup = (minScore: number, tpAtr: number, slAtr: number, maxDaily: number) => ({
  type: 'object',
  additionalProperties: false,
  default: { minScore, tpAtr, slAtr, maxDaily },
  properties: {
    minScore: num(minScore, 'confluence score this regime needs', { minimum: 0 }),
    tpAtr: num(tpAtr, 'TP in ATRs (applied with regimeExits)', { exclusiveMinimum: 0 }),
    slAtr: num(slAtr, 'SL in ATRs (applied with regimeExits)', { exclusiveMinimum: 0 }),
    maxDaily: { type: 'integer', minimum: 0, default: maxDaily, description: 'trades per symbol per UTC day in this regime (applied with regimeDailyLimits)' },
  },
});

export const INSTITUTIONAL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    symbols: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      description: 'subset of the run symbols (default: all): one agent per symbol',
    },
    timeframe: {
      type: 'string',
      pattern: timeframePattern(['M1', 'M5', 'M15', 'M30', 'H1']),
      default: 'M5',
      description: 'primary timeframe (original TIMEFRAME "M5")',
    },
    historyBars: {
      type: 'integer',
      minimum: 100,
      default: 2000,
      description: 'bars read on the first scan (original: primary TF × 2000); later scans read only new bars',
    },
    htfBars: {
      type: 'integer',
      minimum: 50,
      default: 250,
      description: 'H1/H4 bars needed on the first scan (original: × 250); the shared tracks read max(historyBars, htfBars) bars of every timeframe once',
    },
    minBars: { type: 'integer', minimum: 30, default: 100, description: 'fewer primary bars → "Insufficient Data"' },
    staleBars: { type: 'integer', minimum: 1, default: 3, description: 'no new primary bar for this many bar lengths → "Stale Data" (market closed)' },
    m5TrendFilter: bool(true, 'original M5_TREND_FILTER: an opposing primary-TF trend blocks'),
    h1TrendFilter: bool(true, 'original H1_TREND_FILTER: an opposing H1 trend blocks'),
    h4TrendFilter: bool(true, 'original H4_TREND_FILTER: an opposing H4 trend blocks'),
    trendBand: num(0.001, 'close vs SMA50 band for a trend (0.1 %)', { minimum: 0, maximum: 0.1 }),
    adxStrong: num(25, 'ADX above this adds a confluence point', { minimum: 0, maximum: 100 }),
    minConfluenceScore: num(2, 'original MIN_CONFLUENCE_SCORE: floor under every regime minimum', { minimum: 0 }),
    probStrong: num(0.85, 'directional probability above this adds 2 points', { minimum: 0.5, maximum: 1 }),
    rfProbThreshold: num(
      0.52,
      'original RF_PROB_THRESHOLD: probability above this adds 1 point; below it → "Low ML Prob" (with a model, for scores under probGateBelowScore)',
      { minimum: 0.5, maximum: 1 },
    ),
    probGateBelowScore: num(5, 'the probability gate applies to scores below this (original: 5)', { minimum: 0 }),
    regimeParams: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'original REGIME_PARAMS',
      properties: { TRENDING: regimeGroup(3, 5.0, 1.8, 4), RANGING: regimeGroup(5, 2.5, 1.5, 2), VOLATILE: regimeGroup(5, 3.0, 2.5, 1) },
    },
    regimeExits: bool(false, 'use regimeParams tpAtr/slAtr instead of atrSlMultiplier/TP (the original computed them but never applied them)'),
    regimeDailyLimits: bool(false, 'apply regimeParams maxDaily per symbol (the original never applied it)'),
    minRegimeScore: num(2, 'regime direction score under this → "Weak Regime"', { minimum: 0, maximum: 10 }),
    deadMarketRatio: num(0.2, 'ATR under this × its 100-bar mean → "Market Too Dead"', { minimum: 0 }),
    cooldownSeconds: num(120, 'original COOLDOWN_SECONDS: after a fill on this symbol', { minimum: 0 }),
    consecutiveLossLimit: {
      type: 'integer',
      minimum: 0,
      default: 2,
      description: 'original CONSECUTIVE_LOSS_LIMIT: this many losing trades in a row pause the symbol (0 = off)',
    },
    circuitBreakerMinutes: num(240, 'pause length after the loss limit (0 = until the next UTC day); the original never resumed', { minimum: 0 }),
    newsFilter: bool(true, 'original NEWS_FILTER_ENABLE: "News Blackout" when a news plugin is configured'),
    maxSpreadPips: num(3.0, 'original MAX_SPREAD_PIPS (pips = points / 10)', { exclusiveMinimum: 0 }),
    maxSpreadPipsCrypto: num(20000, 'original MAX_SPREAD_PIPS_CRYPTO', { exclusiveMinimum: 0 }),
    maxSpreadPipsCommodity: num(80, 'original MAX_SPREAD_PIPS_COMMODITY (metals and commodities)', { exclusiveMinimum: 0 }),
    atrSlMultiplier: num(0.8, 'original ATR_SL_MULTIPLIER', { exclusiveMinimum: 0 }),
    atrTpMultiplier: num(2.0, 'original ATR_TP_MULTIPLIER (used when smartExit is off)', { exclusiveMinimum: 0 }),
    smartExit: bool(true, 'original SMART_EXIT_ENABLED: the trade manager exits; the TP is a far safety net'),
    tpSafetyAtr: num(10, 'original TP_SAFETY_ATR: TP in ATRs with smartExit', { exclusiveMinimum: 0 }),
    minRiskReward: num(1.2, 'original MIN_RISK_REWARD_RATIO → "Low R:R"', { minimum: 0 }),
    minTpSpreadRatio: num(3.0, 'original MIN_TP_SPREAD_RATIO: TP under this × spread → "TP too small"', { minimum: 0 }),
    minProfitTargetPips: num(5.0, 'original MIN_PROFIT_TARGET_PIPS → "Low Profit Target"', { minimum: 0 }),
    riskFactorMax: num(2.0, 'original RISK_FACTOR_MAX: scaling given to scores ≥ maxScalingScore', { minimum: 0 }),
    maxScalingScore: num(8, 'score from which scaling = riskFactorMax (original: 8; reachable by BOS/MR setups)', { minimum: 0 }),
    entry: {
      enum: ['market', 'limit'],
      default: 'limit',
      description: "limit = the original's maker entry at bid (buy) / ask (sell), expiring; a trade counts only when it fills",
    },
    limitExpirationMinutes: num(10, 'original LIMIT_ORDER_EXPIRATION_MINUTES', { exclusiveMinimum: 0 }),
    bos: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: bool(true, 'original BOS_ENABLE'),
        momentumMultiplier: num(1.5, 'original BOS_MOMENTUM_MULTIPLIER: breakout body ≥ this × average body', { exclusiveMinimum: 0 }),
        sweepLookback: { type: 'integer', minimum: 3, default: 20, description: 'original BOS_SWEEP_LOOKBACK: bars defining the structure level' },
        maxSpreadRatio: num(0.15, 'original BOS_MAX_SPREAD_RATIO: spread / SL (both price units)', { exclusiveMinimum: 0 }),
        huntingHours: {
          type: 'array',
          items: { type: 'integer', minimum: 0, maximum: 23 },
          default: [8, 9, 10, 13, 14, 15],
          description: 'original BOS_HUNTING_HOURS (UTC); [] = any hour',
        },
        minRiskReward: num(2.5, 'original BOS_MIN_RISK_REWARD: TP = SL × this', { exclusiveMinimum: 0 }),
        requireConfirmation: bool(true, 'original BOS_REQUIRE_CONFIRMATION (enforced here): enter on a pullback limit'),
        minPullbackPct: num(0.3, 'original BOS_MIN_PULLBACK_PCT: pullback into the breakout candle', { minimum: 0, maximum: 1 }),
        score: num(10, 'score of a BOS candidate (original: 10)', { minimum: 0 }),
        scaling: num(2.0, 'sizing factor of a BOS candidate (original: 2.0)', { minimum: 0 }),
      },
    },
    meanReversion: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: bool(true, 'original MEAN_REVER_ENABLE'),
        rsiLow: num(30, 'buy when RSI is below this and price below the lower band', { minimum: 0, maximum: 50 }),
        rsiHigh: num(70, 'sell when RSI is above this and price above the upper band', { minimum: 50, maximum: 100 }),
        slAtr: num(1.0, 'SL in ATRs', { exclusiveMinimum: 0 }),
        riskReward: num(1.5, 'original MR_RISK_REWARD: TP = SL × this', { exclusiveMinimum: 0 }),
        score: num(10, 'score of an MR candidate (original: 10)', { minimum: 0 }),
        scaling: num(1.0, 'sizing factor of an MR candidate', { minimum: 0 }),
      },
    },
    regime: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'rule-based regime detector thresholds (original regime.py)',
      properties: {
        volHighRatio: num(2, 'ATR / SMA20(ATR) above this → VOLATILE_HIGH', { exclusiveMinimum: 0 }),
        volLowRatio: num(0.6, 'ATR ratio below this (and narrow bands) → VOLATILE_LOW', { exclusiveMinimum: 0 }),
        volLowBbWidth: num(0.01, 'band width (fraction of price) for VOLATILE_LOW', { exclusiveMinimum: 0 }),
        volumeSpike: num(1.5, 'volume / SMA20(volume) for a breakout', { exclusiveMinimum: 0 }),
        breakoutVolRatio: num(1.3, 'ATR ratio for a breakout', { exclusiveMinimum: 0 }),
        adxTrend: num(25, 'ADX above this → TRENDING*', { minimum: 0 }),
        adxReversal: num(20, 'ADX a divergence needs for REVERSAL*', { minimum: 0 }),
        adxRange: num(20, 'ADX below this (and narrow bands) → RANGING', { minimum: 0 }),
        rangeBbWidth: num(0.008, 'band width for RANGING', { exclusiveMinimum: 0 }),
      },
    },
    smc: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        sweepRecentBars: { type: 'integer', minimum: 1, default: 3, description: 'a liquidity sweep counts for this many bars' },
        fvgMinAtr: num(0.1, 'ignore fair-value gaps smaller than this × ATR', { minimum: 0 }),
        nearAtr: num(0.5, '"near" an order block / gap: within this × ATR', { minimum: 0 }),
        maxZones: { type: 'integer', minimum: 1, default: 10, description: 'live zones kept per kind' },
      },
    },
    preTrade: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: "the original's pre-trade analyzer: a weighted score in [0, 1] under minScore blocks the entry",
      properties: {
        enabled: bool(true, 'original PreTradeAnalyzer (always on there): score the candidate before it is proposed'),
        minScore: num(0.25, 'score under this → "Pre-Trade Block" (original: 0.25; ≥ 0.40 ENTRY, ≥ 0.65 STRONG_ENTRY)', { minimum: 0, maximum: 1 }),
        weights: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'component weights (they must sum to 1)',
          properties: {
            trend: num(0.3, 'known trends (primary, H1/H4 when read) with the trade: 1, flat 0.5, against 0 (original 0.30)', { minimum: 0, maximum: 1 }),
            model: num(0.25, 'directional model probability, 0.5 without a model (original ML 0.25)', { minimum: 0, maximum: 1 }),
            memory: num(0.2, 'pattern memory: not reproduced, a neutral 0.5 (original RAG 0.20)', { minimum: 0, maximum: 1 }),
            momentum: num(0.15, 'mean of RSI in the trade direction and the MACD histogram sign (original 0.15)', { minimum: 0, maximum: 1 }),
            calm: num(0.1, '1 − volatility, volatility = ATR ratio / regime.volHighRatio clamped to [0, 1] (original 0.10)', { minimum: 0, maximum: 1 }),
          },
        },
      },
    },
    model: {
      type: 'string',
      minLength: 1,
      description: 'probability model JSON from `tradekit train` (relative to the config); none = neutral 0.5 and no probability gate',
    },
  },
} as const;
