/** One InjectionToken per interface. Tokens are symbols: nothing depends on class names or metadata. */
import type { InjectionToken } from 'tsyringe';
import type { Agent, Broker, Clock, DataSource, Logger, RiskPolicy, RunInfo, Sink, StateStore } from './interfaces.js';
import type { EngineHooks } from './hooks.js';
import type { RunConfig } from './config/schema.js';
import type { TradingStateController } from './engine/trading-state.js';
import type { EventBus } from './events/bus.js';
import type { EngineSettings } from './engine/settings.js';
import type { PaperBrokerOptions } from './paper/account.js';

export const ClockToken: InjectionToken<Clock> = Symbol.for('tradekit.Clock');
export const DataSourceToken: InjectionToken<DataSource> = Symbol.for('tradekit.DataSource');
export const BrokerToken: InjectionToken<Broker> = Symbol.for('tradekit.Broker');
/**
 * Multi-registration: every `ctx.addAgent` registers its agent here in the run's container, so a
 * later plugin can see them with `ctx.resolveAll(AgentToken)`; the run wires each agent into the
 * hooks under the plugin that added it (kernel/run.ts).
 */
export const AgentToken: InjectionToken<Agent> = Symbol.for('tradekit.Agent');
/** Multi-registration, like AgentToken (`ctx.addRiskPolicy`). Several policies compose; any block wins. */
export const RiskPolicyToken: InjectionToken<RiskPolicy> = Symbol.for('tradekit.RiskPolicy');
/** Multi-registration, like AgentToken (`ctx.addSink`): every sink gets every event. */
export const SinkToken: InjectionToken<Sink> = Symbol.for('tradekit.Sink');
export const StateStoreToken: InjectionToken<StateStore> = Symbol.for('tradekit.StateStore');
export const LoggerToken: InjectionToken<Logger> = Symbol.for('tradekit.Logger');
export const HooksToken: InjectionToken<EngineHooks> = Symbol.for('tradekit.Hooks');
export const RunInfoToken: InjectionToken<RunInfo> = Symbol.for('tradekit.RunInfo');
export const RunConfigToken: InjectionToken<RunConfig> = Symbol.for('tradekit.RunConfig');
export const TradingStateToken: InjectionToken<TradingStateController> = Symbol.for('tradekit.TradingState');
export const EventBusToken: InjectionToken<EventBus> = Symbol.for('tradekit.EventBus');
export const EngineSettingsToken: InjectionToken<EngineSettings> = Symbol.for('tradekit.EngineSettings');
export const PaperBrokerOptionsToken: InjectionToken<Partial<PaperBrokerOptions>> = Symbol.for('tradekit.PaperBrokerOptions');
