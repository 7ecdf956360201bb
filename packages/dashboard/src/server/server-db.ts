/**
 * The orchestrator's own state: API tokens (SHA-256 digests only), the audit log of control actions,
 * and the registry of runs it hosted (so history survives a restart). In `<dataDir>/server.db`
 * (SQLite through knex, like the run journal) by default, or in a PostgreSQL database
 * (`server.db: postgres://…`) that several orchestrator replicas share: a token added through one is
 * accepted by all, and every replica sees every audit and registry row. Schema changes are knex
 * migrations in code (`tk_srv_migrations`). All I/O is asynchronous; failures are TK_ERR_STATE_IO
 * naming the database (never its password) and the driver's code, never the SQL. knex's own messages
 * go to the server's logger (knex would print them on stdout).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { knexLog, TradekitError, type Logger } from '@tradekit/core';
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

/** Where the server db is: `server.dataDir`, and `server.db` when it is a PostgreSQL database. */
export interface ServerDbLocation {
  dataDir: string;
  /** `postgres://…`; absent: `<dataDir>/server.db` (SQLite). */
  db?: string;
}

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
}

const isPg = (knex: Knex): boolean => (knex.client.config as { client?: unknown }).client === 'pg';

const MIGRATIONS: readonly Migration[] = [
  {
    // The tables as the first versions created them (without migrations): a file made then is kept as is.
    name: '001_server_tables',
    async up(knex) {
      if (!(await knex.schema.hasTable('tk_srv_tokens'))) {
        await knex.schema.createTable('tk_srv_tokens', (t) => {
          t.string('id').primary();
          t.string('name').notNullable();
          t.string('scopes').notNullable();
          t.string('sha256').notNullable().unique();
          t.string('source').notNullable();
          t.bigInteger('created_at').notNullable();
        });
      }
      if (!(await knex.schema.hasTable('tk_srv_audit'))) {
        await knex.schema.createTable('tk_srv_audit', (t) => {
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
      if (!(await knex.schema.hasTable('tk_srv_runs'))) {
        await knex.schema.createTable('tk_srv_runs', (t) => {
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
    },
  },
  {
    // "Did another process change the tokens?" SQLite answers with PRAGMA data_version. PostgreSQL has
    // no such thing: a counter row that a statement trigger bumps on every change of tk_srv_tokens,
    // whoever makes it (a replica, `tradekit serve --add-token`, an admin's SQL), in the same transaction.
    name: '002_tokens_version',
    async up(knex) {
      if (!isPg(knex)) return;
      await knex.schema.createTable('tk_srv_meta', (t) => {
        t.text('key').primary();
        t.bigInteger('value').notNullable();
      });
      await knex('tk_srv_meta').insert({ key: 'tokens', value: 0 });
      await knex.raw(`CREATE OR REPLACE FUNCTION tk_srv_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tk_srv_meta SET value = value + 1 WHERE key = 'tokens';
  RETURN NULL;
END
$$`);
      await knex.raw(
        'CREATE TRIGGER tk_srv_tokens_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tk_srv_tokens FOR EACH STATEMENT EXECUTE FUNCTION tk_srv_tokens_changed()',
      );
    },
  },
];

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: m.up, down: async () => undefined }),
};

/** The advisory lock replicas take while migrating a PostgreSQL server db (an arbitrary, fixed number). */
const MIGRATION_LOCK = 7_402_164_052;

export class ServerDb {
  private constructor(
    private readonly db: Knex,
    /** What messages name: the file, or the URL without its password. */
    private readonly where: string,
  ) {}

  /** Opens (creating and migrating) the server db; a string is `server.dataDir` (SQLite). */
  static async open(at: string | ServerDbLocation, log?: Logger): Promise<ServerDb> {
    const loc = typeof at === 'string' ? { dataDir: at } : at;
    const klog = knexLog(log ? (line) => log.warn({}, line) : undefined);
    let db: Knex;
    let where: string;
    if (loc.db) {
      where = redacted(loc.db);
      db = knexFactory({
        client: 'pg',
        connection: { connectionString: loc.db, keepAlive: true, connectionTimeoutMillis: 10_000 },
        pool: { min: 0, max: 4 },
        acquireConnectionTimeout: 10_000,
        log: klog,
      });
    } else {
      mkdirSync(loc.dataDir, { recursive: true, mode: 0o700 });
      where = path.join(loc.dataDir, 'server.db');
      db = knexFactory({ client: 'sqlite3', connection: { filename: where }, useNullAsDefault: true, pool: { min: 1, max: 1 }, log: klog });
    }
    const s = new ServerDb(db, where);
    try {
      await s.q('opening (and migrating)', () => migrate(db));
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw e;
    }
    return s;
  }

  /** Runs a statement; a failure becomes TK_ERR_STATE_IO without the SQL (knex quotes it, with values, in its messages). */
  private async q<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw dbError(e, `server db ${this.where}: ${what} failed`);
    }
  }

  async tokens(): Promise<TokenRow[]> {
    const rows = (await this.q('reading tokens', () => this.db('tk_srv_tokens').select())) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      scopes: String(r.scopes).split(',') as Scope[],
      sha256: String(r.sha256),
      source: r.source as TokenRow['source'],
      createdAt: Number(r.created_at),
    }));
  }

  /**
   * Changes when another connection (another process: `tradekit serve --add-token`, another replica)
   * changed the db. SQLite: `PRAGMA data_version` (any commit of another connection). PostgreSQL: the
   * tokens' change counter (migration 002), which every change of a token row bumps.
   */
  async dataVersion(): Promise<number> {
    return this.q('checking for token changes', async () => {
      if (isPg(this.db))
        return Number(((await this.db('tk_srv_meta').where({ key: 'tokens' }).first('value')) as { value: string | number } | undefined)?.value);
      const rows = (await this.db.raw('PRAGMA data_version')) as { data_version: number }[];
      return Number(rows[0]?.data_version);
    });
  }

  /** Deletes the stored tokens called `name`; returns how many there were. */
  async revokeTokens(name: string): Promise<number> {
    return this.q('revoking tokens', () => this.db('tk_srv_tokens').where({ name }).delete());
  }

  async addToken(t: TokenRow): Promise<void> {
    await this.q('storing a token', () =>
      this.db('tk_srv_tokens').insert({ id: t.id, name: t.name, scopes: t.scopes.join(','), sha256: t.sha256, source: t.source, created_at: t.createdAt }),
    );
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.q('writing the audit log', () =>
      this.db('tk_srv_audit').insert({
        time: e.time,
        actor: e.actor,
        action: e.action,
        run: e.run ?? null,
        params: e.params ? JSON.stringify(e.params) : null,
        outcome: e.outcome,
        code: e.code ?? null,
        ip: e.ip ?? null,
      }),
    );
  }

  async auditLog(q: { run?: string; limit: number; before?: number }): Promise<AuditEntry[]> {
    const b = this.db('tk_srv_audit').orderBy('id', 'desc').limit(q.limit);
    if (q.run) b.where({ run: q.run });
    if (q.before) b.andWhere('id', '<', q.before);
    const rows = (await this.q('reading the audit log', () => b)) as Record<string, unknown>[];
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
    await this.q('saving the run registry', () =>
      this.db('tk_srv_runs')
        .insert({
          id: r.id,
          name: r.name,
          mode: r.mode,
          config_file: r.configFile,
          base_dir: r.baseDir,
          state_url: r.stateUrl,
          started_at: r.startedAt,
          ended_at: r.endedAt ?? null,
          status: r.status,
          source: r.source,
        })
        .onConflict('id')
        .merge(['status', 'ended_at']),
    );
  }

  async runs(): Promise<RunRegistryRow[]> {
    const rows = (await this.q('reading the run registry', () => this.db('tk_srv_runs').orderBy('started_at', 'desc'))) as Record<string, unknown>[];
    return rows.map(registryRow);
  }

  /** One run of the registry, or undefined. */
  async run(id: string): Promise<RunRegistryRow | undefined> {
    const row = (await this.q('reading the run registry', () => this.db('tk_srv_runs').where({ id }).first())) as Record<string, unknown> | undefined;
    return row ? registryRow(row) : undefined;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * Migrates to the latest schema. On PostgreSQL, replicas starting at once wait for each other on an
 * advisory lock (knex's own migration lock is a row it creates on first use: created by two at once,
 * it can stay locked for good); the lock's transaction holds one pooled connection, the migrations run
 * on another.
 */
async function migrate(db: Knex): Promise<void> {
  const latest = () => db.migrate.latest({ migrationSource, tableName: 'tk_srv_migrations' });
  if (!isPg(db)) return void (await latest());
  await db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await latest();
  });
}

