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
      const str = stringColumn(knex);
      await knex.schema.createTable('tk_kv', (t) => {
        str(t, 'run', 128).notNullable();
        str(t, 'key', 256).notNullable();
        t.text('value').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.primary(['run', 'key']);
      });
      await knex.schema.createTable('tk_orders', (t) => {
        str(t, 'run', 128).notNullable();
        str(t, 'client_id', 64).notNullable();
        str(t, 'symbol', 64).notNullable();
        str(t, 'side', 4).notNullable();
        str(t, 'type', 16).notNullable();
        t.double('volume').notNullable();
        t.double('price');
        t.double('sl');
        t.double('tp');
        str(t, 'status', 16).notNullable();
        str(t, 'broker_order_id', 64);
        str(t, 'position_id', 64);
        t.text('reason');
        str(t, 'agent', 256);
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.text('intent');
        t.text('result');
        t.primary(['run', 'client_id']);
        t.index(['run', 'status']);
      });
      await knex.schema.createTable('tk_trades', (t) => {
        str(t, 'run', 128).notNullable();
        str(t, 'position_id', 64).notNullable();
        str(t, 'client_id', 64);
        str(t, 'symbol', 64).notNullable();
        str(t, 'side', 4).notNullable();
        t.double('volume').notNullable();
        t.double('open_volume').notNullable();
        t.bigInteger('entry_time').notNullable();
        t.double('entry_price').notNullable();
        t.double('sl');
        t.double('tp');
        t.bigInteger('exit_time');
        t.double('exit_price');
        str(t, 'exit_reason', 32);
        t.double('profit').notNullable().defaultTo(0);
        t.double('commission').notNullable().defaultTo(0);
        t.double('swap').notNullable().defaultTo(0);
        str(t, 'status', 8).notNullable();
        str(t, 'agent', 256);
        t.double('score');
        t.double('probability');
        t.text('details');
        t.primary(['run', 'position_id']);
        t.index(['run', 'status']);
        t.index(['run', 'entry_time']);
      });
      await knex.schema.createTable('tk_trade_exits', (t) => {
        t.increments('id');
        str(t, 'run', 128).notNullable();
        str(t, 'position_id', 64).notNullable();
        str(t, 'deal_id', 64);
        t.double('volume').notNullable();
        t.double('price').notNullable();
        t.bigInteger('time').notNullable();
        str(t, 'reason', 32).notNullable();
        t.double('profit').notNullable();
        t.double('commission').notNullable();
        t.double('swap').notNullable();
        t.boolean('partial').notNullable();
        t.unique(['run', 'deal_id']);
        t.index(['run', 'position_id']);
      });
      await knex.schema.createTable('tk_runs', (t) => {
        str(t, 'id', 128).primary();
        str(t, 'name', 128).notNullable();
        str(t, 'mode', 16).notNullable();
        t.text('config_file');
        t.bigInteger('started_at').notNullable();
        t.bigInteger('ended_at');
        str(t, 'status', 16).notNullable();
        t.text('summary');
      });
      await knex.schema.createTable('tk_events', (t) => {
        str(t, 'run', 128).notNullable();
        t.bigInteger('seq').notNullable();
        str(t, 'type', 32).notNullable();
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
      const str = stringColumn(knex);
      await knex.schema.createTable('tk_leases', (t) => {
        str(t, 'run', 128).primary();
        str(t, 'holder', 256).notNullable();
        str(t, 'host', 256);
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
    // fenced with no transaction around it, in every process that opens the database.
    name: '003_fence_columns',
    async up(knex) {
      for (const [table] of FENCED_TABLES) {
        await knex.schema.alterTable(table, (t) => {
          t.bigInteger('fence');
        });
      }
      if (isSqlite(knex)) {
        for (const [table, col] of FENCED_TABLES) {
          for (const op of ['INSERT', 'UPDATE']) {
            await knex.raw(
              `CREATE TRIGGER tk_fence_${table}_${op.toLowerCase()} BEFORE ${op} ON ${table} WHEN NEW.fence IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tk_leases WHERE run = NEW.${col} AND token = NEW.fence) BEGIN SELECT RAISE(ABORT, '${FENCED_MARK}'); END`,
            );
          }
        }
        return;
      }
      // PostgreSQL: one trigger function per name of the run column. SQLite has one writer at a time,
      // so its check and a take-over are ordered by themselves; here the check locks the lease row
      // (FOR SHARE) until the write commits, so a take-over (an UPDATE of that row) waits for writes
      // checked against the old token, and a write checked after it sees the new token and is refused.
      for (const col of new Set(FENCED_TABLES.map(([, c]) => c))) {
        await knex.raw(
          `CREATE OR REPLACE FUNCTION ${pgFenceFunction(col)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.fence IS NOT NULL THEN
    PERFORM 1 FROM tk_leases WHERE run = NEW.${col} AND token = NEW.fence FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION '${FENCED_MARK}';
    END IF;
  END IF;
  RETURN NEW;
END
$$`,
        );
      }
      for (const [table, col] of FENCED_TABLES) {
        await knex.raw(`CREATE TRIGGER tk_fence_${table} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${pgFenceFunction(col)}()`);
      }
    },
    async down(knex) {
      for (const [table] of FENCED_TABLES) {
        if (isSqlite(knex)) for (const op of ['insert', 'update']) await knex.raw(`DROP TRIGGER IF EXISTS tk_fence_${table}_${op}`);
        else await knex.raw(`DROP TRIGGER IF EXISTS tk_fence_${table} ON ${table}`);
        await knex.schema.alterTable(table, (t) => {
          t.dropColumn('fence');
        });
      }
      if (!isSqlite(knex)) for (const col of new Set(FENCED_TABLES.map(([, c]) => c))) await knex.raw(`DROP FUNCTION IF EXISTS ${pgFenceFunction(col)}()`);
    },
  },
];

/** The message a write refused by a fence trigger fails with (SQLite: SQLITE_CONSTRAINT from RAISE; PostgreSQL: P0001). */
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

/** The PostgreSQL trigger function fencing tables whose run column is `col`. */
function pgFenceFunction(col: string): string {
  return `tk_fence_by_${col}`;
}

export function isSqlite(knex: Knex): boolean {
  return (knex.client.config as { client?: unknown }).client === 'sqlite3';
}

/**
 * A string column. SQLite does not enforce varchar lengths; PostgreSQL would: strings are unbounded
 * text there, so a value one store accepts the other accepts too (a long agent name, a broker's long id).
 */
function stringColumn(knex: Knex): (t: Knex.CreateTableBuilder, name: string, length: number) => Knex.ColumnBuilder {
  return (t, name, length) => (isSqlite(knex) ? t.string(name, length) : t.text(name));
}

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
