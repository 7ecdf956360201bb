/**
 * knex (and through it the database drivers) loaded on first use: a backtest or a run on a memory
 * journal never pays for it (≈ 0.1–0.2 s and several MB per process).
 */
import { createRequire } from 'node:module';
import type { knex } from 'knex';

let factory: typeof knex | undefined;

export function loadKnex(): typeof knex {
  return (factory ??= createRequire(import.meta.url)('knex') as typeof knex);
}
