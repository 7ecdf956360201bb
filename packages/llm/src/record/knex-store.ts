/**
 * The LLM calls table in SQLite or PostgreSQL through knex. The table has its own migration list (and
 * knex migrations table, `tk_llm_migrations`), so pointing `store` at the run's journal database adds
 * one table there and touches nothing of the core's schema.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { openMigratedDb, redactUrl, type MigrationSet } from '@tradekit/core';
import { llmError } from '../errors.js';
import type { LlmCallRecord } from '../types.js';
import { MemoryLlmStore, type LlmCallQuery, type LlmRecordStore } from './store.js';

export const LLM_CALLS_TABLE = 'tk_llm_calls';

interface Migration {
  name: string;
  up(k: Knex): Promise<void>;
  down(k: Knex): Promise<void>;
}

const MIGRATIONS: readonly Migration[] = [
  {
    name: 'llm_001_calls',
    async up(k) {
      await k.schema.createTable(LLM_CALLS_TABLE, (t) => {
        t.increments('id');
        t.string('key', 64).notNullable();
        t.text('run').notNullable();
        t.text('plugin').notNullable();
        t.string('kind', 32).notNullable();
        t.text('subject').notNullable();
        t.bigInteger('time').notNullable();
        t.string('provider', 32).notNullable();
        t.text('model').notNullable();
        t.text('request').notNullable();
        t.text('response');
        t.text('parsed');
        t.string('outcome', 32).notNullable();
        t.text('error');
        t.integer('prompt_tokens').notNullable().defaultTo(0);
        t.integer('completion_tokens').notNullable().defaultTo(0);
        t.double('cost').notNullable().defaultTo(0);
        t.double('latency_ms').notNullable().defaultTo(0);
        t.index(['key']);
        t.index(['run', 'kind']);
      });
    },
    async down(k) {
      await k.schema.dropTableIfExists(LLM_CALLS_TABLE);
    },
  },
];

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

/** This package's migrations, with their own knex bookkeeping table beside core's. */
const LLM_MIGRATIONS: MigrationSet = { tableName: 'tk_llm_migrations', source: migrationSource };

interface Row {
  key: string;
  run: string;
  plugin: string;
  kind: string;
  subject: string;
  time: number | string;
  provider: string;
  model: string;
  request: string;
  response: string | null;
  parsed: string | null;
  outcome: string;
  error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  latency_ms: number;
}

export class KnexLlmStore implements LlmRecordStore {
  private constructor(
    private readonly k: Knex,
    readonly display: string,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * The table in the process's shared connection to that database (core's `openMigratedDb`): one
   * SQLite connection per file, so pointing `store` at the run's journal adds no second writer to it,
   * and this table's migrations run under the database's migration lock like core's own.
   */
  static async open(client: 'sqlite3' | 'pg', connection: { filename: string } | string, display: string): Promise<KnexLlmStore> {
    try {
      const h = await openMigratedDb(client, connection, LLM_MIGRATIONS);
      return new KnexLlmStore(h.db, display, () => h.release());
    } catch (e) {
      throw llmError('TK_ERR_LLM_STORE', `cannot open the LLM calls table in ${display}: ${(e as Error).message}`, { cause: e });
    }
  }

  async get(key: string): Promise<LlmCallRecord | undefined> {
    const row = await this.wrap('read', () => this.k<Row>(LLM_CALLS_TABLE).where({ key }).orderBy('id', 'desc').first());
    return row ? fromRow(row) : undefined;
  }

  async put(rec: LlmCallRecord): Promise<void> {
    await this.wrap('write', () =>
      this.k(LLM_CALLS_TABLE).insert({
        key: rec.key,
        run: rec.run,
        plugin: rec.plugin,
        kind: rec.kind,
        subject: rec.subject,
        time: rec.time,
        provider: rec.provider,
        model: rec.model,
        request: JSON.stringify(rec.request),
        response: rec.response ?? null,
        parsed: rec.parsed === undefined ? null : JSON.stringify(rec.parsed),
        outcome: rec.outcome,
        error: rec.error ?? null,
        prompt_tokens: rec.promptTokens,
        completion_tokens: rec.completionTokens,
        cost: rec.cost,
        latency_ms: rec.latencyMs,
      }),
    );
  }

  async list(q: LlmCallQuery = {}): Promise<LlmCallRecord[]> {
    const rows = await this.wrap('read', () => {
      const b = this.k<Row>(LLM_CALLS_TABLE).orderBy('id', 'desc');
      if (q.run !== undefined) b.where('run', q.run);
      if (q.plugin !== undefined) b.where('plugin', q.plugin);
      if (q.kind !== undefined) b.where('kind', q.kind);
      if (q.subject !== undefined) b.where('subject', q.subject);
      if (q.limit) b.limit(q.limit);
      return b;
    });
    return rows.map(fromRow);
  }

  async close(): Promise<void> {
    await this.release();
  }

  private async wrap<T>(what: string, fn: () => Promise<T> | Knex.QueryBuilder): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (e) {
      throw llmError('TK_ERR_LLM_STORE', `cannot ${what} the LLM calls table in ${this.display}: ${(e as Error).message}`, { cause: e });
    }
  }
}

function fromRow(r: Row): LlmCallRecord {
  const rec: LlmCallRecord = {
    key: r.key,
    run: r.run,
    plugin: r.plugin,
    kind: r.kind,
    subject: r.subject,
    time: Number(r.time),
    provider: r.provider,
    model: r.model,
    request: JSON.parse(r.request) as LlmCallRecord['request'],
    response: r.response ?? undefined,
    parsed: r.parsed === null ? undefined : (JSON.parse(r.parsed) as unknown),
    outcome: r.outcome as LlmCallRecord['outcome'],
    error: r.error ?? undefined,
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    cost: Number(r.cost),
    latencyMs: Number(r.latency_ms),
  };
  // Absent, not undefined: a record read back equals the one written.
  for (const k of ['response', 'parsed', 'error'] as const) if (rec[k] === undefined) delete rec[k];
  return rec;
}

/**
 * `store:` → a record store: `sqlite://./llm-calls.db` (relative to `baseDir`), `sqlite:///abs.db`,
 * `postgres://user:pass@host/db`, or `memory:` (nothing kept: no replay across processes).
 */
export async function openLlmStore(url: string, baseDir: string): Promise<LlmRecordStore> {
  const u = url.trim();
  if (u === 'memory' || u === 'memory:') return new MemoryLlmStore();
  if (u.startsWith('sqlite:')) {
    let file = u.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    const filename = file === ':memory:' ? file : path.resolve(baseDir, file);
    return KnexLlmStore.open('sqlite3', { filename }, filename);
  }
  if (/^postgres(ql)?:\/\//.test(u)) return KnexLlmStore.open('pg', u, redactUrl(u));
  throw llmError('TK_ERR_LLM_CONFIG', `unsupported llm store "${redactUrl(u)}": use sqlite://./llm-calls.db, postgres://… or memory:`);
}
