/** @tradekit/core public API. Anything not exported here may change without notice. */
import 'reflect-metadata';

export * from './types.js';
export * from './interfaces.js';
export * from './tokens.js';
export {
  TradekitError,
  ErrorCodes,
  isTradekitError,
  pluginError,
  type ErrorCode,
  type ErrorCodeRegistry,
  type ErrorClass,
  type SourceLocation,
  type TradekitErrorOptions,
} from './errors.js';
export {
  createHooks,
  tapMaybe,
  HOOK_NAMES,
  TRADEKIT_INTERCEPTOR,
  type EngineHooks,
  type HookName,
  type HookSignatures,
  type MaybeTap,
  type TapOptions,
} from './hooks.js';
export { definePlugin, PLUGIN_KINDS, type PluginContext, type PluginKind, type PluginManifest, type Teardown } from './plugin.js';
export { CORE_VERSION } from './version.js';

export { LiveClock } from './clock/live-clock.js';
export { SimClock } from './clock/sim-clock.js';

export { CsvDataSource, type CsvSourceOptions } from './data/csv-source.js';
export { roundTo } from './util/round.js';
export { parseMt5Csv, readMt5Csv, type ParsedBars } from './data/csv-parse.js';
export { BarStore } from './data/bar-store.js';
export { TtlCache, CACHE_DEFAULTS, type CacheStats, type TtlCacheOptions } from './data/ttl-cache.js';
export { TIMEFRAME_MS, timeframeMs, isTimeframe, sortTimeframes, timeframePattern } from './data/timeframes.js';
export { TIMEFRAME_PATTERN } from './config/schema.js';
export { serverToUtc, serverToUtcConverter, utcToServer, serverOffsetMs, isDst, type ServerTimeConfig, type DstRule } from './data/server-time.js';
export { symbolInfoFor, canonicalSymbol } from './data/symbol-profiles.js';

export { PaperBroker, PAPER_DEFAULTS, type PaperBrokerOptions, type PaperAccountState } from './paper/paper-broker.js';
export { PersistentPaperBroker, PAPER_ACCOUNT_KEY } from './paper/persistent-paper.js';
export { floorToStep, isVolumeStepMultiple, roundMoney } from './paper/money.js';

export { openStateStore, sqliteFileOf, type OpenStoreOptions } from './store/open-store.js';
export { openMigratedDb, type MigratedDb, type MigrationSet } from './store/migrated-db.js';
export { knexLog } from './store/knex-log.js';
export { KnexStateStore } from './store/knex-store.js';
export { MemoryStateStore } from './store/memory-store.js';

export { EventBus, type EventBusOptions } from './events/bus.js';
export { EVENT_VERSION, type EventPayloads, type EventType, type TradekitEvent } from './events/types.js';
export { ConsoleReporter, type ConsoleReporterOptions } from './events/console-reporter.js';

export { Engine, type EngineDeps, type EngineSettings } from './engine/engine.js';
export { TradingStateController, type StateListener } from './engine/trading-state.js';
export { HookMetrics, instrumentHooks, type HookStats, type TapStats, type InstrumentOptions } from './engine/instrument.js';

export { Run, ConfigErrors, applyRunOverrides, magicOf, type RunOptions, type RunOverrides, type RunSummary } from './kernel/run.js';
export { runBacktest } from './backtest/driver.js';
export { computeStats } from './backtest/stats.js';
export type {
  BacktestOptions,
  BacktestResult,
  BacktestTrade,
  BacktestTradeColumns,
  BacktestStats,
  BacktestSeries,
  EquityColumns,
  EquityPoint,
} from './backtest/types.js';
export { loadConfig, SLOT_ORDER, type LoadOptions, type LoadResult, type LoadedPlugin } from './loader/load-config.js';
export { readConfigFile, parseConfigText, formatPath, type ConfigSource, type PathSegment, type ParseOptions, type Expansion } from './config/source.js';
export { DEFAULT_YAML_LIMITS, type YamlLimits } from './config/yaml-limits.js';
export { rootsPolicy, realPathOf, isWithin, type PathPolicy, type RootsPolicyOptions } from './config/path-policy.js';
export { BUILTIN_PLUGINS, isUrlSpecifier, type PluginPolicy } from './loader/plugin-policy.js';
export { runConfigSchema, type RunConfig, type PluginEntry, type EngineSection, type RunSection, type SlotName } from './config/schema.js';
export { validateAt, compileSchema, suggest } from './config/validate.js';

export { createLogger, silentLogger, type LoggerOptions } from './log/logger.js';
export { createRedactor, NO_REDACTION, type Redactor } from './log/redact.js';
export { runFlow, wait, andThen, isPromiseLike, type Flow } from './util/maybe.js';
export { failpoint, FAILPOINTS_ARMED } from './util/failpoints.js';
export { redactUrl } from './util/redact-url.js';
export { WriteGuard } from './engine/write-guard.js';
export type { RecoveryReport } from './engine/recovery.js';
export type { StateSection } from './config/schema.js';
