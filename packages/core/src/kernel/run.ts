/**
 * The composition root of one run: config → clock, logger, state store, event bus, hooks → plugin
 * setup (each in a child container) → engine → recovery → cycles. Live runs use the wall clock;
 * paper replays and backtests use a SimClock over the data source's history at a chosen pace,
 * through the very same engine.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { TradekitError } from '../errors.js';
import { createHooks, type EngineHooks } from '../hooks.js';
import type { Agent, Broker, Clock, DataSource, LeaseHolder, LeaseState, Logger, RiskPolicy, RunInfo, RunLease, Sink, StateStore } from '../interfaces.js';
import type { PluginContext, Teardown } from '../plugin.js';
import type { CycleSummary, Account, Timeframe } from '../types.js';
import { loadConfig, type LoadOptions, type LoadResult, type LoadedPlugin } from '../loader/load-config.js';
import type { RunConfig } from '../config/schema.js';
import type { PathPolicy } from '../config/path-policy.js';
import { withoutExpandedValues } from '../config/scrub.js';
import { LiveClock, abortableDelay } from '../clock/live-clock.js';
import { SimClock } from '../clock/sim-clock.js';
import { createRedactor, type Redactor } from '../log/redact.js';
import { createLogger } from '../log/logger.js';
import { openStateStore, sqliteFileOf } from '../store/open-store.js';
import { EventBus } from '../events/bus.js';
import { HookMetrics, instrumentHooks } from '../engine/instrument.js';
import { Engine } from '../engine/engine.js';
import { TradingStateController } from '../engine/trading-state.js';
import { wireAgent, wireBuiltins, wireRiskPolicy } from '../engine/wiring.js';
import type { Watchdog } from '../engine/watchdog.js';
import { TIMEFRAME_MS } from '../data/timeframes.js';
import { isPromiseLike } from '../util/maybe.js';
import { failpoint } from '../util/failpoints.js';
import { WriteGuard } from '../engine/write-guard.js';
import {
  AgentToken,
  BrokerToken,
  ClockToken,
  DataSourceToken,
  EngineSettingsToken,
  EventBusToken,
  HooksToken,
  LoggerToken,
  RiskPolicyToken,
  RunConfigToken,
  RunInfoToken,
  SinkToken,
  StateStoreToken,
  TradingStateToken,
} from '../tokens.js';

export interface RunOverrides {
  /** Stop after N cycles. */
  cycles?: number;
  pace?: string;
  stateUrl?: string;
  mode?: 'live' | 'paper' | 'backtest';
  from?: string;
  to?: string;
  logLevel?: RunConfig['logging']['level'];
  /** Replace the config's symbols. */
  symbols?: string[];
  timeframe?: string;
  /** Values set at JSON paths before validation: `{ 'agents[0].with.fast': 5 }`. */
  set?: Record<string, unknown>;
}

export interface RunOptions extends Pick<LoadOptions, 'env' | 'searchPaths' | 'text' | 'envAllow' | 'plugins' | 'limits'> {
  configFile: string;
  /**
   * Confines every path the run touches (file plugins, `ctx.resolvePath`, the SQLite state file) to
   * what the host allows; set by a host running configs it does not trust (`tradekit serve`).
   */
  paths?: PathPolicy;
  overrides?: RunOverrides;
  /** Default: pino per the config's `logging`. */
  logger?: Logger;
  /** Where the default logger writes (default stderr); secrets are redacted before this sees a line. */
  logDestination?: { write(line: string): unknown };
  /** Extra sinks (the CLI's console report). */
  sinks?: Sink[];
  /** Host services (an orchestrator's stream hub…) registered in the run's container before any plugin's setup. */
  services?: { token: InjectionToken<unknown>; value: unknown }[];
  /** Persist events to the journal (default: yes, except in backtests where nobody reads them). */
  persistEvents?: boolean;
  /**
   * The run's id, fixed by whoever schedules it (a queued run keeps its id when another worker takes
   * it over). Default: `run.name` for live runs, `name@session` for replays.
   */
  runId?: string;
  /**
   * Sinks and listeners see an event only once it is persisted (a cluster worker: clients follow the run
   * through Redis, and a worker that takes the run over numbers on from the last persisted event, so a
   * failover leaves no gap). Default: published at once, numbers reserved ahead (see EventBus).
   */
  durableEvents?: boolean;
}