/** The URL without its password (in the authority or a `password=` parameter). */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** A database failure as TK_ERR_STATE_IO: the driver's code (and the server's address for network errors), never the driver's message. */
function dbError(e: unknown, what: string): TradekitError {
  if (e instanceof TradekitError) return e;
  const err = e as { code?: unknown; address?: unknown; port?: unknown; errors?: unknown; name?: unknown } | null;
  const first = Array.isArray(err?.errors) && err.errors.length ? (err.errors[0] as typeof err) : err;
  const code = typeof first?.code === 'string' ? first.code : typeof err?.name === 'string' ? err.name : 'UNKNOWN';
  const at = typeof first?.address === 'string' ? ` at ${first.address}${typeof first.port === 'number' ? `:${first.port}` : ''}` : '';
  const hint =
    code === 'ECONNREFUSED'
      ? ': the database server refused the connection (is it running and listening there?)'
      : code === '3D000'
        ? ': the database does not exist'
        : code === '28P01'
          ? ': the password was refused'
          : '';
  const cause = new Error(code);
  cause.name = 'DatabaseError';
  return new TradekitError('TK_ERR_STATE_IO', `${what}${hint} (${code}${at})`, {
    classification: code === 'ECONNREFUSED' || code.startsWith('08') || code.startsWith('57P') ? 'retryable' : 'fatal',
    details: { dbCode: code },
    cause,
  });
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
