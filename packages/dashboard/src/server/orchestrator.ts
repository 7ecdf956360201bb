/**
 * Hosts many runs in one process. Each run is a core `Run` (its own config, DI container, clock,
 * state namespace and trading state) started from a config path or uploaded YAML, validated exactly
 * like `tradekit validate` (same loader; the errors come back with their codes and positions).
 * Control actions (pause = HALTED, reduce = REDUCING, resume = ACTIVE, stop) are audited. Finished
 * runs stay open for their journal and chart until `keepFinished` newer ones push them out; runs of
 * earlier server processes are listed from the registry and their journals reopened on demand.
 * A config started through the API is untrusted (run-policy.ts): restricted plugins, environment and
 * paths, checked before anything of it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  LiveClock,
  Run,
  TradekitError as TradekitErrorCtor,
  isTradekitError,
  magicOf,
  openStateStore,
  redactUrl,
  sqliteFileOf,
  type Clock,
  type Journal,
  type Logger,
  type RunOverrides,
  type Sink,
  type StateStore,
  type TradekitError,
  type TradingState,
} from '@tradekit/core';
import { apiError } from '../errors.js';
import type { ServerConfig } from './config.js';
import type { Principal } from './auth.js';
import { RunHandle, type RunParts, type RunSummaryView } from './run-handle.js';
import type { LlmDecisionView } from '../shared/api-types.js';
import type { RunRegistryRow, ServerDb } from './server-db.js';
import { StreamHostToken } from './tokens.js';
import { hostedRunPolicy, type HostedRunPolicy } from './run-policy.js';
import { remoteData, RemoteTradingState, type RemoteLifecycle, type RemoteRunner, type RemoteRunView } from './remote-runs.js';

export interface StartRequest {
  /** A config file (inside `runs.roots`). */
  config?: string;
  /** Or the YAML itself. */
  yaml?: string;
  /** Base directory for relative paths in uploaded YAML (inside `runs.roots`; default: the first root). */
  baseDir?: string;
  overrides?: RunOverrides;
}

/** How far a start is trusted beyond an API client's (never set from a request). */
export interface StartTrust {
  /** The local user's own config (`tradekit run --serve`): the whole environment, any plugin, any path, like `tradekit run`. */
  local?: boolean;
  /** Environment variables this config may reference besides `env.allow` (an autostart entry's `env:`). */
  env?: readonly string[];
  /** Who starts it (a token's name), recorded with a queued run. */
  by?: string;
}

export type ControlAction = 'pause' | 'reduce' | 'resume' | 'stop' | 'close';

const TARGET: Record<'pause' | 'reduce' | 'resume', TradingState> = { pause: 'HALTED', reduce: 'REDUCING', resume: 'ACTIVE' };

export interface OrchestratorOptions {
  config: ServerConfig;
  db?: ServerDb;
  clock?: Clock;
  log?: Logger;
  /** Where plugins named by package resolve from besides the config's directory (the CLI's install). */
  searchPaths?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Extra sinks for every run (the CLI's console report). */
  sinks?: () => Sink[];
  /** false: runs can only be adopted (the socketio plugin's own server). */
  canStart?: boolean;
  /**
   * Runs are queued for workers instead of running here (`tradekit serve --queue`): every replica with
   * the same queue shows every queued run, follows its events and controls it through its worker.
   */
  remote?: RemoteRunner;
  /** Prometheus metrics (`tradekit serve`'s /metrics): every run hosted here is observed from start until closed. */
  metrics?: { observe(run: Run): () => void };
}

export class Orchestrator {
  readonly clock: Clock;
  private readonly handles = new Map<string, RunHandle>();
  private readonly runs = new Map<string, Run>();
  private readonly loops = new Map<string, Promise<unknown>>();
  private readonly unobserve = new Map<string, () => void>();
  private readonly history = new Map<string, Promise<StateStore>>();
  private readonly listeners = new Set<(h: RunHandle | undefined) => void>();
  /** Queued runs shown here: how to stop following them, and who waits for their end. */
  private readonly remoteRuns = new Map<string, { unfollow?: () => void; ended: Promise<void>; end: () => void; timeframes?: Record<string, string[]> }>();
  private unlisten?: () => void;
  /** Every new event of every run (the socket.io hub). */
  onEvent?: (h: RunHandle, e: Parameters<NonNullable<RunHandle['onEvent']>>[1]) => void;
  private readonly policy: HostedRunPolicy;