export interface RunSummary {
  id: string;
  cycles: number;
  reason: 'maxCycles' | 'endOfData' | 'stopped';
  startedAt: number;
  endedAt: number;
  account?: Account;
}

/** Thrown by `Run.load` with every config problem found. */
export class ConfigErrors extends TradekitError {
  constructor(readonly errors: TradekitError[]) {
    super(errors[0]!.code, `${errors.length} config error${errors.length > 1 ? 's' : ''}:\n${errors.map((e) => `  ${e.format()}`).join('\n')}`, {
      file: errors[0]!.file,
      line: errors[0]!.line,
      column: errors[0]!.column,
      path: errors[0]!.path,
    });
    this.name = 'ConfigErrors';
  }
}

interface Registration {
  plugin: string;
  agents: Agent[];
  policies: RiskPolicy[];
  sinks: Sink[];
}

export class Run {
  readonly config: RunConfig;
  readonly loaded: LoadResult;
  clock!: Clock;
  log!: Logger;
  store!: StateStore;
  bus!: EventBus;
  hooks!: EngineHooks;
  engine!: Engine;
  tradingState!: TradingStateController;
  container!: DependencyContainer;
  info!: RunInfo;
  data!: DataSource;
  broker!: Broker;
  readonly metrics?: HookMetrics;
  private readonly teardowns: { plugin: string; fn: Teardown }[] = [];
  private readonly abort = new AbortController();
  private currentPlugin: string | undefined;
  private watchdog?: Watchdog;
  private window?: { start: number; end: number };
  private pace = Infinity;
  private redact: Redactor = (s) => s;
  private closed = false;
  private running?: Promise<RunSummary>;
  /** One writer per run: held from start to close, renewed every third of its TTL. */
  lease!: RunLease;
  private leaseState?: LeaseState;
  private leaseTimer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private lastRenew = 0;
  /** Whether broker writes are allowed: the lease is held and the state store works. */
  guard!: WriteGuard;
  /** Wall time of the state store's first failure in a row (the grace period counts from it). */
  private storeFailedAt?: number;
  /** Leases, renewals and the store's grace period are about real processes: wall time. */
  private readonly wall = new LiveClock();

  private constructor(
    readonly options: RunOptions,
    loaded: LoadResult,
  ) {
    this.loaded = loaded;
    this.config = loaded.config;
    if (this.config.engine.hookTimings) this.metrics = new HookMetrics();
  }

  /** Reads and checks the config and every plugin it names; throws ConfigErrors before anything runs. */
  static async load(options: RunOptions): Promise<Run> {
    const o = options.overrides ?? {};
    const loaded = await loadConfig(options.configFile, {
      env: options.env,
      searchPaths: options.searchPaths,
      text: options.text,
      envAllow: options.envAllow,
      plugins: options.plugins,
      paths: options.paths,
      limits: options.limits,
      overrides: (raw) => applyRunOverrides(raw, o),
    });
    if (loaded.errors.length) throw new ConfigErrors(loaded.errors);
    return new Run(options, loaded);
  }

