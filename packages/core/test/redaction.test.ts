import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRedactor } from '../src/index.js';
import { baseConfig, startRun } from './helpers/run.js';

describe('secrets', () => {
  it('redacts every occurrence, longest first, including JSON-escaped forms', () => {
    const r = createRedactor(['p@ss"word', 'hunter2', 'hunter22', 'ab']);
    assert.equal(r('a hunter22 b hunter2'), 'a [REDACTED] b [REDACTED]');
    assert.equal(r(JSON.stringify({ x: 'p@ss"word' })), '{"x":"[REDACTED]"}');
    assert.equal(r('ab stays (too short to be a secret)'), 'ab stays (too short to be a secret)');
  });

  it('never reach logs, events or the journal', async () => {
    const lines: string[] = [];
    const secret = 'S3cr3t-Br1dge-T0ken';
    const { tempDir } = await import('./helpers/fs.js');
    const db = tempDir('tk-secret-');
    const cfg = baseConfig(
      `agents: [{ use: ./leaky.js, with: { token: "\${TK_TEST_BRIDGE_TOKEN}" } }]\nsecrets: { bridge: "\${TK_TEST_BRIDGE_TOKEN}" }`,
      '[EURUSD]',
    ).replace('url: memory', `url: sqlite://${db.dir}/s.db`);
    const t = await startRun(
      cfg,
      {
        'leaky.js': `export default { name: 'leaky', version: '1.0.0', provides: ['agent'],
          configSchema: { type: 'object', properties: { token: { type: 'string' } } },
          setup(ctx, config) {
            ctx.log.info({ config }, 'configured with ' + config.token);
            ctx.addAgent({ scan(s) { return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1, details: { token: config.token, fromSecrets: ctx.secret('bridge') } }; } });
          } };`,
      },
      { env: { TK_TEST_BRIDGE_TOKEN: secret }, logger: undefined, logDestination: { write: (s: string) => lines.push(s) } },
    );
    try {
      await t.run.cycle();
      await t.run.bus.flush();
      assert.ok(
        lines.some((l) => l.includes('configured with [REDACTED]')),
        'the log line is there, redacted',
      );
      assert.ok(!lines.some((l) => l.includes(secret)), 'no log line carries the secret');
      assert.ok(t.events.length > 0);
      for (const e of t.events) assert.ok(!JSON.stringify(e).includes(secret), `event ${e.type} carries no secret`);
      const [trade] = await t.run.store.journal.listTrades({});
      assert.deepEqual(trade!.details, { token: '[REDACTED]', fromSecrets: '[REDACTED]' });
      const persisted = await t.run.store.journal.events(0);
      assert.ok(persisted.length > 0 && !JSON.stringify(persisted).includes(secret));
    } finally {
      await t.cleanup();
    }
    const raw = readFileSync(path.join(db.dir, 's.db')).toString('latin1');
    db.cleanup();
    assert.ok(!raw.includes(secret), 'the SQLite file does not contain the secret');
  });
});
