/**
 * The hooks that fail closed: a `gate`, `research` or `beforeExecute` tap that throws or does not
 * answer in time blocks the entry (it never allows it), and the error is reported with its code.
 * Through a real run: config file, plugin files, paper broker over the sample data.
 */
import assert from 'node:assert/strict';
import type { TradekitEvent } from '../src/index.js';
import { STATUS, execBlockStatus, researchFailedVeto, tapFailedStatus } from '../src/engine/status-text.js';
import { baseConfig, startRun, type TestRun } from './helpers/run.js';

/** Proposes a market buy of 0.1 on every symbol: without the failing tap, EURUSD fills. */
const BUYER = `export default { name: 'buyer', version: '1.0.0', provides: ['agent'], setup(ctx) { ctx.addAgent({
  scan(s) { return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; } }); } };`;

type Hook = 'gate' | 'research' | 'beforeExecute';
type Failure = 'throw' | 'hang';

/** A plugin named `broken` whose one tap on `hook` throws or never answers. */
function broken(hook: Hook, failure: Failure): string {
  const body = failure === 'throw' ? `() => { throw new Error('broken ${hook}'); }` : `() => new Promise(() => {})`;
  return `export default { name: 'broken', version: '1.0.0', provides: ['hook'], setup(ctx) {
    ctx.hooks.${hook}.${failure === 'throw' ? 'tap' : 'tapPromise'}('broken-tap', ${body});
  } };`;
}

const CODE: Record<Failure, string> = { throw: 'TK_ERR_PLUGIN', hang: 'TK_ERR_PLUGIN_TIMEOUT' };

describe('fail-closed hooks (gate, research, beforeExecute)', () => {
  let t: TestRun | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  async function start(hook: Hook | undefined, failure: Failure): Promise<TestRun> {
    const plugins = hook ? `\nplugins: [{ use: ./broken.js }]` : '';
    t = await startRun(baseConfig(`engine: { tapTimeoutMs: 60 }\nagents: [{ use: ./buyer.js }]${plugins}`, '[EURUSD]'), {
      'buyer.js': BUYER,
      ...(hook ? { 'broken.js': broken(hook, failure) } : {}),
    });
    return t;
  }

  function errors(run: TestRun): TradekitEvent<'error'>['data'][] {
    return run.events.filter((e): e is TradekitEvent<'error'> => e.type === 'error').map((e) => e.data);
  }

  it('(control) without a failing tap the same candidate fills', async () => {
    const run = await start(undefined, 'throw');
    const s = await run.run.cycle();
    assert.equal(s.executions[0]?.result?.status, 'filled');
    assert.equal((await run.run.broker.positions()).length, 1);
    assert.deepEqual(errors(run), []);
  });

  for (const failure of ['throw', 'hang'] as const) {
    it(`gate: a tap that fails (${failure}) gates the whole cycle: nothing scanned, nothing placed, ${CODE[failure]} reported`, async () => {
      const run = await start('gate', failure);
      const s = await run.run.cycle();
      const reason = tapFailedStatus('broken', 'gate', CODE[failure]);
      assert.equal(s.gated, reason);
      assert.equal(s.symbols.EURUSD, reason);
      assert.equal(s.scanned, 0);
      assert.deepEqual(s.executions, []);
      assert.equal((await run.run.broker.positions()).length, 0);
      assert.deepEqual(
        errors(run).map((e) => [e.code, e.plugin, e.hook]),
        [[CODE[failure], 'broken', 'gate']],
      );
      assert.notEqual(s.gated, STATUS.haltedGate, 'the run itself stays ACTIVE');
      assert.equal(s.state, 'ACTIVE');
    });

    it(`research: a tap that fails (${failure}) drops the candidate with a veto, ${CODE[failure]} reported`, async () => {
      const run = await start('research', failure);
      const s = await run.run.cycle();
      const veto = researchFailedVeto('broken', CODE[failure]);
      assert.equal(s.executions.length, 1);
      assert.equal(s.executions[0]!.veto, veto);
      assert.equal(s.executions[0]!.result, undefined, 'never sent to the broker');
      assert.equal(s.symbols.EURUSD, execBlockStatus(veto));
      assert.equal((await run.run.broker.positions()).length, 0);
      assert.deepEqual(await run.run.store.journal.listOrders({}), [], 'no order journaled');
      assert.deepEqual(
        errors(run).map((e) => [e.code, e.plugin, e.hook, e.symbol]),
        [[CODE[failure], 'broken', 'research', 'EURUSD']],
      );
    });

    it(`beforeExecute: a tap that fails (${failure}) vetoes the order, ${CODE[failure]} reported`, async () => {
      const run = await start('beforeExecute', failure);
      const s = await run.run.cycle();
      const veto = tapFailedStatus('broken', 'beforeExecute', CODE[failure]);
      assert.equal(s.executions.length, 1);
      assert.equal(s.executions[0]!.veto, veto);
      assert.equal(s.executions[0]!.result, undefined, 'never sent to the broker');
      assert.equal(s.symbols.EURUSD, execBlockStatus(veto));
      assert.equal((await run.run.broker.positions()).length, 0);
      assert.deepEqual(await run.run.store.journal.listOrders({}), [], 'no order journaled');
      assert.deepEqual(
        errors(run).map((e) => [e.code, e.plugin, e.hook, e.symbol]),
        [[CODE[failure], 'broken', 'beforeExecute', 'EURUSD']],
      );
    });
  }
});
