/** ajv schemas of every request's query and body; a mismatch is a 400 TK_ERR_API_BAD_REQUEST naming the field. */
import { Ajv, type ValidateFunction } from 'ajv';
import { apiError } from '../errors.js';
import { TIMEFRAME_PATTERN } from '@tradekit/core';

// Query strings arrive as strings: coerce to the declared types. Unknown parameters are errors.
const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });

const int = (min: number, max: number, dflt?: number) => ({ type: 'integer', minimum: min, maximum: max, ...(dflt === undefined ? {} : { default: dflt }) });
const symbol = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._#-]+$' };
const reason = { type: 'string', maxLength: 500 };

export const schemas = {
  runsStart: {
    type: 'object',
    additionalProperties: false,
    oneOf: [{ required: ['config'] }, { required: ['yaml'] }],
    properties: {
      config: { type: 'string', minLength: 1, maxLength: 4096 },
      yaml: { type: 'string', minLength: 1 },
      baseDir: { type: 'string', minLength: 1, maxLength: 4096 },
      overrides: {
        type: 'object',
        additionalProperties: false,
        properties: {
          pace: { type: 'string', pattern: '^(max|live|\\d+(\\.\\d+)?x?)$' },
          cycles: int(1, 10_000_000),
          from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
          to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
          mode: { enum: ['live', 'paper', 'backtest'] },
          logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] },
          stateUrl: { type: 'string', minLength: 1, maxLength: 4096 },
        },
      },
    },
  },
  control: { type: 'object', additionalProperties: false, properties: { reason } },
  trades: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { enum: ['open', 'closed'] },
      symbol,
      from: int(0, 8.64e15),
      to: int(0, 8.64e15),
      limit: int(1, 1000, 100),
      offset: int(0, 10_000_000, 0),
    },
  },
  orders: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: {
        type: 'string',
        pattern: '^(pending|placed|filled|rejected|unknown|cancelled|expired|failed)(,(pending|placed|filled|rejected|unknown|cancelled|expired|failed))*$',
      },
      symbol,
      limit: int(1, 1000, 100),
    },
  },
  stats: { type: 'object', additionalProperties: false, properties: { symbol, from: int(0, 8.64e15), to: int(0, 8.64e15), minTrades: int(1, 1000, 3) } },
  events: { type: 'object', additionalProperties: false, properties: { since: int(0, Number.MAX_SAFE_INTEGER, 0), limit: int(1, 5000, 1000) } },
  quote: { type: 'object', additionalProperties: false, required: ['symbol'], properties: { symbol } },
  bars: {
    type: 'object',
    additionalProperties: false,
    required: ['symbol'],
    properties: { symbol, timeframe: { type: 'string', pattern: TIMEFRAME_PATTERN }, count: int(1, 5000, 300) },
  },
  audit: {
    type: 'object',
    additionalProperties: false,
    properties: { run: { type: 'string', maxLength: 200 }, limit: int(1, 1000, 100), before: int(1, Number.MAX_SAFE_INTEGER) },
  },
  llm: { type: 'object', additionalProperties: false, properties: { kind: { enum: ['sentiment', 'researcher', 'critic'] }, limit: int(1, 1000, 100) } },
  empty: { type: 'object', additionalProperties: false, properties: {} },
} as const;

const compiled = new Map<object, ValidateFunction>();

/** Validates (and coerces, applies defaults to) `value`; throws TK_ERR_API_BAD_REQUEST. */
export function check<T>(schema: object, value: unknown, where: 'query' | 'body'): T {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  const copy = value && typeof value === 'object' ? { ...(value as object) } : (value ?? {});
  if (!v(copy)) {
    const problems = (v.errors ?? []).map((e) => {
      const at = `${where}${e.instancePath.replace(/\//g, '.')}`;
      if (e.keyword === 'additionalProperties') return `${at}: unknown parameter "${(e.params as { additionalProperty: string }).additionalProperty}"`;
      if (e.keyword === 'oneOf') return `${at}: give exactly one of the alternatives`;
      return `${at} ${e.message ?? 'is invalid'}`;
    });
    throw apiError('TK_ERR_API_BAD_REQUEST', [...new Set(problems)].join('; '), { details: { problems } });
  }
  return copy as T;
}