  constructor(readonly o: OrchestratorOptions) {
    this.clock = o.clock ?? new LiveClock();
    this.policy = hostedRunPolicy(o.config);
  }

  get config(): ServerConfig {
    return this.o.config;
  }

  get canStart(): boolean {
    return this.o.canStart ?? true;
  }

  /** Lifecycle changes (started, finished, state) for the `runs` push. */
  onChange(fn: (h: RunHandle | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(h?: RunHandle): void {
    for (const l of this.listeners) l(h);
  }

  get(id: string): RunHandle {
    const h = this.handles.get(id);
    if (!h) throw apiError('TK_ERR_API_RUN_NOT_FOUND', `no run "${id}" on this server (GET /api/runs lists them)`);
    return h;
  }

  has(id: string): boolean {
    return this.handles.has(id);
  }

  active(): RunHandle[] {
    return [...this.handles.values()].filter((h) => h.status === 'running' || h.status === 'starting' || h.status === 'stopping' || h.status === 'queued');
  }

  /** Hosted runs first (newest first), then earlier runs from the registry. */
  async list(): Promise<(RunSummaryView | (RunRegistryRow & { hosted: false }))[]> {
    const hosted = [...this.handles.values()].filter((h) => h.parts).map((h) => h.summary());
    hosted.sort((a, b) => b.startedAt - a.startedAt);
    const rows = ((await this.o.db?.runs()) ?? []).filter((r) => !this.handles.has(r.id));
    const past = await Promise.all(rows.map(async (r) => ({ ...r, status: await this.pastStatus(r), hosted: false as const })));
    return [...hosted, ...past];
  }

  /**
   * A registry row this process does not host and that says it is running: its own state store knows
   * better (the run lease). A run whose process died reads `crashed` there, and the registry is
   * corrected; a run another process holds stays `running`.
   */
  private async pastStatus(r: RunRegistryRow): Promise<string> {
    if (r.status !== 'running' && r.status !== 'starting' && r.status !== 'stopping') return r.status;
    let status = 'crashed';
    try {
      if (!/^memory/.test(r.stateUrl.trim())) status = (await (await this.historyStore(r)).listRuns()).find((x) => x.id === r.id)?.status ?? 'crashed';
    } catch {
      return r.status;
    }
    if (status !== r.status) await this.o.db?.saveRun({ ...r, status, endedAt: r.endedAt ?? this.clock.now() }).catch(() => undefined);
    return status;
  }

  /** A path from a request (relative to the first root) → its real path, inside the roots (403 otherwise). */
  private within(p: string, what: string): string {
    return this.policy.paths.confine(path.resolve(this.config.runs.roots[0] ?? this.config.baseDir, p), what);
  }

  /**
   * Loads (validating like `tradekit validate`), composes and starts a run; its cycles go on in the
   * background. Without `trust` (every API request) the config is held to the hosted run policy.
   */
  async start(req: StartRequest, trust: StartTrust = {}): Promise<RunHandle> {
    if (!this.canStart) throw apiError('TK_ERR_API_UNSUPPORTED', 'this server hosts one run and cannot start others (use `tradekit serve`)');
    if (this.active().length >= this.config.runs.maxRuns)
      throw apiError('TK_ERR_API_RUN_LIMIT', `${this.config.runs.maxRuns} runs are active (runs.maxRuns); stop one first`);
    let configFile: string;
    let text: string | undefined;
    let source: 'path' | 'upload';
    const local = trust.local === true;
    if (req.yaml !== undefined) {
      const base = this.within(req.baseDir ?? '.', 'baseDir');
      const dir = path.join(this.config.server.dataDir, 'uploads');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Kept for the record (what was started); loaded from text so relative paths resolve against `base`.
      writeFileSync(path.join(dir, `${stamp(this.clock.now())}-${randomBytes(3).toString('hex')}.yaml`), req.yaml, { mode: 0o600 });
      configFile = path.join(base, 'uploaded.yaml');
      text = req.yaml;
      source = 'upload';
    } else {
      configFile = local ? path.resolve(req.config!) : this.within(req.config!, 'config');
      source = 'path';
    }
    const policy = local
      ? {}
      : { envAllow: [...this.policy.envAllow, ...(trust.env ?? [])], plugins: this.policy.plugins, paths: this.policy.paths, limits: this.policy.limits };
    if (this.o.remote) return this.startRemote(this.o.remote, { configFile, text, source, overrides: req.overrides, policy, by: trust.by ?? 'api' });
    const handle = new RunHandle(source, this.clock.now(), this.config.stream.ringSize, source === 'path' ? configFile : 'uploaded.yaml');
    handle.onEvent = (h, e) => this.onEvent?.(h, e);
    const run = await Run.load({
      configFile,
      text,
      env: this.o.env,
      searchPaths: this.o.searchPaths,
      overrides: req.overrides,
      sinks: [handle.sink, ...(this.o.sinks?.() ?? [])],
      services: [{ token: StreamHostToken, value: { sink: handle.sink } }],
      ...policy,
    });
    try {
      if (run.config.run.mode === 'live' && this.handles.get(run.config.run.name)?.open) {
        throw apiError('TK_ERR_API_RUN_STATE', `live run "${run.config.run.name}" is already hosted here`);
      }
      // A database server is a network address: an API-started config may not make this server connect
      // to one of its choosing (its journal is SQLite under the roots, or memory; a cluster's is the server's).
      if (!local && !/^(sqlite:|memory)/.test(run.config.state.url.trim())) {
        throw apiError(
          'TK_ERR_API_PATH_FORBIDDEN',
          `state.url ${redactUrl(run.config.state.url)}: a run started through the API keeps its journal in an SQLite file under runs.roots (or memory); for PostgreSQL run the server with --queue --state`,
          { details: { what: 'state url' } },
        );
      }
      // The run confines its state file (before opening it), data dir, caches and plugin files itself.
      await run.start();
    } catch (e) {
      await run.close().catch(() => undefined);
      throw pathRefusalOf(e) ?? e;
    }
    this.attach(handle, run);
    return handle;
  }

  private attach(handle: RunHandle, run: Run): void {
    handle.attach({
      info: run.info,
      config: run.config,
      clock: run.clock,
      store: run.store,
      data: run.data,
      broker: run.broker,
      tradingState: run.tradingState,
      replayWindow: run.replayWindow,
      metrics: () => ({ engine: run.metrics?.snapshot(), cycles: run.engine.cycles, bus: { ...run.bus.counters, lastSeq: run.bus.lastSeq } }),
      stop: (reason) => run.stop(reason),
      llmCalls: (q) => llmCallsOf(run, q),
    });
    const id = run.info.id;
    this.handles.set(id, handle);
    this.runs.set(id, run);
    if (this.o.metrics) this.unobserve.set(id, this.o.metrics.observe(run));
    run.tradingState.onChange(() => this.changed(handle));
    void this.register(handle, run, 'running');
    const loop = run
      .loop()
      .then(() => {
        handle.status = 'finished';
      })
      .catch((e: unknown) => {
        handle.status = 'failed';
        handle.error = { code: (e as { code?: string }).code ?? 'TK_ERR_API_INTERNAL', message: (e as Error).message };
        this.o.log?.error({ run: id, code: handle.error.code }, `run failed: ${handle.error.message}`);
        return run.close().catch(() => undefined);
      })
      .finally(() => {
        handle.endedAt = this.clock.now();
        void this.register(handle, run, handle.status);
        this.changed(handle);
        void this.trimFinished();
      });
    this.loops.set(id, loop);
    this.changed(handle);
  }

  /** Hosts a run whose parts come from elsewhere (the socketio plugin inside a plain `tradekit run`). */
  adopt(parts: RunParts): RunHandle {
    const handle = new RunHandle('adopted', this.clock.now(), this.config.stream.ringSize);
    handle.onEvent = (h, e) => this.onEvent?.(h, e);
    handle.attach(parts);
    this.handles.set(parts.info.id, handle);
    parts.tradingState.onChange(() => this.changed(handle));
    this.changed(handle);
    return handle;
  }

  private async register(h: RunHandle, run: Run, status: string): Promise<void> {
    try {
      await this.o.db?.saveRun({
        id: h.id,
        name: run.info.name,
        mode: run.info.mode,
        configFile: h.configFile ?? '',
        baseDir: run.loaded.source.dir,
        // Never a password at rest: a PostgreSQL URL is kept redacted (its journal is then read through
        // this process while it runs; sqlite paths and memory carry none).
        stateUrl: redactUrl(run.config.state.url),
        startedAt: h.startedAt,
        endedAt: h.endedAt,
        status,
        source: h.source,
      });
    } catch (e) {
      this.o.log?.warn({ err: e }, 'could not write the run registry');
    }
  }

  /** Finished runs beyond `keepFinished` are closed (their journal stays readable from history). */
  private async trimFinished(): Promise<void> {
    const done = [...this.handles.values()].filter((h) => h.status === 'finished' || h.status === 'failed').sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    for (const h of done.slice(this.config.runs.keepFinished)) await this.closeRun(h.id);
  }

  async control(id: string, action: ControlAction, reason: string | undefined, by: Principal): Promise<RunSummaryView> {
    const h = this.get(id);
    const why = reason ?? `${action} from the API`;
    if (action === 'close') {
      if (h.status === 'running' || h.status === 'starting' || h.status === 'stopping')
        throw apiError('TK_ERR_API_RUN_STATE', `run ${id} is ${h.status}: stop it before closing`);
      await this.closeRun(id);
      return h.summary();
    }
    // A queued run (on a cluster) takes controls too: its next holder applies them before trading.
    if (h.status !== 'running' && h.status !== 'queued') throw apiError('TK_ERR_API_RUN_STATE', `run ${id} is ${h.status}; ${action} needs a running run`);
    if (action === 'stop') {
      if (!h.parts.stop) throw apiError('TK_ERR_API_UNSUPPORTED', `run ${id} was not started by this server and cannot be stopped from it`);
      h.status = 'stopping';
      h.parts.stop(`${why} (by ${by.name})`);
      this.changed(h);
      return h.summary();
    }
    await h.parts.tradingState.set(TARGET[action], why, by.name);
    return h.summary();
  }

  /** Closes a run (and drops it from the hosted list; its history stays in the registry). */
  async closeRun(id: string): Promise<void> {
    const h = this.handles.get(id);
    const run = this.runs.get(id);
    if (!h) return;
    h.status = 'closed';
    this.handles.delete(id);
    this.runs.delete(id);
    this.unobserve.get(id)?.();
    this.unobserve.delete(id);
    await run?.close().catch(() => undefined);
    const rr = this.remoteRuns.get(id);
    if (rr) {
      // A run on a worker goes on there: this replica only stops showing it.
      this.remoteRuns.delete(id);
      rr.unfollow?.();
      rr.end();
      await h.parts.store.close().catch(() => undefined);
    }
    this.changed(undefined);
  }

  /** The journal of a hosted run, or of an earlier one from the registry (opened read-only on demand). */
  async journal(id: string): Promise<Journal> {
    const h = this.handles.get(id);
    if (h && h.status !== 'closed') return h.parts.store.journal;
    if (this.history.has(id)) return (await this.history.get(id)!).journal;
    const row = await this.o.db?.run(id);
    if (!row) throw apiError('TK_ERR_API_RUN_NOT_FOUND', `no run "${id}" on this server or in its history`);
    return (await this.historyStore(row)).journal;
  }

  /** The state store of an earlier run (opened once, on demand, read-only in practice). */
  private historyStore(row: RunRegistryRow): Promise<StateStore> {
    let store = this.history.get(row.id);
    if (!store && row.stateUrl === CLUSTER_STATE) {
      if (!this.o.remote)
        throw apiError('TK_ERR_API_UNAVAILABLE', `run ${row.id} ran on a cluster: its journal is read through a server started with --queue and --state`);
      store = openStateStore({ url: this.o.remote.stateUrl, baseDir: row.baseDir, run: row.id, now: () => this.clock.now() });
      this.history.set(row.id, store);
      store.catch(() => this.history.delete(row.id));
    }
    if (!store && row.stateUrl.includes('***')) {
      throw apiError(
        'TK_ERR_API_UNAVAILABLE',
        `run ${row.id} kept its journal in ${row.stateUrl}; the registry keeps no password, so it is read while the run is hosted here (or through a server started with --state on that database)`,
      );
    }
    if (!store) {
      // Confined again: the registry row was checked when the run started, a symlink may have moved since.
      const file = sqliteFileOf(row.stateUrl, row.baseDir);
      const url =
        file === undefined || file === ':memory:' || row.source === 'adopted' ? row.stateUrl : `sqlite://${this.policy.paths.confine(file, 'state file')}`;
      store = openStateStore({ url, baseDir: row.baseDir, run: row.id, now: () => this.clock.now() });
      this.history.set(row.id, store);
      store.catch(() => this.history.delete(row.id));
    }
    return store;
  }

  /** Waits for a run's cycles to end (tests, `tradekit run --serve`), here or on a worker. */
  async settled(id: string): Promise<void> {
    await this.loops.get(id);
    await this.remoteRuns.get(id)?.ended;
  }

  // ------------------------------------------------------------------ runs on a cluster's workers

  /** Shows every run queued or held on the cluster, and follows lifecycle changes from any replica. */
  async attachRemote(): Promise<void> {
    const remote = this.o.remote;
    if (!remote) return;
    this.unlisten = remote.onLifecycle(
      (m) => void this.onLifecycle(m).catch((e: unknown) => this.o.log?.warn({ run: m.id, err: (e as Error).message }, 'could not follow a queued run')),
    );
    for (const r of await remote.active()) await this.hostRemote(r.view, r.status === 'running' ? 'running' : 'queued');
  }

  /** Validates like a local start (same loader, same policy), then queues the run for a worker. */
  private async startRemote(
    remote: RemoteRunner,
    s: { configFile: string; text?: string; source: 'path' | 'upload'; overrides?: RunOverrides; policy: Record<string, unknown>; by: string },
  ): Promise<RunHandle> {
    const run = await Run.load({
      configFile: s.configFile,
      text: s.text,
      env: this.o.env,
      searchPaths: this.o.searchPaths,
      overrides: s.overrides,
      ...s.policy,
    });
    const cfg = run.config;
    const live = cfg.run.mode === 'live' || cfg.run.pace === 'live';
    const id = live ? cfg.run.name : `${cfg.run.name}@${stamp(this.clock.now())}-${randomBytes(2).toString('hex')}`;
    if (this.handles.get(id)?.open && this.handles.get(id)!.status !== 'finished')
      throw apiError('TK_ERR_API_RUN_STATE', `run "${id}" is already queued or running on the cluster`);
    const store = await openStateStore({ url: remote.stateUrl, baseDir: run.loaded.source.dir, run: id, now: () => this.clock.now() });
    try {
      // Held by a process outside the queue (a `tradekit run` somewhere): refuse now rather than queue forever.
      const lease = await store.lease({ holder: { id: 'orchestrator', host: '', pid: 0 }, ttlMs: 1, clock: new LiveClock() }).read();
      const wall = new LiveClock().now();
      if (lease && lease.expiresAt > wall && !(await remote.active()).some((r) => r.view.id === id)) {
        throw new TradekitErrorCtor(
          'TK_ERR_RUN_LOCKED',
          `run ${id} is held by ${lease.holder}${lease.host ? ` on ${lease.host} (pid ${lease.pid})` : ''} until ${new Date(lease.expiresAt).toISOString()}; stop that process first`,
          {
            details: { holder: lease.holder },
          },
        );
      }
      const view: RemoteRunView = {
        id,
        name: cfg.run.name,
        mode: cfg.run.mode,
        magic: cfg.run.magic ?? magicOf(cfg.run.name),
        symbols: [...cfg.symbols],
        pace: cfg.run.pace,
        cycleSeconds: cfg.run.cycleSeconds,
        source: s.source,
        configFile: s.source === 'path' ? s.configFile : 'uploaded.yaml',
        startedAt: this.clock.now(),
        startedBy: s.by,
      };
      // The worker replaces state.url with the cluster's store; everything else travels as given.
      const { stateUrl: _ignored, ...overrides } = s.overrides ?? {};
      await remote.enqueue({ view, configFile: s.configFile, text: s.text, overrides, resumable: live });
      const h = await this.hostRemote(view, 'queued', store);
      await this.o.db
        ?.saveRun({
          id,
          name: view.name,
          mode: view.mode,
          configFile: view.configFile,
          baseDir: run.loaded.source.dir,
          stateUrl: CLUSTER_STATE,
          startedAt: view.startedAt,
          status: 'running',
          source: s.source,
        })
        .catch((e: unknown) => this.o.log?.warn({ err: e }, 'could not write the run registry'));
      return h;
    } catch (e) {
      if (!this.handles.has(id)) await store.close().catch(() => undefined);
      throw e;
    }
  }

  /** A handle for a run on the cluster: its events followed from Redis, its journal read from the shared store. */
  private async hostRemote(view: RemoteRunView, status: 'queued' | 'running', opened?: StateStore): Promise<RunHandle> {
    const remote = this.o.remote!;
    const existing = this.handles.get(view.id);
    if (existing && existing.status !== 'closed') {
      if (status === 'running' && existing.status === 'queued') existing.status = 'running';
      await opened?.close().catch(() => undefined);
      return existing;
    }
    const id = view.id;
    const store = opened ?? (await openStateStore({ url: remote.stateUrl, baseDir: this.config.baseDir, run: id, now: () => this.clock.now() }));
    const saved = await store.get<{ state: TradingState }>('engine.tradingState').catch(() => undefined);
    const ts = new RemoteTradingState(
      saved?.state ?? 'ACTIVE',
      async (to, reason, by) => (await remote.control(id, to === 'HALTED' ? 'pause' : to === 'REDUCING' ? 'reduce' : 'resume', reason, by)).tradingState,
    );
    const handle = new RunHandle(view.source, view.startedAt, this.config.stream.ringSize, view.configFile);
    handle.onEvent = (h, e) => {
      if (e.type === 'state.changed') ts.observe((e.data as { to: TradingState }).to, (e.data as { reason?: string }).reason, (e.data as { by?: string }).by);
      this.onEvent?.(h, e);
    };
    const rr = { ended: Promise.resolve(), end: () => undefined } as {
      unfollow?: () => void;
      ended: Promise<void>;
      end: () => void;
      timeframes?: Record<string, string[]>;
    };
    rr.ended = new Promise<void>((r) => (rr.end = r));
    this.remoteRuns.set(id, rr);
    const data = remoteData(remote, id);
    handle.attach({
      info: Object.freeze({ id, name: view.name, mode: view.mode as 'live' | 'paper' | 'backtest', magic: view.magic }),
      config: { symbols: view.symbols, run: { pace: view.pace } },
      clock: this.clock,
      store,
      data: { ...data, timeframes: (symbol: string) => (rr.timeframes?.[symbol] ?? []) as never },
      tradingState: ts,
      stop: (reason) =>
        void remote
          .control(id, 'stop', reason, 'api')
          .catch((e: unknown) => this.o.log?.warn({ run: id, code: (e as { code?: string }).code }, 'stop request failed')),
    });
    handle.status = status;
    this.handles.set(id, handle);
    ts.onChange(() => this.changed(handle));
    rr.unfollow = await remote.follow(id, (e) => handle.take(e));
    this.changed(handle);
    return handle;
  }

  private async onLifecycle(m: RemoteLifecycle & { timeframes?: Record<string, string[]> }): Promise<void> {
    const h = this.handles.get(m.id);
    if (m.status === 'queued' || m.status === 'running') {
      if (!m.view && !h) return;
      const handle = h && h.status !== 'closed' ? h : await this.hostRemote(m.view!, m.status);
      if (m.status === 'running' && (handle.status === 'queued' || handle.status === 'starting')) handle.status = 'running';
      if (m.timeframes) {
        const rr = this.remoteRuns.get(m.id);
        if (rr) rr.timeframes = m.timeframes;
      }
      if (m.tradingState) (handle.parts.tradingState as RemoteTradingState).observe?.(m.tradingState);
      this.changed(handle);
      return;
    }
    if (!h || h.status === 'closed') return;
    h.status = m.status === 'finished' ? 'finished' : 'failed';
    if (m.error) h.error = m.error;
    h.endedAt = this.clock.now();
    this.remoteRuns.get(m.id)?.end();
    await this.o.db
      ?.run(m.id)
      .then((row) => row && this.o.db!.saveRun({ ...row, status: m.status === 'finished' ? 'finished' : m.status, endedAt: h.endedAt }))
      .catch(() => undefined);
    this.changed(h);
    void this.trimFinished();
  }

  async shutdown(reason = 'server shutting down'): Promise<void> {
    this.unlisten?.();
    for (const r of this.runs.values()) r.stop(reason);
    await Promise.all([...this.loops.values()].map((l) => l.catch(() => undefined)));
    for (const id of [...this.handles.keys()]) await this.closeRun(id);
    for (const s of this.history.values()) await s.then((x) => x.close()).catch(() => undefined);
    this.history.clear();
  }
}

/** A path refusal inside a plugin's setup (wrapped as TK_ERR_PLUGIN_SETUP by the run) is answered as itself: 403. */
function pathRefusalOf(e: unknown): TradekitError | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 6; c = (c as Error).cause, depth++) {
    if (isTradekitError(c) && c.code === 'TK_ERR_API_PATH_FORBIDDEN') return c;
  }
  return undefined;
}

/** The registry's state URL of a run on the cluster: its journal is in the cluster's store (never a URL with a password in a table). */
export const CLUSTER_STATE = 'cluster:';

function stamp(t: number): string {
  return new Date(t).toISOString().replace(/[-:]/g, '').slice(0, 15);
}

/** @tradekit/llm's LLM_CALLS_TOKEN (a string token: the dashboard does not depend on that package). */
export const LLM_CALLS_TOKEN = 'tradekit:llm-calls';

export interface LlmCallsSource {
  list(q: { kind?: string; limit?: number }): Promise<LlmDecisionView[]>;
}

/** Every LLM plugin's calls of the run, merged newest first (none when no such plugin runs). */
function llmCallsOf(run: Run, q: { kind?: string; limit: number }): Promise<LlmDecisionView[]> {
  return mergeLlmCalls(run.container?.isRegistered(LLM_CALLS_TOKEN, true) ? run.container.resolveAll<LlmCallsSource>(LLM_CALLS_TOKEN) : [], q);
}

export async function mergeLlmCalls(sources: readonly LlmCallsSource[], q: { kind?: string; limit: number }): Promise<LlmDecisionView[]> {
  const lists = await Promise.all(sources.map((s) => s.list({ kind: q.kind, limit: q.limit })));
  return lists
    .flat()
    .sort((a, b) => b.time - a.time)
    .slice(0, q.limit);
}
