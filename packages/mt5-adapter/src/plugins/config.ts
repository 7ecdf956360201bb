/**
 * Config of the MT5 plugins (JSON schema for the loader, TypeScript shapes for setup). Numbers that
 * usually come from the environment (`port: ${MT5_BRIDGE_PORT}`, `login: ${MT5_LOGIN}`) may be
 * written as digit strings. Secrets (the bridge token, the terminal password) come from `${ENV}` and
 * are never logged.
 */
import type { ServerTimeConfig } from '@tradekit/core';
import type { FillingName } from '../adapter/filling.js';

const intOrDigits = (min: number, max: number, dflt?: number) => ({
  anyOf: [
    { type: 'integer', minimum: min, maximum: max },
    { type: 'string', pattern: '^[0-9]+$' },
  ],
  ...(dflt === undefined ? {} : { default: dflt }),
});

export const bridgeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  description: 'where the bridge (bridge/mt5_bridge.py, or `tradekit mt5-sim`) listens',
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1' },
    port: intOrDigits(1, 65535, 18812),
    token: { type: 'string', minLength: 8, description: 'shared secret: ${MT5_BRIDGE_TOKEN}' },
    callTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
    connectTimeoutMs: { type: 'integer', minimum: 100, default: 5000 },
    heartbeatSeconds: { type: 'number', minimum: 0, default: 5 },
  },
} as const;

export const terminalSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'terminal login; omit to use the account the terminal is logged in to',
  properties: {
    login: intOrDigits(1, Number.MAX_SAFE_INTEGER),
    password: { type: 'string', description: '${MT5_PASSWORD}' },
    server: { type: 'string' },
    path: { type: 'string', description: 'terminal64.exe, for initialize(path)' },
    initTimeoutMs: { type: 'integer', minimum: 1000, default: 60_000 },
  },
} as const;

export const sessionProperties = {
  bridge: bridgeSchema,
  terminal: terminalSchema,
  serverTime: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: "the broker's server time (what MT5 stamps bars and deals with)",
    properties: {
      utcOffsetHours: { type: 'number', minimum: -12, maximum: 14, default: 2 },
      dst: { enum: ['us', 'eu', 'none'], default: 'us' },
    },
  },
  symbols: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      suffixes: { type: 'array', items: { type: 'string' }, default: ['', 'm', 'c'], description: 'tried after the canonical name, in order' },
      map: {
        type: 'object',
        additionalProperties: { type: 'string', minLength: 1 },
        default: {},
        description: 'canonical → broker name, e.g. { XAUUSD: XAUUSD.sd }',
      },
    },
  },
  rateLimit: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      perSecond: { type: 'number', minimum: 0, default: 8, description: '0 = no client-side limit' },
      burst: { type: 'integer', minimum: 1, default: 4 },
      scope: { enum: ['trades', 'all'], default: 'trades' },
    },
  },
  maxInFlight: { type: 'integer', minimum: 1, maximum: 64, default: 1, description: 'calls in flight per terminal (1 = strictly serialized)' },
} as const;

export const brokerProperties = {
  deviationPoints: { type: 'integer', minimum: 0, default: 20 },
  fillingModes: { type: 'array', items: { enum: ['FOK', 'IOC', 'RETURN'] }, minItems: 1, uniqueItems: true, default: ['FOK', 'IOC', 'RETURN'] },
  maxRequotes: { type: 'integer', minimum: 0, default: 3 },
  maxBackoffs: { type: 'integer', minimum: 0, default: 4 },
  backoffMs: { type: 'integer', minimum: 0, default: 250 },
  preflight: { type: 'boolean', default: false, description: 'order_check before every order_send' },
  commentLength: { type: 'integer', minimum: 16, maximum: 31, default: 26 },
  requireTrading: { type: 'boolean', default: true, description: 'fail at startup when AutoTrading or expert trading is off' },
  lookupDays: { type: 'number', exclusiveMinimum: 0, default: 7 },
  historyLagMinutes: { type: 'number', minimum: 0, default: 10 },
  sendTimeoutMs: { type: 'integer', minimum: 100, default: 10_000 },
} as const;

export interface BridgeConfig {
  host: string;
  port: number | string;
  token: string;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
}

export interface SessionConfig {
  bridge?: BridgeConfig;
  terminal: { login?: number | string; password?: string; server?: string; path?: string; initTimeoutMs: number };
  serverTime: ServerTimeConfig;
  symbols: { suffixes: string[]; map: Record<string, string> };
  rateLimit: { perSecond: number; burst: number; scope: 'trades' | 'all' };
  maxInFlight: number;
}

export interface BrokerConfig {
  deviationPoints: number;
  fillingModes: FillingName[];
  maxRequotes: number;
  maxBackoffs: number;
  backoffMs: number;
  preflight: boolean;
  commentLength: number;
  requireTrading: boolean;
  lookupDays: number;
  historyLagMinutes: number;
  sendTimeoutMs: number;
}
