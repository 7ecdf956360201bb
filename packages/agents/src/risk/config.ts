/** Config of `@tradekit/agents/risk`: the original's RiskManager rules, each threshold with the original's default. */
import { timeframePattern, type Timeframe } from '@tradekit/core';
import type { Session } from '../market/sessions.js';

export interface CorrelationGroup {
  members: string[];
  inverse: string[];
}

export interface RiskConfig {
  riskPercent: number;
  maxRiskPercent: number;
  riskFactorMax: number;
  scoreTiers: { minScore: number; riskPercent: number }[];
  fixedLots: number;
  useKelly: boolean;
  kellyFraction: number;
  kellyMinTrades: number;
  kellyModelWeight: number;
  kellyNoHistoryDiscount: number;
  kellyMinProbability: number;
  kellyPriorRewardRisk: number;
  kellyWindowTrades: number;
  kellyNoEdge: 'skip' | 'probe';
  kellyProbeRiskPercent: number;
  tailRiskSymbols: string[];
  maxTailRiskLoss: number;
  maxDailyTrades: number;
  minTradeIntervalMinutes: number;
  maxDailyLoss: number;
  dailyLossScope: 'account' | 'run';
  killSwitchLookbackTrades: number;
  killSwitchLossThreshold: number;
  killSwitchMinDeals: number;
  mandateMinRr: boolean;
  avgLossRatioThreshold: number;
  payoffMinDeals: number;
  riskOverrideSymbols: string[];
  statsWindowDays: number;
  statsRefreshSeconds: number;
  maxSpreadPips: number;
  maxSpreadPipsCrypto: number;
  maxSpreadPipsCommodity: number;
  newsFilter: boolean;
  sessionFilter: boolean;
  tradeSessions: Session[];
  sessionExemptClasses: string[];
  maxOpenPositions: number;
  maxConcurrentTrades: number;
  maxPositionsPerSymbol: number;
  maxCorrelation: number;
  correlationTimeframe: Timeframe;
  correlationBars: number;
  correlationGroups: Record<string, CorrelationGroup>;
  maxCurrencyExposureLots: number;
  maxMarginUsePercent: number;
  leverageBy: Record<string, number>;
  commissionPerLot: number;
  minNetProfitRatio: number;
  maxCostToTpRatio: number;
  minRiskReward: number;
}

/** Static correlation groups (fallback when live correlation cannot be computed). Suffixes are stripped. */
export const DEFAULT_CORRELATION_GROUPS: Record<string, CorrelationGroup> = {
  eur_usd: { members: ['EURUSD', 'GBPUSD', 'AUDUSD', 'NZDUSD'], inverse: ['USDCHF', 'USDCAD'] },
  gbp_usd: { members: ['GBPUSD', 'GBPJPY', 'GBPCHF'], inverse: ['EURGBP'] },
  risk_on: { members: ['AUDUSD', 'NZDUSD', 'AUDJPY', 'NAS100', 'US30', 'US500', 'GER40'], inverse: [] },
  jpy_safe_haven: { members: ['USDJPY', 'EURJPY', 'GBPJPY', 'AUDJPY'], inverse: [] },
  metals: { members: ['XAUUSD', 'XAGUSD'], inverse: ['USDJPY', 'USDCHF'] },
  crypto: { members: ['BTCUSD', 'ETHUSD'], inverse: [] },
  energy: { members: ['USOIL', 'UKOIL'], inverse: ['USDCAD'] },
};

const num = (def: number, description: string, extra: Record<string, unknown> = {}) => ({ type: 'number', default: def, description, ...extra });
const bool = (def: boolean, description: string) => ({ type: 'boolean', default: def, description });
const symbols = (def: string[], description: string) => ({ type: 'array', items: { type: 'string', minLength: 1 }, default: def, description });

