/**
 * @tradekit/agents public API. The plugins themselves are the package's subpath exports
 * (`@tradekit/agents/institutional`, `/risk`, `/trade-manager`, `/news`, `/stat-arb`); this entry
 * exposes their building blocks for tests, tools (`tradekit train`) and other plugins.
 */
export { AgentErrorCodes, agentsError, type AgentErrorCode } from './errors.js';
export { AGENTS_VERSION } from './version.js';

export { Sma } from './indicators/sma.js';
export { Ema, Wilder } from './indicators/ema.js';
export { Rsi } from './indicators/rsi.js';
export { Atr, trueRange } from './indicators/atr.js';
export { Adx } from './indicators/adx.js';
export { Macd } from './indicators/macd.js';
export { Bollinger } from './indicators/bollinger.js';
export { RollingExtreme } from './indicators/rolling-extreme.js';
export { Ring } from './indicators/ring.js';

export { FeatureTrack, FEATURE_DEFAULTS, type Features, type FeatureParams } from './features/track.js';
export { SmcTracker, SMC_DEFAULTS, type SmcParams, type Zone, type StructureBreak } from './features/smc.js';
export { FeatureHub, FeatureHubToken, HubEntry, featureHubOf, type BarTrack } from './features/hub.js';
export { TrendTrack } from './features/trend-track.js';

export { trendOf, type Trend } from './analysis/trend.js';
export {
  detectRegime,
  regimeOf,
  regimeWhy,
  regimeKey,
  regimeScore,
  isTradeable,
  REGIMES,
  REGIME_SCORES,
  REGIME_DEFAULTS,
  type Regime,
  type RegimeKey,
  type RegimeParams,
} from './analysis/regime.js';
export {
  scoreSide,
  sideScore,
  sideBlock,
  bestSide,
  CONFLUENCE_MAX,
  type ConfluenceInput,
  type ConfluenceParams,
  type SideScore,
} from './analysis/confluence.js';
export { bosSetup, meanReversionSetup, type Setup, type BosParams, type MeanReversionParams } from './analysis/setups.js';
export {
  preTradeScore,
  type PreTradeInput,
  type PreTradeParams,
  type PreTradeScore,
  type PreTradeVerdict,
  type PreTradeWeights,
} from './analysis/pre-trade.js';

export { pipSize, toPips } from './market/pips.js';
export { valuePerPriceUnit, conversionRate, type Quote } from './market/money.js';
export { sessionAt, utcHour, utcHourOfDay, DEFAULT_TRADE_SESSIONS, SEED_SESSIONS, type Session } from './market/sessions.js';

export { FEATURE_NAMES, featureVector } from './model/vector.js';
export { fitLogistic, predictLogistic, sigmoid, type LogisticFit } from './model/logistic.js';
export { classifierMetrics, auc, type ClassifierMetrics } from './model/metrics.js';
export { barrierLabel } from './model/labels.js';
export { LogisticModel, loadModelFile, saveModelFile, validateModelFile, MODEL_FORMAT, type ModelFile, type ProbabilityModel } from './model/model-file.js';
export { trainModel, buildDataset, TRAIN_DEFAULTS, type TrainOptions, type TrainResult } from './model/train.js';
export { loadCsvHistory, type HistoryOptions } from './model/history.js';

export { InstitutionalAgent, type AgentSymbolState } from './institutional/agent.js';
export { INSTITUTIONAL_SCHEMA, type InstitutionalConfig } from './institutional/config.js';
export { Status as InstitutionalStatus } from './institutional/status.js';

export { RiskManager, type RiskCounters, type CircuitBreakerState } from './risk/policy.js';
export { RISK_SCHEMA, DEFAULT_CORRELATION_GROUPS, type RiskConfig, type CorrelationGroup } from './risk/config.js';
export { RiskReason } from './risk/status.js';
export { plannedRisk, volumeFor } from './risk/sizing.js';
export { returnCorrelation, ReturnCorrelation, pearson, groupConflict } from './risk/correlation.js';
export { DealStats, payoff, type TradeStats } from './risk/deal-stats.js';
export { currencyExposure, exposureBreach } from './risk/exposure.js';

export { TradeManager, type ExitState } from './trade-manager/manager.js';
export { TRADE_MANAGER_SCHEMA, type TradeManagerConfig } from './trade-manager/config.js';

export { NewsCalendar, NewsCalendarToken, parseCalendar, symbolCurrencies, type CalendarEvent, type CalendarOptions } from './news/calendar.js';

export { StatArbAgent, PairState, alignCloses, type SpreadState, type PairEvaluation } from './stat-arb/agent.js';
export { EngleGrangerFit } from './stat-arb/engle-granger-fit.js';
export { STAT_ARB_SCHEMA, type StatArbConfig } from './stat-arb/config.js';
export { engleGranger, adfNoConstant, mackinnonP2, normalCdf, ols, type Cointegration, type AdfResult, type OlsResult } from './stat-arb/cointegration.js';
