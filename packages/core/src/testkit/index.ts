/**
 * `@tradekit/core/testkit`: conformance kits and test doubles for plugin authors. Framework-agnostic
 * (node:assert inside); nothing here is loaded by a run.
 */
export { BROKER_CONFORMANCE, conformanceCases, runConformanceCase, defineBrokerConformance, type BrokerHarness, type ConformanceCase, type HarnessFactory } from './broker-conformance.js';
export { ScriptedMarket } from './scripted-market.js';
