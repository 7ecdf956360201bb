/**
 * `server.yaml`: where the orchestrator listens, who may call it, which configs it may start and
 * what those configs may name (plugins, environment variables, paths: docs/security.md).
 * Parsed with core's YAML reader (positions, `${ENV}`: this file is the admin's, so it sees the whole
 * environment) and checked with ajv; unknown keys are errors.
 */
import path from 'node:path';
import { ConfigErrors, parseConfigText, readConfigFile, validateAt, type TradekitError } from '@tradekit/core';

export type Scope = 'read' | 'trade';
export const SCOPES: readonly Scope[] = ['read', 'trade'];

export interface TokenEntry {
  name: string;
  scopes: Scope[];
  /** The token itself (usually `${ENV}`); hashed in memory, never stored or logged. */
  token?: string;
  /** Or its SHA-256 hex digest. */
  sha256?: string;
}

export interface AutostartEntry {
  config: string;
  pace?: string;
  cycles?: number;
  /** Environment variables this config may reference besides `env.allow` (an autostarted live run's password). */
  env?: string[];
}

export interface ServerConfig {
  server: {
    host: string;
    port: number;
    /** Extra origins allowed by CORS and the socket.io handshake (the server's own origin always is). */
    origins: string[];
    /** Server state: tokens (hashed), audit log, run registry, uploaded configs. */
    dataDir: string;
    /** Tokens, audit log and run registry in this PostgreSQL database (replicas share it) instead of `<dataDir>/server.db`. */
    db?: string;
    /** Largest JSON body accepted (uploaded YAML goes in it); also the largest config file started by path. */
    bodyLimitKb: number;
    /** Listen on an address that is not loopback (off: such a `host` is refused at start). */
    allowRemote: boolean;
    /** Host header names accepted besides loopback names and `host` (a DNS-rebinding guard). */
    allowedHosts: string[];
  };
  plugins: {
    /** Packages configs started through the API may load by name, besides core's built-ins. */
    allow: string[];
  };
  env: {
    /** Environment variables configs started through the API may reference (`${NAME}`); others are refused. */
    allow: string[];
  };
  auth: {
    tokens: TokenEntry[];
    /** Create one read+trade token at first start when none exists (printed once). */
    generate: boolean;
  };
  runs: {
    /** Config files and upload base directories must be inside one of these. */
    roots: string[];
    maxRuns: number;
    /** Finished runs kept open (journal, bars, chart) before the oldest is closed. */
    keepFinished: number;
    autostart: AutostartEntry[];
  };
  stream: {
    /** Events buffered per socket.io client before the oldest are dropped (and counted). */
    clientBuffer: number;
    /** Recent events kept in memory per run for `/events?since=` (older ones come from the journal). */
    ringSize: number;
    /** Batch window (ms): events are sent in one packet per window (0 = next turn of the event loop). 5 ms measured best (docs/performance.md). */
    flushMs: number;
  };
  /** Directory of the server config (relative paths are resolved against it). */
  baseDir: string;
  /** The server config file, when there is one (no run may read it as its config). */
  file?: string;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8787 },
        origins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/]+$' }, default: [] },
        dataDir: { type: 'string', minLength: 1, default: './.tradekit/server' },
        db: {
          type: 'string',
          pattern: '^postgres(ql)?://',
          description: 'a PostgreSQL URL (postgres://user:password@host:5432/db) for tokens, audit log and run registry; default <dataDir>/server.db',
        },
        bodyLimitKb: { type: 'integer', minimum: 1, maximum: 10240, default: 256 },
        allowRemote: { type: 'boolean', default: false },
        allowedHosts: { type: 'array', default: [], items: { type: 'string', pattern: '^[A-Za-z0-9.-]+$|^\\[[0-9A-Fa-f:.]+\\]$' } },
      },
    },
    plugins: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        allow: {
          type: 'array',
          default: [],
          uniqueItems: true,
          items: { type: 'string', pattern: '^(?![./])[^:\\s\\\\]+$', description: 'a package name like @tradekit/agents or tradekit-plugin-x' },
        },
      },
    },
    env: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        allow: { type: 'array', default: [], uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tokens: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'scopes'],
            oneOf: [{ required: ['token'] }, { required: ['sha256'] }],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
              scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['read', 'trade'] } },
              token: { type: 'string', minLength: 24 },
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            },
          },
        },
        generate: { type: 'boolean', default: true },
      },
    },
    runs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        roots: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['.'] },
        maxRuns: { type: 'integer', minimum: 1, default: 16 },
        keepFinished: { type: 'integer', minimum: 0, default: 16 },
        autostart: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['config'],
            properties: {
              config: { type: 'string', minLength: 1 },
              pace: { type: 'string', pattern: '^(max|live|\\d+(\\.\\d+)?x?)$' },
              cycles: { type: 'integer', minimum: 1 },
              env: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
            },
          },
        },
      },
    },
    stream: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        clientBuffer: { type: 'integer', minimum: 10, default: 2000 },
        ringSize: { type: 'integer', minimum: 100, default: 5000 },
        flushMs: { type: 'integer', minimum: 0, maximum: 1000, default: 5 },
      },
    },
  },
} as const;

/** Reads and checks a server config file; throws ConfigErrors with every problem. */
export function loadServerConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const source = file ? readConfigFile(file, env) : parseConfigText('{}', path.join(process.cwd(), 'server.yaml'), env);
  const errors: TradekitError[] = [...source.errors];
  const raw = (source.value ?? {}) as Record<string, unknown>;
  if (!errors.length) errors.push(...validateAt(schema, raw, source, [], 'the server config'));
  if (errors.length) throw new ConfigErrors(errors);
  return { ...resolveServerConfig(raw as unknown as Omit<ServerConfig, 'baseDir'>, source.dir), ...(file ? { file: path.resolve(file) } : {}) };
}

/** Defaults for a config given in code (tests, `tradekit run --serve`); same schema, same defaults. */
export function serverConfig(partial: DeepPartial<Omit<ServerConfig, 'baseDir' | 'file'>> = {}, baseDir = process.cwd()): ServerConfig {
  const raw = JSON.parse(JSON.stringify(partial)) as Record<string, unknown>;
  const source = parseConfigText(JSON.stringify(raw), path.join(baseDir, 'server.yaml'));
  const errors = validateAt(schema, raw, source, [], 'the server config');
  if (errors.length) throw new ConfigErrors(errors);
  return resolveServerConfig(raw as unknown as Omit<ServerConfig, 'baseDir'>, baseDir);
}

function resolveServerConfig(c: Omit<ServerConfig, 'baseDir'>, baseDir: string): ServerConfig {
  return {
    ...c,
    server: { ...c.server, dataDir: path.resolve(baseDir, c.server.dataDir) },
    runs: {
      ...c.runs,
      roots: c.runs.roots.map((r) => path.resolve(baseDir, r)),
      autostart: c.runs.autostart.map((a) => ({ ...a, config: path.resolve(baseDir, a.config) })),
    },
    baseDir,
  };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
