/**
 * One terminal, shared by the data source and the broker of a run: the gateway plus everything the
 * adapter needs around each call — per-terminal serialization (`maxInFlight`, 1 by default),
 * the client-side rate limiter for trade requests, re-initialization after the terminal's IPC drops,
 * the startup health gate, broker symbol names, and, in a replay, driving the simulator's clock to
 * the run's clock.
 *
 * A None with an IPC error (-10001…-10005) says the package lost the terminal, not that the request
 * never reached it: an `order_send` may have executed before its answer was lost (-10005 IPC timeout).
 * So after an IPC error the session re-initializes, and repeats the call only when repeating it cannot
 * change anything (reads, `order_check`); a write (`order_send`) is NEVER repeated here — its None
 * goes back to the broker, which reconciles by client id.
 */
import { TradekitError, type Clock, type Logger, type ServerTimeConfig } from '@tradekit/core';
import { mt5Error } from '../errors.js';
import { ACCOUNT_MARGIN_MODE, RES } from '../mt5/constants.js';
import { DEFAULT_SERVER_TIME, ServerClock } from '../mt5/server-clock.js';
import type { LastError, Mt5AccountInfo, Mt5SymbolInfo, Mt5TerminalInfo } from '../mt5/types.js';
import type { CallOptions, CallResult, Mt5Gateway } from '../transport/gateway.js';
import { systemTimer, type WallTimer } from '../transport/wall-clock.js';
import { WRITE_METHODS, type BridgeHello, type SimStatus } from '../wire/protocol.js';
import { AsyncRateLimiter, type RateLimit } from './rate-limiter.js';

export interface SessionOptions {
  /** Terminal login (optional: without it the terminal's saved account is used). */
  login?: number;
  password?: string;
  server?: string;
  /** terminal64.exe path for `initialize(path)`. */
  path?: string;
  /** `initialize(timeout=)`, ms. */
  initTimeoutMs: number;
  /** Attempts at `initialize` when the terminal is still starting (IPC errors). */
  initAttempts: number;
  serverTime: ServerTimeConfig;
  rateLimit: RateLimit & { scope: 'trades' | 'all' };
  /** Calls in flight at once on this terminal (1 = strictly serialized). */
  maxInFlight: number;
  /** Broker suffixes tried after the canonical name, in order (`""`, `m`, `c`). */
  suffixes: string[];
  /** Explicit canonical → broker names (wins over suffixes). */
  symbolMap: Record<string, string>;
  /** How long symbol specs are cached. */
  specTtlMs: number;
}

export const SESSION_DEFAULTS: SessionOptions = {
  initTimeoutMs: 60_000,
  initAttempts: 3,
  serverTime: DEFAULT_SERVER_TIME,
  rateLimit: { perSecond: 8, burst: 4, scope: 'trades' },
  maxInFlight: 1,
  suffixes: ['', 'm', 'c'],
  symbolMap: {},
  specTtlMs: 60_000,
};

const IPC_ERRORS = new Set<number>([
  RES.E_INTERNAL_FAIL_CONNECT,
  RES.E_INTERNAL_FAIL_SEND,
  RES.E_INTERNAL_FAIL_RECEIVE,
  RES.E_INTERNAL_FAIL_INIT,
  RES.E_INTERNAL_FAIL_TIMEOUT,
]);
const TRADE_METHODS = new Set(['order_send']);

export class Mt5Session {
  readonly serverClock: ServerClock;
  readonly limiter: AsyncRateLimiter;
  readonly opts: SessionOptions;
  hello?: BridgeHello;
  account?: Mt5AccountInfo;
  terminal?: Mt5TerminalInfo;
  /** A replay drives the simulator's clock (set by `open` when the run's clock is simulated). */
  driven = false;
  simStatus?: SimStatus;
  private drivenTo = -Infinity;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly toBroker = new Map<string, string>();
  private readonly toCanonical = new Map<string, string>();
  private readonly specs = new Map<string, { at: number; info: Mt5SymbolInfo }>();
  private opened?: Promise<void>;
  private refs = 0;
  private reinit?: Promise<void>;

