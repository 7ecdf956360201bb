/**
 * Every error tradekit raises carries a stable `code` (tests assert on it), a message that says what
 * to do next, an optional `cause`, and where it applies a source location (config file, line, column,
 * JSON path) or the plugin and hook that threw. Broker errors also say whether a retry can help.
 */

export type ErrorClass = 'retryable' | 'nonRetryable' | 'fatal';

export const ErrorCodes = {
  // configuration (tradekit validate / run before anything trades)
  TK_ERR_CONFIG_YAML: 'malformed YAML',
  TK_ERR_CONFIG_FILE: 'config file cannot be read',
  TK_ERR_CONFIG_UNKNOWN_KEY: 'unknown key',
  TK_ERR_CONFIG_TYPE: 'wrong type',
  TK_ERR_CONFIG_REQUIRED: 'missing required key',
  TK_ERR_CONFIG_VALUE: 'invalid value',
  TK_ERR_CONFIG_ENV_MISSING: 'environment variable not set',
  TK_ERR_CONFIG_DUPLICATE_NAME: 'duplicate plugin name',
  // plugins
  TK_ERR_PLUGIN_NOT_FOUND: 'plugin cannot be resolved',
  TK_ERR_PLUGIN_IMPORT: 'plugin module failed to load',
  TK_ERR_PLUGIN_MANIFEST: 'plugin manifest is invalid',
  TK_ERR_PLUGIN_REQUIRES: 'plugin requirement not met',
  TK_ERR_PLUGIN_PROVIDES: 'plugin does not provide what its slot needs',
  TK_ERR_PLUGIN_CONTRACT: 'plugin did not register what it provides',
  TK_ERR_PLUGIN_SETUP: 'plugin setup failed',
  TK_ERR_PLUGIN: 'plugin hook failed',
  TK_ERR_PLUGIN_TIMEOUT: 'plugin hook timed out',
  // engine and run
  TK_ERR_ENGINE_STATE: 'engine is not in a state that allows this',
  TK_ERR_RUN_ABORTED: 'run aborted',
  TK_ERR_RUN_LOCKED: 'another process holds this run',
  TK_ERR_RUN_FENCED: 'this process no longer holds the run: a newer holder took it over',
  TK_ERR_DI: 'dependency injection failed',
  // data
  TK_ERR_DATA_NOT_FOUND: 'no data for symbol/timeframe',
  TK_ERR_DATA_BAD_BAR: 'bad bar in data',
  TK_ERR_DATA_TIMEFRAME: 'unknown timeframe',
  TK_ERR_DATA_NO_PRICE: 'no price available',
  TK_ERR_DATA_SYMBOL: 'unknown symbol',
  // broker
  TK_ERR_BROKER_REJECTED: 'order rejected',
  TK_ERR_BROKER_INVALID_VOLUME: 'invalid volume',
  TK_ERR_BROKER_INVALID_STOPS: 'invalid stops',
  TK_ERR_BROKER_INVALID_PRICE: 'invalid price',
  TK_ERR_BROKER_NO_MONEY: 'not enough free margin',
  TK_ERR_BROKER_MARKET_CLOSED: 'market closed',
  TK_ERR_BROKER_TRADE_DISABLED: 'trading disabled for symbol',
  TK_ERR_BROKER_POSITION_NOT_FOUND: 'position not found',
  TK_ERR_BROKER_ORDER_NOT_FOUND: 'order not found',
  TK_ERR_BROKER_UNKNOWN_OUTCOME: 'order outcome unknown',
  // trading state gate
  TK_ERR_TRADING_HALTED: 'trading is halted',
  TK_ERR_TRADING_REDUCING: 'trading is reducing: no new entries',
  // state store
  TK_ERR_STATE_URL: 'state url not supported',
  TK_ERR_STATE_DRIVER_MISSING: 'database driver not installed',
  TK_ERR_STATE_IO: 'state store failed',
  // metrics (`@tradekit/core/metrics`)
  TK_ERR_METRICS_BIND: 'the metrics endpoint cannot listen on that address or port',
  // untrusted configs (serve)
  TK_ERR_PLUGIN_URL: 'plugin specifier is a URL (data:, file:, http:, node:…): only package names and file paths load',
  TK_ERR_PLUGIN_FORBIDDEN: 'plugin not allowed here (not a built-in, not in plugins.allow, or a file outside the roots)',
  TK_ERR_CONFIG_ENV_FORBIDDEN: 'environment variable not available to this config (env.allow)',
  TK_ERR_CONFIG_LIMIT: 'config over a size, depth, alias or node limit',
  // strategy test kit (@tradekit/core/testkit): assertion failures and bad test input
  TK_ERR_TESTKIT_LOOKAHEAD: 'a decision, order or trade changed when only later bars changed (look-ahead)',
  TK_ERR_TESTKIT_WARMUP: 'decisions changed when the history started earlier (warm-up too short)',
  TK_ERR_TESTKIT_GOLDEN: 'result differs from the golden file',
  TK_ERR_TESTKIT_WEAK: 'the check had too little to compare to prove anything',
  TK_ERR_TESTKIT_INPUT: 'test kit used with input it cannot check',
} as const;