  get id(): string {
    return this.info?.id ?? this.config.run.name;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Composes the run, sets up every plugin, reconciles with the broker. Nothing trades before this returns. */
  async start(): Promise<void> {
    const cfg = this.config;
    const live = cfg.run.mode === 'live' || cfg.run.pace === 'live';
    this.pace = parsePace(cfg.run.pace);
    this.clock = live ? new LiveClock() : new SimClock(0);
    this.redact = createRedactor(this.loaded.source.secretValues);
    this.log =
      this.options.logger ??
      createLogger({
        level: cfg.logging.level,
        format: this.options.logDestination ? 'json' : cfg.logging.format,
        redact: this.redact,
        destination: this.options.logDestination as never,
      });
    const id = this.options.runId ?? (live ? cfg.run.name : `${cfg.run.name}@${sessionStamp()}`);
    this.info = Object.freeze({ id, name: cfg.run.name, mode: cfg.run.mode, magic: cfg.run.magic ?? magicOf(cfg.run.name) });
    this.log = this.log.child({ run: id });

    const scrub = (e: unknown) => withoutExpandedValues(e, this.loaded.source.expansions);
    this.store = await openStateStore({
      url: this.confinedStateUrl(),
      baseDir: this.loaded.source.dir,
      run: id,
      now: () => this.clock.now(),
      redact: this.redact,
      log: this.log,
    }).catch((e: unknown) => {
      throw scrub(e);
    });
    try {
      await this.acquireLease();
      await this.compose();
    } catch (e) {
      await this.close().catch(() => undefined);
      throw scrub(e);
    }
  }

  /** `state.url`, with a SQLite file confined by `options.paths` (its real path) before it is opened. */
  private confinedStateUrl(): string {
    const url = this.config.state.url;
    const file = this.options.paths ? sqliteFileOf(url, this.loaded.source.dir) : undefined;
    if (file === undefined || file === ':memory:') return url;
    try {
      return `sqlite://${this.options.paths!.confine(file, 'state file')}`;
    } catch (e) {
      throw withoutExpandedValues(e, this.loaded.source.expansions);
    }
  }

  /** Takes the run's lease before anything else: a second process on the same run stops here, having done nothing. */
  private async acquireLease(): Promise<void> {
    const ttlMs = Math.round(this.config.state.leaseSeconds * 1000);
    this.lease = this.store.lease({ holder: leaseHolder(), ttlMs, clock: this.wall });
    this.guard = new WriteGuard(this.lease);
    const { state, previous } = await this.lease.acquire();
    this.leaseState = state;
    this.lastRenew = this.wall.now();
    if (previous && previous.expiresAt > 0) {
      this.log.warn(
        { previous: previous.holder, expiredAt: new Date(previous.expiresAt).toISOString(), token: state.token },
        'took the run over from a process that stopped without releasing it: reconciling before trading',
      );
    }
    this.leaseTimer = setInterval(() => void this.renewLease(), Math.max(50, ttlMs / 3));
    this.leaseTimer.unref();
    failpoint('run.leased');
  }

  /** Renews the lease (one renewal at a time); a failure halts the run (store) or stops it (fenced). */
  private renewLease(): Promise<void> {
    if (this.closed || !this.lease) return Promise.resolve();
    this.renewing ??= this.lease
      .renew()
      .then(() => void (this.lastRenew = this.wall.now()))
      .catch((e: unknown) => this.stateFailure(e))
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  /** The state store failed (TK_ERR_STATE_IO: halt, retry, end after the grace period) or the run was fenced (stop now). */
  private stateFailure(e: unknown): void {
    const err =
      e instanceof TradekitError ? e : new TradekitError('TK_ERR_STATE_IO', `state store failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    if (err.code !== 'TK_ERR_RUN_FENCED' && err.code !== 'TK_ERR_STATE_IO') {
      this.log.warn({ code: err.code }, err.message);
      return;
    }
    if (this.engine) this.engine.storeFailed(err);
    else this.guard?.fail(err);
  }

  private onGuardChange(err: TradekitError | undefined): void {
    if (!err) {
      this.storeFailedAt = undefined;
      this.tradingState.release('state store recovered; journal reconciled with the broker');
      return;
    }
    if (err.code === 'TK_ERR_RUN_FENCED') {
      this.log.error({ code: err.code }, err.message);
      this.stop('fenced: another process took the run over');
      return;
    }
    this.storeFailedAt ??= this.wall.now();
    this.log.error({ code: err.code, graceSeconds: this.config.state.failureGraceSeconds }, `${err.message}: trading HALTED until the store works again`);
    this.tradingState.hold(`state store failing (${err.code}): ${err.message}`);
  }

  /**
   * While the store fails, each cycle first probes it (a fenced lease renewal and the event backlog);
   * once it works, the journal is reconciled with the broker and trading resumes. Past the grace
   * period the run ends with TK_ERR_STATE_IO.
   */
  private async recoverStore(): Promise<boolean> {
    const failed = this.guard.storeFailure;
    if (!failed) return true;
    try {
      await this.lease.renew();
      this.lastRenew = this.wall.now();
      await this.bus.flush();
      if (this.bus.persistFailing) throw new TradekitError('TK_ERR_STATE_IO', 'events still cannot be persisted');
      await this.engine.recover();
      this.log.info({}, 'state store works again: journal reconciled with the broker, trading resumes');
      this.guard.storeRecovered();
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'TK_ERR_RUN_FENCED') {
        this.stateFailure(e);
        return false;
      }
      this.log.debug({ code: (e as { code?: string }).code, err: (e as Error).message }, 'state store still failing');
      const since = this.storeFailedAt ?? this.wall.now();
      if (this.wall.now() - since >= this.config.state.failureGraceSeconds * 1000) {
        throw new TradekitError(
          'TK_ERR_STATE_IO',
          `the state store failed for more than ${this.config.state.failureGraceSeconds} s (state.failureGraceSeconds): ${failed.message}; the run ends. Fix the store (disk space, permissions, server), then start the run again: startup reconciles the journal with the broker`,
          {
            cause: failed,
            classification: 'fatal',
          },
        );
      }
      return false;
    }
  }

  private async compose(): Promise<void> {
    const cfg = this.config;
    this.tradingState = new TradingStateController(this.store);
    await this.tradingState.load();
    const persist = this.options.persistEvents ?? cfg.run.mode !== 'backtest';
    this.guard.onChange((err) => this.onGuardChange(err));
    this.bus = new EventBus({
      run: this.info.id,
      clock: this.clock,
      journal: this.store.journal,
      redact: this.redact,
      log: this.log,
      persist,
      // Event numbers are reserved durably (the lease's high-water mark) before clients can see them,
      // unless clients only ever see persisted events.
      reserve: persist && !this.options.durableEvents ? (upTo) => this.lease.renew({ seqHwm: upTo }) : undefined,
      durable: persist && this.options.durableEvents === true,
      onPersistError: (err) => this.stateFailure(err),
    });
    await this.bus.init(this.leaseState?.seqHwm ?? 0);
    for (const s of this.options.sinks ?? []) this.bus.addSink(s);
    this.hooks = createHooks();
    this.watchdog = instrumentHooks(this.hooks, {
      report: (err) => (this.engine ? this.engine.report(err) : this.log.warn({ code: err.code }, err.message)),
      tapTimeoutMs: cfg.engine.tapTimeoutMs,
      metrics: this.metrics,
      currentPlugin: () => this.currentPlugin,
    });

    const c = rootContainer.createChildContainer();
    this.container = c;
    c.register(ClockToken, { useValue: this.clock });
    c.register(LoggerToken, { useValue: this.log });
    c.register(StateStoreToken, { useValue: this.store });
    c.register(HooksToken, { useValue: this.hooks });
    c.register(RunInfoToken, { useValue: this.info });
    c.register(RunConfigToken, { useValue: cfg });
    c.register(TradingStateToken, { useValue: this.tradingState });
    c.register(EventBusToken, { useValue: this.bus });
    for (const s of this.options.services ?? []) c.register(s.token, { useValue: s.value });

    const regs: Registration[] = [];
    for (const p of this.loaded.plugins) regs.push(await this.setupPlugin(p));

    this.data = c.resolve(DataSourceToken);
    this.broker = c.resolve(BrokerToken);
    const known = new Set(await this.data.listSymbols());
    const missing = cfg.symbols.filter((s) => !known.has(s));
    if (missing.length) {
      const loc = this.loaded.source.locate(['symbols']);
      throw new TradekitError(
        'TK_ERR_DATA_SYMBOL',
        `the data source "${this.data.name}" has no ${missing.join(', ')}; it has ${[...known].join(', ') || 'nothing'}`,
        {
          file: this.loaded.source.file,
          line: loc?.line,
          column: loc?.column,
          path: 'symbols',
        },
      );
    }
    if (this.clock instanceof SimClock) this.setWindow(this.clock);

    c.register(DataSourceToken, { useValue: this.data });
    c.register(BrokerToken, { useValue: this.broker });
    c.register(EngineSettingsToken, { useValue: { symbols: cfg.symbols, options: cfg.engine, metrics: this.metrics, guard: this.guard } });
    this.engine = c.resolve(Engine);
    this.engine.setSignal(this.abort.signal);
    wireBuiltins(this.hooks, this.tradingState);
    const feeder = this.engine.barFeeds;
    const following = { symbols: cfg.symbols, follow: (s: string, tf: Timeframe, h?: number) => feeder.follow(s, tf, h) };
    for (const r of regs) {
      for (const p of r.policies) wireRiskPolicy(this.hooks, r.plugin, p);
      for (const a of r.agents) wireAgent(this.hooks, r.plugin, a, following);
      for (const s of r.sinks) this.bus.addSink(s);
    }
    this.tradingState.onChange((from, to, reason, by) => this.bus.emit('state.changed', { from, to, reason, by }));
    // Brokers that can refuse a stale writer learn the token before anything is read or sent.
    if (this.broker.fence) await this.broker.fence({ run: this.info.id, token: this.lease.token });
    await this.engine.recover();
    failpoint('run.recovered');
    await this.store.registerRun({
      id: this.info.id,
      name: this.info.name,
      mode: this.info.mode,
      configFile: this.loaded.source.file,
      startedAt: this.clock.now(),
      status: 'running',
    });
  }

  private async setupPlugin(p: LoadedPlugin): Promise<Registration> {
    const reg: Registration = { plugin: p.instance, agents: [], policies: [], sinks: [] };
    const child = this.container.createChildContainer();
    const runContainer = this.container;
    const log = this.log.child({ plugin: p.instance });
    const before = { data: runContainer.isRegistered(DataSourceToken), broker: runContainer.isRegistered(BrokerToken) };
    const ctx: PluginContext = {
      plugin: Object.freeze({ name: p.manifest.name, version: p.manifest.version, instance: p.instance }),
      run: this.info,
      mode: this.info.mode,
      symbols: Object.freeze([...this.config.symbols]),
      hooks: this.hooks,
      container: child,
      clock: this.clock,
      log,
      state: this.store,
      tradingState: this.tradingState,
      configDir: this.loaded.source.dir,
      resolvePath: (x, what = 'path') => {
        const abs = path.resolve(this.loaded.source.dir, x);
        return this.options.paths ? this.options.paths.confine(abs, what) : abs;
      },
      secret: (name) => this.config.secrets[name],
      register<T>(token: InjectionToken<T>, value: T) {
        runContainer.register(token, { useValue: value });
        if (token === AgentToken) reg.agents.push(value as Agent);
        else if (token === RiskPolicyToken) reg.policies.push(value as RiskPolicy);
        else if (token === SinkToken) reg.sinks.push(value as Sink);
      },
      resolve: <T>(token: InjectionToken<T>) => resolveIn(p.instance, token, () => child.resolve(token)),
      resolveAll: <T>(token: InjectionToken<T>) => (child.isRegistered(token, true) ? resolveIn(p.instance, token, () => child.resolveAll(token)) : []),
      isRegistered: (token) => child.isRegistered(token, true),
      addAgent: (a) => ctx.register(AgentToken, a),
      addRiskPolicy: (r) => ctx.register(RiskPolicyToken, r),
      addSink: (s) => ctx.register(SinkToken, s),
      setDataSource: (d) => ctx.register(DataSourceToken, d),
      setBroker: (b) => ctx.register(BrokerToken, b),
      onClose: (fn) => void this.teardowns.push({ plugin: p.instance, fn }),
    };
    this.currentPlugin = p.instance;
    try {
      const teardown = await p.manifest.setup(ctx, p.config);
      if (typeof teardown === 'function') this.teardowns.push({ plugin: p.instance, fn: teardown });
    } catch (e) {
      const loc = this.loaded.source.locate(p.where.startsWith('data') || p.where.startsWith('broker') ? [p.slot, 'use'] : [p.slot, p.index ?? 0, 'use']);
      throw new TradekitError('TK_ERR_PLUGIN_SETUP', `plugin "${p.instance}" failed in setup: ${(e as Error).message}`, {
        plugin: p.instance,
        hook: 'setup',
        cause: e,
        file: this.loaded.source.file,
        line: loc?.line,
        column: loc?.column,
        path: `${p.where}.use`,
      });
    } finally {
      this.currentPlugin = undefined;
    }
    const contract: string[] = [];
    if (p.slot === 'data' && !runContainer.isRegistered(DataSourceToken) && !before.data) contract.push('a DataSource (ctx.setDataSource)');
    if (p.slot === 'broker' && !runContainer.isRegistered(BrokerToken) && !before.broker) contract.push('a Broker (ctx.setBroker)');
    if (p.slot === 'agents' && reg.agents.length === 0 && !this.tappedBy(p.instance)) contract.push('an Agent (ctx.addAgent) or a hook tap');
    if (p.slot === 'risk' && reg.policies.length === 0 && !this.tappedBy(p.instance)) contract.push('a RiskPolicy (ctx.addRiskPolicy) or a hook tap');
    if (p.slot === 'sinks' && reg.sinks.length === 0) contract.push('a Sink (ctx.addSink)');
    if (contract.length) {
      throw new TradekitError('TK_ERR_PLUGIN_CONTRACT', `plugin "${p.instance}" is in \`${p.slot}\` but registered no ${contract.join(', ')} during setup`, {
        plugin: p.instance,
        path: p.where,
      });
    }
    return reg;
  }

  private tappedBy(plugin: string): boolean {
    return Object.values(this.hooks).some((h) => (h as unknown as { taps: { plugin?: string }[] }).taps.some((t) => t.plugin === plugin));
  }

  /** Replay window: after `warmupBars` of every symbol's finest bars (or `run.from`) until the data ends (or `run.to`). */
  private setWindow(clock: SimClock): void {
    const cfg = this.config;
    const cycleMs = cfg.run.cycleSeconds * 1000;
    if (!this.data.coverage || this.data.hasCoverage === false) {
      throw new TradekitError(
        'TK_ERR_ENGINE_STATE',
        `mode ${cfg.run.mode} with pace ${cfg.run.pace} replays history, but the data source "${this.data.name}" has no coverage(); use pace: live`,
      );
    }
    let start = -Infinity;
    let end = Infinity;
    for (const s of cfg.symbols) {
      const tf = this.data.timeframes?.(s)[0];
      const cov = this.data.coverage(s, tf);
      if (cov.count === 0) throw new TradekitError('TK_ERR_DATA_NOT_FOUND', `no bars for ${s}`, { symbol: s });
      const warm = cov.timeAt(Math.min(cfg.run.warmupBars, cov.count - 1)) + (tf ? TIMEFRAME_MS[tf] : 0);
      start = Math.max(start, warm);
      end = Math.min(end, cov.to);
    }
    if (cfg.run.from) start = Math.max(start, Date.parse(cfg.run.from.length === 10 ? `${cfg.run.from}T00:00:00Z` : cfg.run.from));
    if (cfg.run.to) end = Math.min(end, Date.parse(cfg.run.to.length === 10 ? `${cfg.run.to}T23:59:59Z` : cfg.run.to));
    start = Math.ceil(start / cycleMs) * cycleMs;
    if (!(start < end)) {
      throw new TradekitError(
        'TK_ERR_DATA_NOT_FOUND',
        `no replay window: the data of ${cfg.symbols.join(', ')} overlaps from ${iso(start)} to ${iso(end)} after ${cfg.run.warmupBars} warm-up bars`,
      );
    }
    clock.set(start);
    this.window = { start, end };
  }

  get replayWindow(): { start: number; end: number } | undefined {
    return this.window;
  }

  /** Runs cycles until `maxCycles`, the end of the data (replays), or `stop()`. */
  loop(): Promise<RunSummary> {
    this.running ??= this.cycles();
    return this.running;
  }

  private async cycles(): Promise<RunSummary> {
    const cfg = this.config;
    const cycleMs = cfg.run.cycleSeconds * 1000;
    const startedAt = this.clock.now();
    const max = cfg.run.maxCycles;
    const signal = this.abort.signal;
    let n = 0;
    let reason: RunSummary['reason'] = 'stopped';
    const sim = this.clock instanceof SimClock ? this.clock : undefined;
    while (!signal.aborted) {
      if (sim && this.window && sim.now() >= this.window.end) {
        reason = 'endOfData';
        break;
      }
      if (this.guard.fenced) throw this.guard.fenced;
      if (this.guard.storeFailure && !(await this.recoverStore())) {
        // Held: no cycle (nothing could be journaled) until the store works again or the grace ends.
        const wait = sim ? Math.min(1000, Number.isFinite(this.pace) ? cycleMs / this.pace : 250) : cycleMs;
        await abortableDelay(Math.max(50, wait), signal).catch(() => undefined);
        continue;
      }
      if (this.wall.now() - this.lastRenew > (this.config.state.leaseSeconds * 1000) / 3) await this.renewLease();
      const wallStart = performance.now();
      const cycleStart = this.clock.now();
      const r = this.engine.runCycle();
      if (isPromiseLike(r)) await r;
      n++;
      failpoint('run.cycle');
      // Back-pressure: a slow or failing disk slows the run instead of growing the event backlog.
      if (this.bus.backlog) await this.bus.drain();
      if (signal.aborted) break;
      // Stop on the last cycle's time: the final account is the one that cycle showed.
      if (max && n >= max) {
        reason = 'maxCycles';
        break;
      }
      if (sim) {
        if (Number.isFinite(this.pace)) {
          const wait = cycleMs / this.pace - (performance.now() - wallStart);
          if (wait > 0) await abortableDelay(wait, signal).catch(() => undefined);
        } else if (n % 64 === 0) {
          // Let signals and I/O in during a long replay, without a timer.
          await new Promise<void>((r2) => setImmediate(r2));
        }
        if (!signal.aborted) sim.set(Math.max(sim.now(), cycleStart + cycleMs));
      } else {
        const next = cycleStart + cycleMs;
        await this.clock.sleep(Math.max(0, next - this.clock.now()), signal).catch(() => undefined);
      }
    }
    if (this.guard.fenced) throw this.guard.fenced;
    // A graceful stop journals what the broker did up to now (an SL hit since the last cycle).
    if (!this.guard.storeFailure) {
      const r = this.engine.settle();
      if (isPromiseLike(r)) await r;
    }
    failpoint('run.stopped');
    const account = await this.broker.account();
    await this.bus.flush();
    const summary: RunSummary = { id: this.info.id, cycles: n, reason, startedAt, endedAt: this.clock.now(), account };
    await this.store.finishRun(this.info.id, reason, summary);
    return summary;
  }

  /** Asks the loop to stop after the cycle in flight (graceful). */
  stop(reason = 'stop requested'): void {
    if (!this.abort.signal.aborted) {
      if (this.running && !this.closed) this.log?.info({ reason }, 'stopping after the current cycle');
      this.abort.abort(new TradekitError('TK_ERR_RUN_ABORTED', reason));
    }
  }

  /** Runs teardowns (reverse setup order), flushes events, closes sinks, data, broker and the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop('closing');
    if (this.running) await this.running.catch(() => undefined);
    for (const t of [...this.teardowns].reverse()) {
      try {
        await t.fn();
      } catch (e) {
        this.log?.warn({ plugin: t.plugin, err: e }, 'plugin teardown failed');
      }
    }
    await this.bus?.close();
    try {
      await this.data?.close?.();
      await this.broker?.shutdown?.();
    } catch (e) {
      this.log?.warn({ err: e }, 'data source or broker failed to close');
    }
    this.watchdog?.stop();
    clearInterval(this.leaseTimer);
    await this.renewing;
    if (this.lease?.token) {
      // Every event persisted: the next holder numbers on from the last one, with no gap.
      const clean = this.bus && this.bus.backlog === 0 && !this.bus.persistFailing;
      await this.lease
        .release(clean ? { seqHwm: this.bus.lastSeq } : {})
        .catch((e: unknown) => this.log?.warn({ code: (e as { code?: string }).code }, 'could not release the run lease (it expires by itself)'));
    }
    await this.store?.close();
  }

  /** Runs one cycle now (tests, `--cycles`). */
  async cycle(): Promise<CycleSummary> {
    const r = this.engine.runCycle();
    const s = isPromiseLike(r) ? await r : r;
    if (this.clock instanceof SimClock) this.clock.advance(this.config.run.cycleSeconds * 1000);
    return s;
  }
}

function parsePace(p: string | number): number {
  if (typeof p === 'number') return p;
  if (p === 'max' || p === 'live') return Infinity;
  return Number(p.replace(/x$/, ''));
}

/** A stable 31-bit magic number from the run name (MT5's magic is a broker-side tag for our orders). */
export function magicOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 1) % 2_000_000_000) + 100_000;
}

