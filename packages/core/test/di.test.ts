import assert from 'node:assert/strict';
import { BrokerToken, ClockToken, DataSourceToken, Engine, PaperBroker } from '../src/index.js';
import { baseConfig, startRun } from './helpers/run.js';

describe('dependency injection', () => {
  it('composes one container per run; each plugin gets a child container; run services resolve by token', async () => {
    const t = await startRun(baseConfig(`plugins: [{ use: ./a.js }, { use: ./b.js }]`, '[EURUSD]'), {
      'a.js': `const PRIVATE = Symbol.for('test.private'); const SHARED = Symbol.for('test.shared');
        export default { name: 'a', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.container.register(PRIVATE, { useValue: 'a-only' });
          ctx.register(SHARED, 'from-a');
          globalThis.__aSeesPrivate = ctx.isRegistered(PRIVATE);
        } };`,
      'b.js': `const PRIVATE = Symbol.for('test.private'); const SHARED = Symbol.for('test.shared');
        export default { name: 'b', version: '1.0.0', provides: ['hook'], setup(ctx) {
          globalThis.__bSeesPrivate = ctx.isRegistered(PRIVATE);
          globalThis.__bShared = ctx.resolve(SHARED);
          globalThis.__bClock = ctx.resolve(Symbol.for('tradekit.Clock')) === ctx.clock;
        } };`,
    });
    try {
      const g = globalThis as Record<string, unknown>;
      assert.deepEqual([g.__aSeesPrivate, g.__bSeesPrivate, g.__bShared, g.__bClock], [true, false, 'from-a', true]);
      const c = t.run.container;
      assert.ok(c.resolve(BrokerToken) instanceof PaperBroker);
      assert.equal(c.resolve(ClockToken), t.run.clock);
      assert.equal(c.resolve(DataSourceToken), t.run.data);
      assert.ok(t.run.engine instanceof Engine);
    } finally {
      await t.cleanup();
    }
  });
});
