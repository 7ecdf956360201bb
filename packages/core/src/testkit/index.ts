/**
 * `@tradekit/core/testkit`: the strategy test kit and conformance kits for plugin and strategy
 * authors (docs/testing.md). Framework-agnostic: plain functions that return reports, and `assert*`
 * ones that throw a coded `TK_ERR_TESTKIT_*` error test runners show as an assertion failure (mocha,
 * `node --test`, vitest alike). Nothing here is loaded by a run.
 */
export {
  BROKER_CONFORMANCE,
  conformanceCases,
  runConformanceCase,
  defineBrokerConformance,
  type BrokerHarness,
  type ConformanceCase,
  type HarnessFactory,
} from './broker-conformance.js';
export { ScriptedMarket } from './scripted-market.js';
export { TestkitAssertionError, type TestkitCode } from './assertion.js';
export {
  runStrategy,
  type StrategyRunOptions,
  type StrategyRun,
  type FixtureDataOptions,
  type Decision,
  type SignalRecord,
  type OrderRecord,
} from './run-strategy.js';
export { compareRuns, type Comparison, type RecordDiff, type RecordKind } from './compare.js';
export { matchGolden, goldenOf, stableJson, type GoldenOptions, type GoldenResult } from './golden.js';
export { checkLookahead, assertNoLookahead, type LookaheadOptions, type LookaheadReport, type LookaheadVariant } from './lookahead.js';
export {
  checkWarmup,
  assertWarmup,
  checkIndicatorWarmup,
  assertIndicatorWarmup,
  type WarmupOptions,
  type WarmupReport,
  type WarmupVariant,
  type IndicatorInput,
  type IndicatorWarmupOptions,
  type IndicatorWarmupReport,
} from './warmup.js';
export {
  readFixtureBars,
  writeFixtureBars,
  cutAfter,
  mutateAfter,
  trimBefore,
  seededRandom,
  MUTATIONS,
  type BarFile,
  type FixtureBars,
  type MutationKind,
  type ReadFixtureOptions,
} from './fixture-bars.js';
