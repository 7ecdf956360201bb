import assert from 'node:assert/strict';

describe('the published package', () => {
  it('imports dynamically as a plain namespace (no export named `then`), and every plugin subpath is a plugin', async () => {
    const core = await import('@tradekit/core');
    assert.equal(typeof core.definePlugin, 'function');
    assert.equal((core as Record<string, unknown>).then, undefined, 'a `then` export would make import() resolve to garbage');
    for (const sub of ['csv', 'paper', 'cache', 'console']) {
      const m = (await import(`@tradekit/core/${sub}`)) as { default: { name: string; setup: unknown; provides: string[] } };
      assert.equal(m.default.name, `@tradekit/core/${sub}`);
      assert.equal(typeof m.default.setup, 'function');
    }
  });
});
