import assert from 'node:assert/strict';
import { BrokerToken, ClockToken, DataSourceToken, Engine, PaperBroker } from '../src/index.js';
import { baseConfig, pluginModule, startRun } from './helpers/run.js';

describe('dependency injection', () => {
  it('composes one container per run; each plugin gets a child container; run services resolve by token', async () => {
    const t = await startRun(baseConfig(`plugins: [{ use: ./a.js }, { use: ./b.js }]`, '[EURUSD]'), {
      'a.js': `const PRIVATE = Symbol.for('test.private'); const SHARED = Symbol.for('test.shared');
        export const seen = {};
        export default { name: 'a', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.container.register(PRIVATE, { useValue: 'a-only' });
          ctx.register(SHARED, 'from-a');
          seen.private = ctx.isRegistered(PRIVATE);
        } };`,
      'b.js': `const PRIVATE = Symbol.for('test.private'); const SHARED = Symbol.for('test.shared');
        export const seen = {};
        export default { name: 'b', version: '1.0.0', provides: ['hook'], setup(ctx) {
          seen.private = ctx.isRegistered(PRIVATE);
          seen.shared = ctx.resolve(SHARED);
          seen.clock = ctx.resolve(Symbol.for('tradekit.Clock')) === ctx.clock;
        } };`,
    });
    try {
      const a = (await pluginModule<{ seen: Record<string, unknown> }>(t, 'a.js')).seen;
      const b = (await pluginModule<{ seen: Record<string, unknown> }>(t, 'b.js')).seen;
      assert.deepEqual([a.private, b.private, b.shared, b.clock], [true, false, 'from-a', true]);
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
