/**
 * A plugin's failure is reported once: one warning in the log, one `error` event, one call of the
 * `error` hook (issue 14: the run's report callback used to log every engine-reported error twice).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Run, type TradekitError } from '../src/index.js';
import { EXAMPLES, TEST_DIR, tempDir } from './helpers/fs.js';

describe('run error reporting', () => {
  it('one throw in a tap gives one warning and one error event', async () => {
    const { dir, cleanup } = tempDir('tk-run-errors-');
    try {
      const file = path.join(dir, 'run.yaml');
      writeFileSync(
        file,
        `run: { name: errors, mode: paper, cycleSeconds: 300, pace: max, warmupBars: 30, to: 2026-06-01T01:00:00Z }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${path.join(EXAMPLES, 'data')}, timeframes: [M5] } }
broker: { use: '@tradekit/core/paper', with: { balance: 10000 } }
agents: [{ use: ${path.join(TEST_DIR, 'fixtures', '_plugins', 'throws-in-scan.js')} }]
state: { url: memory }
`,
      );
      const lines: Record<string, unknown>[] = [];
      const run = await Run.load({ configFile: file, logDestination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
      const events: string[] = [];
      let hookCalls = 0;
      await run.start();
      run.bus.addSink({ publish: (e) => void (e.type === 'error' && events.push((e.data as { code: string }).code)) });
      run.hooks.error.tap('count', () => void hookCalls++);
      await run.cycle();
      await run.close();
      const warnings = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('scan exploded'));
      assert.equal(warnings.length, 1, `one warning for one throw, got ${warnings.length}: ${JSON.stringify(warnings)}`);
      assert.equal(warnings[0]!.code, 'TK_ERR_PLUGIN');
      assert.deepEqual(events, ['TK_ERR_PLUGIN']);
      assert.equal(hookCalls, 1);
    } finally {
      cleanup();
    }
  });
});

describe('plugin container', () => {
  it('ctx.resolve of a token nothing registered is TK_ERR_DI (the cause of TK_ERR_PLUGIN_SETUP), naming plugin and token', async () => {
    const { dir, cleanup } = tempDir('tk-run-di-');
    try {
      writeFileSync(
        path.join(dir, 'needs.js'),
        `export default { name: 'needs-a-service', version: '1.0.0', provides: ['agent'], setup(ctx) {
          ctx.resolve(Symbol.for('tradekit.test.NoSuchService'));
          ctx.addAgent({ scan: () => ({ skip: 'x' }) });
        } };`,
      );
      const file = path.join(dir, 'run.yaml');
      writeFileSync(
        file,
        `run: { name: di, mode: paper, pace: max }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${path.join(EXAMPLES, 'data')}, timeframes: [M5] } }
broker: { use: '@tradekit/core/paper' }
agents: [{ use: ./needs.js }]
state: { url: memory }
`,
      );
      const run = await Run.load({ configFile: file, logDestination: { write: () => undefined } });
      await assert.rejects(run.start(), (e: unknown) => {
        const err = e as TradekitError;
        const cause = err.cause as TradekitError;
        return (
          err.code === 'TK_ERR_PLUGIN_SETUP' &&
          cause?.code === 'TK_ERR_DI' &&
          cause.plugin === 'needs-a-service' &&
          cause.message.includes('tradekit.test.NoSuchService')
        );
      });
      await run.close();
    } finally {
      cleanup();
    }
  });
});
