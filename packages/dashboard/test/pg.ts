/**
 * The PostgreSQL the test command started (scripts/test.mjs sets TK_TEST_PG_URL), and a fresh
 * database per test (`tk_<random>`), dropped afterwards, so tests never see each other's rows. A test
 * that needs PostgreSQL and finds none fails with the reason: nothing is skipped.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

export function pgTestUrl(): string {
  const url = process.env.TK_TEST_PG_URL;
  if (url) return url;
  const why = process.env.TK_TEST_SERVICES_ERROR;
  throw new Error(
    `this test needs PostgreSQL: run it through scripts/test.mjs (it starts PostgreSQL and sets TK_TEST_PG_URL)${why ? `; starting it failed: ${why}` : '; TK_TEST_PG_URL is not set'}`,
  );
}

async function admin(sql: string): Promise<void> {
  const k = knexFactory({ client: 'pg', connection: pgTestUrl(), pool: { min: 0, max: 1 } });
  try {
    await k.raw(sql);
  } finally {
    await k.destroy();
  }
}

export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tk_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(pgTestUrl());
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