export const RISK_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    riskPercent: num(1.0, 'original RISK_PERCENT: % of balance risked per trade (base tier)', { exclusiveMinimum: 0, maximum: 100 }),
    maxRiskPercent: num(2.0, 'original MAX_RISK_PERCENT: hard cap on % risked per trade, after scaling', { exclusiveMinimum: 0, maximum: 100 }),
    riskFactorMax: num(2.0, 'original RISK_FACTOR_MAX: candidate scaling is clamped to [0, this]', { minimum: 0 }),
    scoreTiers: {
      type: 'array',
      default: [
        { minScore: 6, riskPercent: 2.0 },
        { minScore: 5, riskPercent: 1.5 },
      ],
      description: 'risk % by confluence score when Kelly does not apply (original: 6 → 2 %, 5 → 1.5 %, else riskPercent)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['minScore', 'riskPercent'],
        properties: { minScore: { type: 'number' }, riskPercent: { type: 'number', exclusiveMinimum: 0 } },
      },
    },
    fixedLots: num(0, 'fixed volume instead of risk sizing (0 = size by risk; the original fell back to LOT_SIZE 0.01 on bad inputs, this skips instead)', {
      minimum: 0,
    }),
    useKelly: bool(true, 'original USE_KELLY'),
    kellyFraction: num(0.25, 'original KELLY_FRACTION (quarter Kelly)', { exclusiveMinimum: 0, maximum: 1 }),
    kellyMinTrades: { type: 'integer', minimum: 1, default: 20, description: 'original KELLY_MIN_TRADES: closed trades before the history is used' },
    kellyModelWeight: num(0.7, 'win rate = this × model probability + (1 − this) × historical win rate (original 0.7)', { minimum: 0, maximum: 1 }),
    kellyNoHistoryDiscount: num(0.8, 'without history: win rate = this × model probability (original 0.8)', { minimum: 0, maximum: 1 }),
    kellyMinProbability: num(0.6, 'without history Kelly applies only above this model probability (original 0.6)', { minimum: 0, maximum: 1 }),
    kellyPriorRewardRisk: num(2.5, 'payoff assumed without history (original ATR_TP_MULTIPLIER / ATR_SL_MULTIPLIER = 2.0 / 0.8)', { exclusiveMinimum: 0 }),
    kellyWindowTrades: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        'Kelly reads only the last N closed trades of this run inside statsWindowDays (0 = every one of them, the original); must be ≥ kellyMinTrades when set',
    },
    kellyNoEdge: {
      enum: ['skip', 'probe'],
      default: 'skip',
      description:
        'when Kelly finds no edge (f ≤ 0): skip the trade ("Kelly: no edge"; no trade closes, so sizing resumes only when losing trades leave the window) or probe: size at kellyProbeRiskPercent (no scaling up) so trades keep closing and the window keeps moving (the original sized 0 and clamped up to the minimum volume)',
    },
    kellyProbeRiskPercent: num(0.25, 'risk % of a probe trade (kellyNoEdge: probe), still capped by maxRiskPercent and the tail clamp', {
      exclusiveMinimum: 0,
    }),
    tailRiskSymbols: symbols(['XAUUSD', 'BTCUSD', 'ETHUSD', 'USOIL'], 'original TAIL_RISK_SYMBOLS (suffix-aware: XAUUSDm matches)'),
    maxTailRiskLoss: num(30, 'original MAX_TAIL_RISK_LOSS_USD (account currency): risk cap on tail-risk symbols', { exclusiveMinimum: 0 }),
    maxDailyTrades: { type: 'integer', minimum: 0, default: 9999, description: 'original MAX_DAILY_TRADES: fills per UTC day (persisted; 0 = no limit)' },
    minTradeIntervalMinutes: num(15, 'original MIN_TRADE_INTERVAL_MINUTES: between fills on one symbol (persisted)', { minimum: 0 }),
    maxDailyLoss: num(100, 'original MAX_DAILY_LOSS_USD (account currency): net realised loss since UTC midnight (0 = off)', { minimum: 0 }),
    dailyLossScope: { enum: ['account', 'run'], default: 'account', description: "count every deal of the account (original) or only this run's" },
    killSwitchLookbackTrades: {
      type: 'integer',
      minimum: 1,
      default: 15,
      description: 'original KILL_SWITCH_LOOKBACK_TRADES: last N closing deals of the symbol',
    },
    killSwitchLossThreshold: num(-60, 'original KILL_SWITCH_LOSS_THRESHOLD (account currency): their net sum below this blocks the symbol'),
    killSwitchMinDeals: { type: 'integer', minimum: 1, default: 10, description: 'the kill switch needs this many deals (original: 10)' },
    mandateMinRr: bool(true, 'original MANDATE_MIN_RR: enforce minRiskReward and the payoff mandate'),
    avgLossRatioThreshold: num(2.0, 'original AVG_LOSS_RATIO_THRESHOLD: avg loss / avg win above this blocks the symbol', { exclusiveMinimum: 0 }),
    payoffMinDeals: { type: 'integer', minimum: 1, default: 20, description: 'the payoff mandate needs this many deals (original: 20)' },
    riskOverrideSymbols: symbols(
      ['EURUSD', 'GBPUSD', 'USDJPY', 'BTCUSD', 'XAUUSD', 'ETHUSD'],
      'original RISK_OVERRIDE_SYMBOLS_BASE: kill switch and payoff mandate skip these (suffix-aware)',
    ),
    statsWindowDays: num(30, 'deal history window (days) for the kill switch, payoff mandate and Kelly (original: 30 days)', { exclusiveMinimum: 0 }),
    statsRefreshSeconds: num(300, 'recompute deal statistics at most this often (and after each close)', { minimum: 0 }),
    maxSpreadPips: num(3.0, 'original MAX_SPREAD_PIPS: pre-trade spread check on the live quote', { exclusiveMinimum: 0 }),
    maxSpreadPipsCrypto: num(20000, 'original MAX_SPREAD_PIPS_CRYPTO', { exclusiveMinimum: 0 }),
    maxSpreadPipsCommodity: num(80, 'original MAX_SPREAD_PIPS_COMMODITY (metals and commodities)', { exclusiveMinimum: 0 }),
    newsFilter: bool(true, 'pre-trade news blackout check when a news plugin is configured'),
    sessionFilter: bool(false, 'original SESSION_FILTER: trade only inside tradeSessions'),
    tradeSessions: {
      type: 'array',
      default: [
        { name: 'london', start: 7, end: 11 },
        { name: 'ny', start: 13, end: 17 },
        { name: 'overlap', start: 13, end: 16 },
      ],
      description: 'original TRADE_SESSIONS (UTC hours, fractions allowed)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'start', 'end'],
        properties: { name: { type: 'string' }, start: { type: 'number', minimum: 0, maximum: 24 }, end: { type: 'number', minimum: 0, maximum: 24 } },
      },
    },
    sessionExemptClasses: {
      type: 'array',
      items: { enum: ['forex', 'metal', 'index', 'crypto', 'commodity', 'stock', 'other'] },
      default: ['crypto'],
      description: 'asset classes the session filter skips (original: crypto)',
    },
    maxOpenPositions: { type: 'integer', minimum: 0, default: 50, description: 'original MAX_OPEN_POSITIONS: cycle gate on all account positions (0 = off)' },
    maxConcurrentTrades: {
      type: 'integer',
      minimum: 0,
      default: 10,
      description: 'original MAX_CONCURRENT_TRADES: pre-trade check on all account positions (0 = off)',
    },
    maxPositionsPerSymbol: { type: 'integer', minimum: 0, default: 0, description: 'positions of this run per symbol (0 = no limit, as the original)' },
    maxCorrelation: num(0.75, 'original MAX_PORTFOLIO_CORRELATION (the original read it but applied a hard-coded 0.85): |ρ| above this conflicts', {
      minimum: 0,
      maximum: 1,
    }),
    correlationTimeframe: {
      type: 'string',
      pattern: timeframePattern(['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1']),
      default: 'M5',
      description: 'bars for the live correlation (original: M1; the sample data starts at M5)',
    },
    correlationBars: { type: 'integer', minimum: 10, default: 60, description: 'closes for the live correlation (original: 60)' },
    correlationGroups: {
      type: 'object',
      default: DEFAULT_CORRELATION_GROUPS,
      description: 'static groups used when live correlation is unavailable',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['members'],
        properties: { members: { type: 'array', items: { type: 'string' } }, inverse: { type: 'array', items: { type: 'string' }, default: [] } },
      },
    },
    maxCurrencyExposureLots: num(0.03, 'net lots per currency a new trade may stack onto (original: hard-coded 0.03; 0 = off)', { minimum: 0 }),
    maxMarginUsePercent: num(
      80,
      'a new order may use at most this % of free margin; larger sizes are reduced, and skipped below the minimum volume (not in the original: it sized by risk only and let the broker refuse)',
      { exclusiveMinimum: 0, maximum: 100 },
    ),
    leverageBy: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'number', minimum: 1 },
      description: 'leverage per symbol or asset class for the margin estimate (default: the account leverage), e.g. { index: 20 }',
    },
    commissionPerLot: num(7.0, 'original COMMISSION_PER_LOT (account currency, round trip): part of the cost gate', { minimum: 0 }),
    minNetProfitRatio: num(3.0, 'original MIN_NET_PROFIT_RATIO: (TP − cost) must be ≥ this × cost', { minimum: 0 }),
    maxCostToTpRatio: num(0.3, 'cost above this share of the TP distance blocks (original: hard-coded 0.30)', { minimum: 0 }),
    minRiskReward: num(1.2, 'original MIN_RISK_REWARD_RATIO: TP / SL of the order (with mandateMinRr)', { minimum: 0 }),
  },
} as const;
