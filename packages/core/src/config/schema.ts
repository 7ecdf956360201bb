/** The run config's shape: TypeScript types and the JSON schema ajv checks (defaults applied). */
import type { RunMode, Timeframe } from '../types.js';
import { timeframePattern } from '../data/timeframes.js';

export interface PluginEntry {
  /** Package name (`@tradekit/core/paper`, `tradekit-plugin-x`) or a path relative to the config file. */
  use: string;
  /** Instance name; defaults to the plugin's name. Must be unique within the config. */
  name?: string;
  with?: Record<string, unknown>;
  enabled?: boolean;
}

export interface RunSection {
  name: string;
  mode: RunMode;
  cycleSeconds: number;
  timezone: string;
  /** Paper replay speed: `600x`, a number, `max`, or `live` (wall clock). */
  pace: string | number;
  /** Replay/backtest window (ISO dates, UTC). */
  from?: string;
  to?: string;
  /** Bars of history the replay keeps before its first cycle. */
  warmupBars: number;
  /** Stop after this many cycles (0 = no limit). */
  maxCycles: number;
  /** Primary timeframe (backtests: one cycle per closed bar of it). */
  timeframe?: Timeframe;
  magic?: number;
}

export interface EngineSection {
  /** Symbols scanned at once. */
  concurrency: number;
  /** Per-tap timeout for asynchronous hook taps (ms, wall clock; 0 = none). */
  tapTimeoutMs: number;
  /** Candidates that may be executed per cycle (the original executed only the best one). */
  maxEntriesPerCycle: number;
  /** Record per-hook and per-tap timings. */
  hookTimings: boolean;
  /** Bound on one broker call (ms); an expired call is an unknown outcome and is reconciled. */
  brokerTimeoutMs: number;
}

export interface StateSection {
  /** `sqlite://./file.db` (default), `sqlite::memory:`, `memory:`, `postgres://…`. */
  url: string;
  /** The run lease's time to live (s): how long after a crash another process may take the run over. */
  leaseSeconds: number;
  /** How long the state store may fail before the run ends with TK_ERR_STATE_IO (s; the run is HALTED meanwhile). */
  failureGraceSeconds: number;
}

export interface RunConfig {
  run: RunSection;
  symbols: string[];
  data: PluginEntry;
  broker: PluginEntry;
  agents: PluginEntry[];
  risk: PluginEntry[];
  sinks: PluginEntry[];
  plugins: PluginEntry[];
  state: StateSection;
  engine: EngineSection;
  logging: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'; format: 'pretty' | 'json' };
  secrets: Record<string, string>;
}

export type SlotName = 'data' | 'broker' | 'plugins' | 'risk' | 'agents' | 'sinks';

const pluginEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['use'],
  properties: {
    use: { type: 'string', minLength: 1, description: 'package name or path relative to the config file' },
    name: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' },
    with: { type: 'object', default: {} },
    enabled: { type: 'boolean', default: true },
  },
} as const;

const pluginList = { type: 'array', items: pluginEntry, default: [] } as const;

/** Every timeframe of TIMEFRAMES (types.ts), as a schema pattern. */
export const TIMEFRAME_PATTERN = timeframePattern();

export const runConfigSchema = {
  $id: 'tradekit:run-config',
  type: 'object',
  additionalProperties: false,
  required: ['run', 'symbols', 'data', 'broker'],
  properties: {
    run: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'letters, digits, . _ -' },
        mode: { enum: ['live', 'paper', 'backtest'], default: 'paper' },
        cycleSeconds: { type: 'number', exclusiveMinimum: 0, default: 120 },
        timezone: { type: 'string', default: 'UTC' },
        pace: {
          description: '"max", "live", a speed like "600x", or a positive number',
          anyOf: [
            { type: 'string', pattern: '^(max|live|\\d+(\\.\\d+)?x)$' },
            { type: 'number', exclusiveMinimum: 0 },
          ],
          default: 'max',
        },
        from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
        to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
        warmupBars: { type: 'integer', minimum: 0, default: 300 },
        timeframe: {
          type: 'string',
          pattern: TIMEFRAME_PATTERN,
          description: 'primary timeframe: backtests run a cycle per closed bar of it (default: the finest the data has)',
        },
        maxCycles: { type: 'integer', minimum: 0, default: 0 },
        magic: { type: 'integer', minimum: 1, maximum: 2147483647 },
      },
    },
    symbols: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    data: pluginEntry,
    broker: pluginEntry,
    agents: pluginList,
    risk: pluginList,
    sinks: pluginList,
    plugins: pluginList,
    state: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string', default: 'sqlite://./tradekit.db' },
        leaseSeconds: {
          type: 'number',
          minimum: 0.2,
          maximum: 3600,
          default: 30,
          description: 'run lease TTL: a crashed run can be taken over after this long',
        },
        failureGraceSeconds: {
          type: 'number',
          minimum: 0,
          maximum: 86400,
          default: 30,
          description: 'state store failing this long ends the run (TK_ERR_STATE_IO); it is HALTED meanwhile',
        },
      },
    },
    engine: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
        tapTimeoutMs: { type: 'integer', minimum: 0, default: 30_000 },
        maxEntriesPerCycle: { type: 'integer', minimum: 0, default: 1 },
        hookTimings: { type: 'boolean', default: true },
        brokerTimeoutMs: { type: 'integer', minimum: 0, default: 15_000 },
      },
    },
    logging: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
        format: { enum: ['pretty', 'json'], default: 'pretty' },
      },
    },
    secrets: { type: 'object', default: {}, additionalProperties: { type: 'string' } },
  },
} as const;

export const TIMEFRAME_SCHEMA = { type: 'string', pattern: TIMEFRAME_PATTERN } as const;
export type { Timeframe };
