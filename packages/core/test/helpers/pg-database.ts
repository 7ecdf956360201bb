/**
 * A fresh PostgreSQL database per test (`tk_<random>`), created through an admin connection to
 * TK_TEST_PG_URL and dropped afterwards (with the connections still open to it), so tests never see
 * each other's rows.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { pgTestUrl } from './services.js';

export interface TestPgDatabase {
  readonly name: string;
  /** The database's URL; `params` are added as query parameters (another pool: another "process"). */
  url(params?: Record<string, string>): string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (sql: (text: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const k = knexFactory({ client: 'pg', connection: pgTestUrl(), pool: { min: 0, max: 1 } });
  try {
    return await fn((text) => k.raw(text));
  } finally {
    await k.destroy();
  }
}

export async function createPgDatabase(): Promise<TestPgDatabase> {
  const name = `tk_${randomBytes(6).toString('hex')}`;
  await admin((sql) => sql(`CREATE DATABASE ${name}`));
  const base = new URL(pgTestUrl());
  base.pathname = `/${name}`;
  return {
    name,
    url(params = {}) {
      const u = new URL(base);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.toString();
    },
    drop: () => admin((sql) => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
