/**
 * A plugin is data plus one function: a plain object with a manifest (name, version, what it needs
 * and provides, a JSON schema for its config) and `setup`. The loader checks everything in the
 * manifest and validates the config before the first `setup` runs.
 */
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { EngineHooks } from './hooks.js';
import type { Agent, Broker, Clock, DataSource, Logger, RiskPolicy, RunInfo, Sink, StateStore } from './interfaces.js';
import type { MaybePromise, RunMode } from './types.js';
import type { TradingStateController } from './engine/trading-state.js';

export const PLUGIN_KINDS = ['agent', 'risk', 'data', 'broker', 'sink', 'hook'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export type Teardown = () => MaybePromise<void>;

export interface PluginManifest<C = Record<string, unknown>> {
  /** Unique name, usually the npm package name (`@acme/tradekit-momentum`). */
  name: string;
  /** Semver version of the plugin. */
  version: string;
  description?: string;
  /** Semver ranges: `@tradekit/core`, another plugin's name, or an installed package. Checked before setup. */
  requires?: Record<string, string>;
  provides: readonly PluginKind[];
  /** JSON schema (ajv) for `with:`; defaults are applied before `setup` sees the config. */
  configSchema?: Record<string, unknown>;
  setup(ctx: PluginContext, config: C): MaybePromise<void | Teardown>;
}

export interface PluginContext {
  readonly plugin: { readonly name: string; readonly version: string; readonly instance: string };
  readonly run: RunInfo;
  readonly mode: RunMode;
  readonly symbols: readonly string[];
  /** The engine's hooks (taps made during setup are attributed to this plugin). */
  readonly hooks: EngineHooks;
  /** This plugin's child container. */
  readonly container: DependencyContainer;
  readonly clock: Clock;
  readonly log: Logger;
  readonly state: StateStore;
  readonly tradingState: TradingStateController;
  /** Directory of the config file: resolve relative paths in plugin config against it. */
  readonly configDir: string;
  /**
   * A path from plugin config → absolute (relative ones against `configDir`). Every file a plugin reads
   * or writes must go through this: under a host that confines runs (`tradekit serve`) it returns the
   * real path and throws a coded error for anything outside the allowed roots. `what` names the path
   * in that error (e.g. "data dir").
   */
  resolvePath(p: string, what?: string): string;
  /** A value from the config's `secrets:` (never log it). */
  secret(name: string): string | undefined;
  /** Registers a service in the run's container (where the engine and other plugins find it). */
  register<T>(token: InjectionToken<T>, value: T): void;
  resolve<T>(token: InjectionToken<T>): T;
  resolveAll<T>(token: InjectionToken<T>): T[];
  isRegistered<T>(token: InjectionToken<T>): boolean;
  addAgent(agent: Agent): void;
  addRiskPolicy(policy: RiskPolicy): void;
  addSink(sink: Sink): void;
  setDataSource(source: DataSource): void;
  setBroker(broker: Broker): void;
  /** Called on shutdown, in reverse setup order. */
  onClose(fn: Teardown): void;
}

/** Identity with types: `export default definePlugin({ … })`. */
export function definePlugin<C = Record<string, unknown>>(manifest: PluginManifest<C>): PluginManifest<C> {
  return Object.freeze({ ...manifest });
}
