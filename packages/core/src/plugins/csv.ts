/** `@tradekit/core/csv`: bars from MT5 CSV exports (see data/csv-source.ts). */
import { definePlugin } from '../plugin.js';
import { CsvDataSource } from '../data/csv-source.js';
import type { DstRule } from '../data/server-time.js';
import type { SymbolInfo, Timeframe } from '../types.js';
import { CORE_VERSION } from '../version.js';
import { TIMEFRAME_PATTERN } from '../config/schema.js';

export interface CsvPluginConfig {
  dir: string;
  timeframes?: Timeframe[];
  /** Load every symbol with a file instead of only the run's symbols. */
  allSymbols: boolean;
  serverTime: { utcOffsetHours: number; dst: DstRule };
  pattern: string;
  symbolInfo: Record<string, Partial<SymbolInfo>>;
  columnCache: boolean;
  /** Quote and fill with a file's per-bar spread column when it has one. */
  barSpread: boolean;
  /** How many of the finest timeframe's first bars decide a symbol's digits (when symbolInfo does not). */
  digitsFromBars: number;
}

export default definePlugin<CsvPluginConfig>({
  name: '@tradekit/core/csv',
  version: CORE_VERSION,
  description: 'MT5 CSV bars (time,open,high,low,close,volume), columnar, multi-timeframe, no look-ahead',
  provides: ['data'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: {
      dir: { type: 'string', minLength: 1, description: 'directory of {symbol}_{timeframe}.csv files, relative to the config file' },
      timeframes: { type: 'array', items: { type: 'string', pattern: TIMEFRAME_PATTERN }, uniqueItems: true },
      allSymbols: { type: 'boolean', default: false },
      serverTime: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          utcOffsetHours: { type: 'number', minimum: -12, maximum: 14, default: 2 },
          dst: { enum: ['us', 'eu', 'none'], default: 'us' },
        },
      },
      pattern: { type: 'string', default: '{symbol}_{timeframe}.csv' },
      columnCache: { type: 'boolean', default: true, description: 'keep parsed columns in a binary cache (.tkcache/ next to the data, or the OS temp dir)' },
      barSpread: {
        type: 'boolean',
        default: true,
        description: "quote and fill with a file's per-bar spread column (points) when it has one; false: always the symbol's fixed spread",
      },
      digitsFromBars: {
        type: 'integer',
        minimum: 1,
        default: 100,
        description:
          "a symbol's digits (point, spread, rounding) come from its first N finest-timeframe bars (and other files' bars opening no later), never from later rows; set symbolInfo.<S>.digits to give them",
      },
      symbolInfo: {
        type: 'object',
        default: {},
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: {
            digits: { type: 'integer', minimum: 0, maximum: 10 },
            point: { type: 'number', exclusiveMinimum: 0 },
            tickSize: { type: 'number', exclusiveMinimum: 0 },
            tickValue: { type: 'number', exclusiveMinimum: 0 },
            contractSize: { type: 'number', exclusiveMinimum: 0 },
            volumeMin: { type: 'number', exclusiveMinimum: 0 },
            volumeMax: { type: 'number', exclusiveMinimum: 0 },
            volumeStep: { type: 'number', exclusiveMinimum: 0 },
            stopsLevel: { type: 'number', minimum: 0 },
            freezeLevel: { type: 'number', minimum: 0 },
            spread: { type: 'number', minimum: 0, description: 'spread in points' },
            assetClass: { enum: ['forex', 'metal', 'index', 'crypto', 'commodity', 'stock', 'other'] },
            baseCurrency: { type: 'string' },
            profitCurrency: { type: 'string' },
            marginCurrency: { type: 'string' },
          },
        },
      },
    },
  },
  async setup(ctx, config) {
    const source = new CsvDataSource(ctx.clock, {
      // Through ctx.resolvePath: a host that confines runs checks the dir, each file and the cache.
      dir: ctx.resolvePath(config.dir, 'data dir'),
      confine: (abs, what) => ctx.resolvePath(abs, what),
      symbols: config.allSymbols ? undefined : ctx.symbols,
      timeframes: config.timeframes,
      serverTime: config.serverTime,
      pattern: config.pattern,
      symbolInfo: config.symbolInfo,
      columnCache: config.columnCache,
      barSpread: config.barSpread,
      digitsFromBars: config.digitsFromBars,
    });
    await source.load();
    ctx.setDataSource(source);
  },
});