  constructor(
    readonly gateway: Mt5Gateway,
    readonly clock: Clock,
    options: Partial<SessionOptions>,
    readonly log: Logger,
    private readonly timer: WallTimer = systemTimer,
  ) {
    this.opts = { ...SESSION_DEFAULTS, ...options, rateLimit: { ...SESSION_DEFAULTS.rateLimit, ...options.rateLimit } };
    this.serverClock = new ServerClock(this.opts.serverTime);
    this.limiter = new AsyncRateLimiter(this.opts.rateLimit, timer);
    for (const [c, b] of Object.entries(this.opts.symbolMap)) {
      this.toBroker.set(c, b);
      this.toCanonical.set(b, c);
    }
    gateway.on('up', () => {
      // After a reconnect the bridge (or terminal) may have restarted: initialize again.
      if (this.hello)
        void this.initialize().catch((e: unknown) =>
          this.log.warn({ code: (e as { code?: string }).code }, `terminal re-initialization failed: ${(e as Error).message}`),
        );
    });
    gateway.on('down', ({ reason, lostWrites }) => {
      if (lostWrites.length)
        this.log.warn(
          { reason, writes: lostWrites.map((w) => w.clientOrderId ?? w.method) },
          'writes in flight when the bridge link dropped will be reconciled',
        );
    });
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one closes the gateway. */
  async release(): Promise<void> {
    if (--this.refs > 0) return;
    try {
      if (this.gateway.state === 'up') await this.gateway.call('shutdown', [], {}, { deadlineMs: 2000 }).catch(() => undefined);
    } finally {
      await this.gateway.close();
    }
  }

  /** Connects, initializes the terminal, reads terminal and account info (once per session). */
  open(): Promise<void> {
    this.opened ??= this.doOpen();
    return this.opened;
  }

  private async doOpen(): Promise<void> {
    this.hello = await this.gateway.connect();
    if (this.clock.kind === 'sim') {
      if (!this.hello.control) {
        throw mt5Error(
          'TK_ERR_MT5_REPLAY_UNSUPPORTED',
          `this run replays history on a simulated clock, but ${this.hello.server} is a real terminal that follows the wall clock: use run.pace: live (or mode: live), or point the adapter at \`tradekit mt5-sim\``,
          { classification: 'fatal' },
        );
      }
      const st = await this.gateway.call<SimStatus>('sim_status');
      this.simStatus = st.value ?? undefined;
      if (!this.simStatus?.driven)
        throw mt5Error('TK_ERR_MT5_REPLAY_UNSUPPORTED', 'the simulator follows the wall clock (--clock wall); start it with --clock driven for a replay', {
          classification: 'fatal',
        });
      this.driven = true;
    }
    await this.initialize();
    this.terminal = await this.must<Mt5TerminalInfo>('terminal_info', [], {}, 'read terminal info');
    this.account = await this.must<Mt5AccountInfo>('account_info', [], {}, 'read account info');
  }

  private async initialize(): Promise<void> {
    if (this.reinit) return this.reinit;
    this.reinit = (async () => {
      const kwargs: Record<string, unknown> = {};
      if (this.opts.login !== undefined) {
        kwargs.login = this.opts.login;
        if (this.opts.password !== undefined) kwargs.password = this.opts.password;
        if (this.opts.server !== undefined) kwargs.server = this.opts.server;
      }
      kwargs.timeout = this.opts.initTimeoutMs;
      const args = this.opts.path ? [this.opts.path] : [];
      let last: LastError = [RES.S_OK, 'Success'];
      for (let attempt = 1; attempt <= this.opts.initAttempts; attempt++) {
        const r = await this.gateway.call<boolean>('initialize', args, kwargs, { deadlineMs: this.opts.initTimeoutMs + 5000 });
        if (r.value === true) return;
        last = r.lastError;
        if (last[0] === RES.E_AUTH_FAILED) {
          throw mt5Error(
            'TK_ERR_MT5_AUTH_FAILED',
            `the terminal refused login ${this.opts.login ?? '(saved account)'} on ${this.opts.server ?? 'its server'}: ${last[1]} (check the login, MT5_PASSWORD and the server name)`,
            {
              classification: 'fatal',
              details: { lastError: last },
            },
          );
        }
        if (!IPC_ERRORS.has(last[0])) break;
        this.log.warn({ attempt, lastError: last }, 'terminal not reachable yet (IPC); retrying initialize');
        await this.timer.sleep(Math.min(10_000, 1000 * 2 ** (attempt - 1)));
      }
      throw mt5Error(
        'TK_ERR_MT5_IPC',
        `initialize() failed: (${last[0]}, '${last[1]}'): is the terminal running, logged in, and not showing a dialog? (under Wine the first start compiles MQL5 files: raise initTimeoutMs)`,
        {
          classification: 'retryable',
          details: { lastError: last },
        },
      );
    })().finally(() => {
      this.reinit = undefined;
    });
    return this.reinit;
  }

  /**
   * The startup gate for trading: the terminal is connected and AutoTrading is on, the account allows
   * trading by experts. Data-only use skips it.
   */
  async ensureTrading(): Promise<void> {
    await this.open();
    const t = (this.terminal = await this.must<Mt5TerminalInfo>('terminal_info', [], {}, 'read terminal info'));
    const a = (this.account = await this.must<Mt5AccountInfo>('account_info', [], {}, 'read account info'));
    if (!t.connected)
      throw mt5Error('TK_ERR_MT5_NOT_CONNECTED', 'the terminal is not connected to the trade server (check its network and the account server)', {
        classification: 'retryable',
      });
    if (!t.trade_allowed) {
      throw mt5Error(
        'TK_ERR_MT5_AUTOTRADING_DISABLED',
        'Algo Trading is off in the terminal (10027): press "Algo Trading" in the toolbar, and under Wine/Docker set [Experts] Enabled=1 in terminal.ini',
        { classification: 'fatal' },
      );
    }
    if (!a.trade_expert)
      throw mt5Error('TK_ERR_MT5_AUTOTRADING_DISABLED', 'the trade server disables expert trading on this account (10026): ask the broker', {
        classification: 'fatal',
      });
    if (!a.trade_allowed)
      throw new TradekitError('TK_ERR_BROKER_TRADE_DISABLED', 'trading is disabled for this account (10017): investor password, or a blocked account', {
        classification: 'fatal',
      });
  }

  // ------------------------------------------------------------------ calls

  private async slot(): Promise<() => void> {
    if (this.inFlight < this.opts.maxInFlight) {
      this.inFlight++;
    } else {
      await new Promise<void>((r) => this.waiting.push(r));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    };
  }

  /** One terminal call: serialized, rate limited (trades), replay-driven, re-initialized on IPC loss (reads repeated once, writes never). */
  async call<T = unknown>(method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<CallResult<T>> {
    // A broker's rate limit is wall time. In a replay the simulated terminal applies its own limit on
    // its own clock, and pacing in wall time would only slow the replay down.
    if (!this.driven && (this.opts.rateLimit.scope === 'all' || TRADE_METHODS.has(method))) await this.limiter.acquire();
    const release = await this.slot();
    try {
      await this.drive();
      let r = await this.gateway.call<T>(method, args, kwargs, opts);
      if (r.value === null && IPC_ERRORS.has(r.lastError[0]) && method !== 'initialize' && method !== 'shutdown') {
        if (WRITE_METHODS.has(method)) {
          // It may have executed before the answer was lost: never repeat it. Re-initialize so the
          // broker's lookups reach the terminal; the None goes back to the broker to reconcile.
          this.log.warn(
            { method, lastError: r.lastError, clientOrderId: opts.clientOrderId },
            'terminal IPC lost during a write: re-initializing; the write is reconciled, not repeated',
          );
          await this.initialize().catch((e: unknown) =>
            this.log.warn({ code: (e as { code?: string }).code }, `terminal re-initialization failed: ${(e as Error).message}`),
          );
          return r;
        }
        // A read (or order_check) cannot change anything: initialize again, then repeat it once.
        this.log.warn({ method, lastError: r.lastError }, 'terminal IPC lost; re-initializing');
        await this.initialize();
        r = await this.gateway.call<T>(method, args, kwargs, opts);
      }
      return r;
    } finally {
      release();
    }
  }

  /** A call whose None result is an error (TK_ERR_MT5_CALL_FAILED with last_error). */
  async must<T>(method: string, args: unknown[], kwargs: Record<string, unknown>, what: string, opts?: CallOptions): Promise<T> {
    const r = await this.call<T>(method, args, kwargs, opts);
    if (r.value === null || r.value === undefined) {
      throw mt5Error('TK_ERR_MT5_CALL_FAILED', `could not ${what}: ${method}() returned None, last_error (${r.lastError[0]}, '${r.lastError[1]}')`, {
        details: { method, lastError: r.lastError },
      });
    }
    return r.value;
  }

  /** Replays: bring the simulator to the run's clock before the call sees it. */
  private async drive(): Promise<void> {
    if (!this.driven) return;
    const now = this.clock.now();
    if (now <= this.drivenTo) return;
    await this.gateway.call('sim_advance_to', [], { utc_ms: now });
    this.drivenTo = now;
  }

  // ------------------------------------------------------------------ symbols

  /** The broker's name for a canonical symbol: explicit map, then each suffix in turn. Selects it. */
  async brokerSymbol(canonical: string): Promise<string> {
    const known = this.toBroker.get(canonical);
    if (known && this.specs.has(known)) return known;
    const candidates = known ? [known] : this.opts.suffixes.map((s) => canonical + s);
    for (const name of candidates) {
      const r = await this.call<Mt5SymbolInfo>('symbol_info', [name]);
      if (!r.value) continue;
      this.toBroker.set(canonical, name);
      this.toCanonical.set(name, canonical);
      this.specs.set(name, { at: this.timer.now(), info: r.value });
      if (!r.value.select) {
        const sel = await this.call<boolean>('symbol_select', [name, true]);
        if (sel.value !== true)
          throw mt5Error('TK_ERR_MT5_SYMBOL_NOT_FOUND', `could not add ${name} to Market Watch: last_error (${sel.lastError[0]}, '${sel.lastError[1]}')`, {
            symbol: canonical,
          });
      }
      return name;
    }
    const like = await this.call<Mt5SymbolInfo[]>('symbols_get', [], { group: `*${canonical.slice(0, 3)}*` });
    const names = (like.value ?? []).map((s) => s.name).slice(0, 12);
    throw mt5Error(
      'TK_ERR_MT5_SYMBOL_NOT_FOUND',
      `${canonical} is not on this terminal (tried ${candidates.map((c) => `"${c}"`).join(', ')})${names.length ? `; similar: ${names.join(', ')}` : ''}: set symbols.map { ${canonical}: <broker name> } or symbols.suffixes`,
      { symbol: canonical },
    );
  }

  canonical(broker: string): string {
    return this.toCanonical.get(broker) ?? broker;
  }

  /** Raw `symbol_info`, cached for `specTtlMs` (wall time). */
  async spec(broker: string, fresh = false): Promise<Mt5SymbolInfo> {
    const c = this.specs.get(broker);
    if (c && !fresh && this.timer.now() - c.at < this.opts.specTtlMs) return c.info;
    const info = await this.must<Mt5SymbolInfo>('symbol_info', [broker], {}, `read the ${broker} specification`);
    this.specs.set(broker, { at: this.timer.now(), info });
    return info;
  }

  get hedging(): boolean {
    return this.account?.margin_mode === ACCOUNT_MARGIN_MODE.RETAIL_HEDGING;
  }
}
