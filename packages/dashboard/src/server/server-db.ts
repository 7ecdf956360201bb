/**
 * The orchestrator's own state, in `<dataDir>/server.db` (SQLite through knex, like the run journal):
 * API tokens (SHA-256 digests only), the audit log of control actions, and the registry of runs it
 * hosted (so history survives a restart). All I/O is asynchronous. knex's own messages go to the
 * server's logger (knex would print them on stdout).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { knexLog, type Logger } from '@tradekit/core';
import type { Scope } from './config.js';

export interface TokenRow {
  id: string;
  name: string;
  scopes: Scope[];
  sha256: string;
  source: 'config' | 'generated' | 'cli';
  createdAt: number;
}

export interface AuditEntry {
  id?: number;
  time: number;
  actor: string;
  action: string;
  run?: string;
  params?: Record<string, unknown>;
  outcome: 'ok' | 'error';
  code?: string;
  ip?: string;
}

export interface RunRegistryRow {
  id: string;
  name: string;
  mode: string;
  configFile: string;
  baseDir: string;
  stateUrl: string;
  startedAt: number;
  endedAt?: number;
  status: string;
  source: 'path' | 'upload' | 'adopted';
}

export class ServerDb {
  private constructor(private readonly db: Knex) {}

  static async open(dataDir: string, log?: Logger): Promise<ServerDb> {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const db = knexFactory({
      client: 'sqlite3',
      connection: { filename: path.join(dataDir, 'server.db') },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
      log: knexLog(log ? (line) => log.warn({}, line) : undefined),
    });
    if (!(await db.schema.hasTable('tk_srv_tokens'))) {
      await db.schema.createTable('tk_srv_tokens', (t) => {
        t.string('id').primary();
        t.string('name').notNullable();
        t.string('scopes').notNullable();
        t.string('sha256').notNullable().unique();
        t.string('source').notNullable();
        t.bigInteger('created_at').notNullable();
      });
    }
    if (!(await db.schema.hasTable('tk_srv_audit'))) {
      await db.schema.createTable('tk_srv_audit', (t) => {
        t.increments('id');
        t.bigInteger('time').notNullable();
        t.string('actor').notNullable();
        t.string('action').notNullable();
        t.string('run');
        t.text('params');
        t.string('outcome').notNullable();
        t.string('code');
        t.string('ip');
        t.index(['time']);
      });
    }
    if (!(await db.schema.hasTable('tk_srv_runs'))) {
      await db.schema.createTable('tk_srv_runs', (t) => {
        t.string('id').primary();
        t.string('name').notNullable();
        t.string('mode').notNullable();
        t.text('config_file').notNullable();
        t.text('base_dir').notNullable();
        t.text('state_url').notNullable();
        t.bigInteger('started_at').notNullable();
        t.bigInteger('ended_at');
        t.string('status').notNullable();
        t.string('source').notNullable();
      });
    }
    return new ServerDb(db);
  }

  async tokens(): Promise<TokenRow[]> {
    const rows = (await this.db('tk_srv_tokens').select()) as Record<string, unknown>[];
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), scopes: String(r.scopes).split(',') as Scope[], sha256: String(r.sha256), source: r.source as TokenRow['source'], createdAt: Number(r.created_at) }));
  }

  /** Changes when another connection (another process: `tradekit serve --add-token`) commits to the db. */
  async dataVersion(): Promise<number> {
    const rows = (await this.db.raw('PRAGMA data_version')) as { data_version: number }[];
    return Number(rows[0]?.data_version);
  }

  /** Deletes the stored tokens called `name`; returns how many there were. */
  async revokeTokens(name: string): Promise<number> {
    return this.db('tk_srv_tokens').where({ name }).delete();
  }

  async addToken(t: TokenRow): Promise<void> {
    await this.db('tk_srv_tokens').insert({ id: t.id, name: t.name, scopes: t.scopes.join(','), sha256: t.sha256, source: t.source, created_at: t.createdAt });
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.db('tk_srv_audit').insert({ time: e.time, actor: e.actor, action: e.action, run: e.run ?? null, params: e.params ? JSON.stringify(e.params) : null, outcome: e.outcome, code: e.code ?? null, ip: e.ip ?? null });
  }

  async auditLog(q: { run?: string; limit: number; before?: number }): Promise<AuditEntry[]> {
    const b = this.db('tk_srv_audit').orderBy('id', 'desc').limit(q.limit);
    if (q.run) b.where({ run: q.run });
    if (q.before) b.andWhere('id', '<', q.before);
    const rows = (await b) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      time: Number(r.time),
      actor: String(r.actor),
      action: String(r.action),
      run: (r.run as string | null) ?? undefined,
      params: typeof r.params === 'string' ? (JSON.parse(r.params) as Record<string, unknown>) : undefined,
      outcome: r.outcome as 'ok' | 'error',
      code: (r.code as string | null) ?? undefined,
      ip: (r.ip as string | null) ?? undefined,
    }));
  }

  async saveRun(r: RunRegistryRow): Promise<void> {
    await this.db('tk_srv_runs')
      .insert({ id: r.id, name: r.name, mode: r.mode, config_file: r.configFile, base_dir: r.baseDir, state_url: r.stateUrl, started_at: r.startedAt, ended_at: r.endedAt ?? null, status: r.status, source: r.source })
      .onConflict('id')
      .merge(['status', 'ended_at']);
  }

  async runs(): Promise<RunRegistryRow[]> {
    const rows = (await this.db('tk_srv_runs').orderBy('started_at', 'desc')) as Record<string, unknown>[];
    return rows.map(registryRow);
  }

  /** One run of the registry, or undefined. */
  async run(id: string): Promise<RunRegistryRow | undefined> {
    const row = (await this.db('tk_srv_runs').where({ id }).first()) as Record<string, unknown> | undefined;
    return row ? registryRow(row) : undefined;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function registryRow(r: Record<string, unknown>): RunRegistryRow {
  return {
    id: String(r.id),
    name: String(r.name),
    mode: String(r.mode),
    configFile: String(r.config_file),
    baseDir: String(r.base_dir),
    stateUrl: String(r.state_url),
    startedAt: Number(r.started_at),
    endedAt: r.ended_at === null ? undefined : Number(r.ended_at),
    status: String(r.status),
    source: r.source as RunRegistryRow['source'],
  };
}