/** This process, as a lease holder. */
function leaseHolder(): LeaseHolder {
  const host = hostname();
  return { id: `${host}:${process.pid}:${randomBytes(3).toString('hex')}`, host, pid: process.pid };
}

function sessionStamp(): string {
  // Wall-clock session label for replays (not engine time), e.g. 20261125T221530-3fa1.
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/** Applies command-line overrides to a parsed config before it is validated. */
export function applyRunOverrides(raw: Record<string, unknown>, o: RunOverrides): void {
  const run = (raw.run ??= {}) as Record<string, unknown>;
  if (typeof run !== 'object') return;
  if (o.mode) run.mode = o.mode;
  if (o.pace) run.pace = /^\d+(\.\d+)?$/.test(o.pace) ? Number(o.pace) : o.pace;
  if (o.from) run.from = o.from;
  if (o.to) run.to = o.to;
  if (o.cycles !== undefined) run.maxCycles = o.cycles;
  if (o.stateUrl) raw.state = { ...((raw.state as object) ?? {}), url: o.stateUrl };
  if (o.logLevel) raw.logging = { ...((raw.logging as object) ?? {}), level: o.logLevel };
  if (o.symbols?.length) raw.symbols = [...o.symbols];
  if (o.timeframe) run.timeframe = o.timeframe;
  for (const [p, v] of Object.entries(o.set ?? {})) setAtPath(raw, p, v);
}

/** Sets `value` at a JSON path like `agents[0].with.fast`, creating mappings on the way. */
export function setAtPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = (path.match(/[^.[\]]+/g) ?? []).map((x) => (/^\d+$/.test(x) ? Number(x) : x.replace(/^["']|["']$/g, '')));
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i]!;
    if (node[k] === undefined || node[k] === null || typeof node[k] !== 'object') node[k] = typeof segs[i + 1] === 'number' ? [] : {};
    node = node[k] as Record<string | number, unknown>;
  }
  if (segs.length) node[segs[segs.length - 1]!] = value;
}

/** A plugin's `ctx.resolve`: a token nothing registered (or a class that cannot be built) is TK_ERR_DI, naming the plugin and the token. */
function resolveIn<R>(plugin: string, token: InjectionToken<unknown>, resolve: () => R): R {
  try {
    return resolve();
  } catch (e) {
    const name = typeof token === 'symbol' ? (token.description ?? 'a symbol') : typeof token === 'function' ? token.name : String(token);
    throw new TradekitError(
      'TK_ERR_DI',
      `plugin "${plugin}" asked for ${name}, which nothing registered before it (register it in an earlier plugin with ctx.register, or order the plugins): ${(e as Error).message}`,
      { plugin, cause: e },
    );
  }
}
