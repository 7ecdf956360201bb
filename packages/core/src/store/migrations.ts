/** Schema migrations, in code so they ship inside the compiled package (no migration directory to find). */
import type { Knex } from 'knex';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: '001_initial',
    async up(knex) {
      await knex.schema.createTable('tk_kv', (t) => {
        t.string('run', 128).notNullable();
        t.string('key', 256).notNullable();
        t.text('value').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.primary(['run', 'key']);
      });
      await knex.schema.createTable('tk_orders', (t) => {
        t.string('run', 128).notNullable();
        t.string('client_id', 64).notNullable();
        t.string('symbol', 64).notNullable();
        t.string('side', 4).notNullable();
        t.string('type', 16).notNullable();
        t.double('volume').notNullable();
        t.double('price');
        t.double('sl');
        t.double('tp');
        t.string('status', 16).notNullable();
        t.string('broker_order_id', 64);
        t.string('position_id', 64);
        t.text('reason');
        t.string('agent', 256);
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.text('intent');
        t.text('result');
        t.primary(['run', 'client_id']);
        t.index(['run', 'status']);
      });
      await knex.schema.createTable('tk_trades', (t) => {
        t.string('run', 128).notNullable();
        t.string('position_id', 64).notNullable();
        t.string('client_id', 64);
        t.string('symbol', 64).notNullable();
        t.string('side', 4).notNullable();
        t.double('volume').notNullable();
        t.double('open_volume').notNullable();
        t.bigInteger('entry_time').notNullable();
        t.double('entry_price').notNullable();
        t.double('sl');
        t.double('tp');
        t.bigInteger('exit_time');
        t.double('exit_price');
        t.string('exit_reason', 32);
        t.double('profit').notNullable().defaultTo(0);
        t.double('commission').notNullable().defaultTo(0);
        t.double('swap').notNullable().defaultTo(0);
        t.string('status', 8).notNullable();
        t.string('agent', 256);
        t.double('score');
        t.double('probability');
        t.text('details');
        t.primary(['run', 'position_id']);
        t.index(['run', 'status']);
        t.index(['run', 'entry_time']);
      });
      await knex.schema.createTable('tk_trade_exits', (t) => {
        t.increments('id');
        t.string('run', 128).notNullable();
        t.string('position_id', 64).notNullable();
        t.string('deal_id', 64);
        t.double('volume').notNullable();
        t.double('price').notNullable();
        t.bigInteger('time').notNullable();
        t.string('reason', 32).notNullable();
        t.double('profit').notNullable();
        t.double('commission').notNullable();
        t.double('swap').notNullable();
        t.boolean('partial').notNullable();
        t.unique(['run', 'deal_id']);
        t.index(['run', 'position_id']);
      });
      await knex.schema.createTable('tk_runs', (t) => {
        t.string('id', 128).primary();
        t.string('name', 128).notNullable();
        t.string('mode', 16).notNullable();
        t.text('config_file');
        t.bigInteger('started_at').notNullable();
        t.bigInteger('ended_at');
        t.string('status', 16).notNullable();
        t.text('summary');
      });
      await knex.schema.createTable('tk_events', (t) => {
        t.string('run', 128).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('type', 32).notNullable();
        t.bigInteger('time').notNullable();
        t.text('data').notNullable();
        t.primary(['run', 'seq']);
      });
    },
    async down(knex) {
      for (const t of ['tk_events', 'tk_runs', 'tk_trade_exits', 'tk_trades', 'tk_orders', 'tk_kv']) await knex.schema.dropTableIfExists(t);
    },
  },
  {
    // One writer per run: the run lease and its fencing token (see knex-lease.ts).
    name: '002_run_leases',
    async up(knex) {
      await knex.schema.createTable('tk_leases', (t) => {
        t.string('run', 128).primary();
        t.string('holder', 256).notNullable();
        t.string('host', 256);
        t.integer('pid');
        t.bigInteger('token').notNullable();
        t.bigInteger('acquired_at').notNullable();
        t.bigInteger('renewed_at').notNullable();
        t.bigInteger('expires_at').notNullable();
        t.bigInteger('seq_hwm').notNullable().defaultTo(0);
      });
    },
    async down(knex) {
      await knex.schema.dropTableIfExists('tk_leases');
    },
  },
  {
    // Fencing in the database: every row a lease holder writes carries its token (`fence`), and a
    // trigger refuses the write unless that token is still the run's lease token. A single statement is
    // fenced with no transaction around it, in every process that opens the file. (PostgreSQL fences
    // each transaction instead; see knex-store.ts.)
    name: '003_fence_columns',
    async up(knex) {
      for (const [table] of FENCED_TABLES) {
        await knex.schema.alterTable(table, (t) => {
          t.bigInteger('fence');
        });
      }
      if (!isSqlite(knex)) return;
      for (const [table, col] of FENCED_TABLES) {
        for (const op of ['INSERT', 'UPDATE']) {
          await knex.raw(
            `CREATE TRIGGER tk_fence_${table}_${op.toLowerCase()} BEFORE ${op} ON ${table} WHEN NEW.fence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tk_leases WHERE run = NEW.${col} AND token = NEW.fence) BEGIN SELECT RAISE(ABORT, '${FENCED_MARK}'); END`,
          );
        }
      }
    },
    async down(knex) {
      for (const [table] of FENCED_TABLES) {
        if (isSqlite(knex)) for (const op of ['insert', 'update']) await knex.raw(`DROP TRIGGER IF EXISTS tk_fence_${table}_${op}`);
        await knex.schema.alterTable(table, (t) => {
          t.dropColumn('fence');
        });
      }
    },
  },
];

/** The message a write refused by a fence trigger fails with (SQLITE_CONSTRAINT from RAISE). */
export const FENCED_MARK = 'tradekit:fenced';

/** Journal tables and the column naming their run. */
export const FENCED_TABLES: readonly [table: string, runColumn: string][] = [
  ['tk_kv', 'run'],
  ['tk_orders', 'run'],
  ['tk_trades', 'run'],
  ['tk_trade_exits', 'run'],
  ['tk_events', 'run'],
  ['tk_runs', 'id'],
];

/** Whether the database fences rows with triggers (SQLite) or each transaction (others). */
export function isSqlite(knex: Knex): boolean {
  return (knex.client.config as { client?: unknown }).client === 'sqlite3';
}

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