/**
 * The closed set of codes, one entry per package. Core declares its own here; every other package
 * adds its codes from its errors.ts by declaration merging, so a misspelt code does not compile:
 *
 *   declare module '@tradekit/core' {
 *     interface ErrorCodeRegistry { agents: keyof typeof AgentErrorCodes }
 *   }
 *
 * A third-party plugin with its own codes does the same under its package name (docs/errors.md).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ErrorCodeRegistry {
  core: keyof typeof ErrorCodes;
}

/** Every declared `TK_ERR_*` code: core's and those of the packages that registered theirs. */
export type ErrorCode = ErrorCodeRegistry[keyof ErrorCodeRegistry];

export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  /** JSON path into the config, e.g. `agents[0].with.fast`. */
  path?: string;
}

export interface TradekitErrorOptions extends SourceLocation {
  cause?: unknown;
  plugin?: string;
  hook?: string;
  symbol?: string;
  classification?: ErrorClass;
  retryAfterMs?: number;
  /** Free-form machine-readable details (never secrets). */
  details?: Record<string, unknown>;
}

export class TradekitError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
  readonly plugin?: string;
  readonly hook?: string;
  readonly symbol?: string;
  readonly classification: ErrorClass;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: TradekitErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TradekitError';
    this.code = code;
    this.file = opts.file;
    this.line = opts.line;
    this.column = opts.column;
    this.path = opts.path;
    this.plugin = opts.plugin;
    this.hook = opts.hook;
    this.symbol = opts.symbol;
    this.classification = opts.classification ?? 'nonRetryable';
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details;
  }

  get retryable(): boolean {
    return this.classification === 'retryable';
  }

  /** `file:line:column` when known. */
  get location(): string | undefined {
    if (!this.file) return undefined;
    return this.line ? `${this.file}:${this.line}:${this.column ?? 1}` : this.file;
  }

  /** One line for a terminal: `config.yaml:12:7 TK_ERR_CONFIG_UNKNOWN_KEY at agents[0].with.fsat: …`. */
  format(): string {
    const where = this.location ? `${this.location} ` : '';
    const path = this.path ? ` at ${this.path}` : '';
    const who = this.plugin ? ` [${this.plugin}${this.hook ? `#${this.hook}` : ''}]` : '';
    return `${where}${this.code}${path}${who}: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    for (const k of ['file', 'line', 'column', 'path', 'plugin', 'hook', 'symbol', 'retryAfterMs', 'details'] as const) {
      if (this[k] !== undefined) out[k] = this[k];
    }
    out.classification = this.classification;
    if (this.cause !== undefined) out.cause = describeCause(this.cause);
    return out;
  }
}

function describeCause(cause: unknown): unknown {
  if (cause instanceof TradekitError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return String(cause);
}

export function isTradekitError(e: unknown): e is TradekitError {
  return e instanceof TradekitError;
}

/** Wraps anything a plugin hook threw as TK_ERR_PLUGIN (rollup's PLUGIN_ERROR), keeping the original as `cause`. */
export function pluginError(plugin: string, hook: string, cause: unknown, symbol?: string): TradekitError {
  if (cause instanceof TradekitError && cause.code === 'TK_ERR_PLUGIN' && cause.plugin === plugin && cause.hook === hook) return cause;
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new TradekitError('TK_ERR_PLUGIN', `plugin "${plugin}" threw in hook "${hook}"${symbol ? ` for ${symbol}` : ''}: ${msg}`, {
    plugin,
    hook,
    symbol,
    cause,
  });
}

export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
