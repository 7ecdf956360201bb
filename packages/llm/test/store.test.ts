/**
 * The LLM calls table on both databases: SQLite (a file, opened twice: the migration runs once) and
 * PostgreSQL (the server scripts/test.mjs starts; a fresh database per test; no skip without it), also
 * next to the core journal's own tables.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStateStore, silentLogger } from '@tradekit/core';
import { LLM_CALLS_TABLE, openLlmStore, type LlmCallRecord, type LlmRecordStore } from '@tradekit/llm';
import knexFactory from 'knex';

function rec(i: number, over: Partial<LlmCallRecord> = {}): LlmCallRecord {
  return {
    key: `k${i % 3}`,
    run: 'r1',
    plugin: i % 2 ? 'sentiment' : 'critic',
    kind: i % 2 ? 'sentiment' : 'critic',
    subject: 'EURUSD',
    time: 1_780_000_000_000 + i * 60_000,
    provider: 'openai',
    model: 'm',
    request: { system: 's', user: `u${i}`, schemaName: 'x' },
    response: `{"i":${i}}`,
    parsed: { i },
    outcome: 'ok',
    promptTokens: 10 + i,
    completionTokens: 5,
    cost: 0.001 * i,
    latencyMs: 12.5,
    ...over,
  };
}

async function roundTrip(open: () => Promise<LlmRecordStore>): Promise<void> {
  let s = await open();
  for (let i = 0; i < 6; i++) await s.put(rec(i));
  await s.put(rec(6, { outcome: 'timeout', response: undefined, parsed: undefined, error: 'late' }));
  await s.close();
  s = await open(); // migrations again: a no-op
  try {
    const latest = await s.get('k0');
    assert.equal(latest!.outcome, 'timeout', 'the latest record of a key');
    assert.equal(latest!.parsed, undefined);
    assert.deepEqual(await s.get('k1'), rec(4));
    assert.equal(await s.get('nope'), undefined);
    const critic = await s.list({ kind: 'critic' });
    assert.deepEqual(
      critic.map((r) => r.request.user),
      ['u6', 'u4', 'u2', 'u0'],
    );
    assert.equal((await s.list({ plugin: 'sentiment', limit: 2 })).length, 2);
    assert.equal((await s.list({ run: 'other' })).length, 0);
  } finally {
    await s.close();
  }
}

describe('LLM calls table', function () {
  this.timeout(30_000);

  it('SQLite: round trip, latest per key, filters, in the run journal’s own database file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-llm-store-'));
    try {
      // The journal first (core's migrations), then the calls table beside it.
      const journal = await openStateStore({ url: 'sqlite://./run.db', baseDir: dir, run: 'r1', now: () => 0, log: silentLogger() });
      await journal.set('x', 1);
      await roundTrip(() => openLlmStore('sqlite://./run.db', dir));
      assert.equal(await journal.get('x'), 1, 'the journal is untouched');
      await journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: the same, beside the core journal’s tables', async () => {
    const base = process.env.TK_TEST_PG_URL;
    if (!base)
      throw new Error(
        `this test needs PostgreSQL: run it through scripts/test.mjs${process.env.TK_TEST_SERVICES_ERROR ? ` (starting it failed: ${process.env.TK_TEST_SERVICES_ERROR})` : ''}`,
      );
    const name = `tk_${randomBytes(6).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    try {
      const journal = await openStateStore({ url: u.toString(), baseDir: '/', run: 'r1', now: () => 0, log: silentLogger() });
      await roundTrip(() => openLlmStore(u.toString(), '/'));
      await journal.close();
      const k = knexFactory({ client: 'pg', connection: u.toString(), pool: { min: 0, max: 1 } });
      try {
        assert.ok(await k.schema.hasTable(LLM_CALLS_TABLE));
        assert.ok(await k.schema.hasTable('tk_trades'));
      } finally {
        await k.destroy();
      }
    } finally {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    }
  });

  it('refuses an unknown store URL with TK_ERR_LLM_CONFIG and shows no password', async () => {
    await assert.rejects(
      openLlmStore('mysql://u:hunter2@h/db', '/'),
      (e: unknown) => (e as { code?: string }).code === 'TK_ERR_LLM_CONFIG' && !String((e as Error).message).includes('hunter2'),
    );
  });
});
