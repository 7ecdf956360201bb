/**
 * The engine's own pre-trade gate: a trading state that changes during a cycle (after the gate let the
 * scan through) still stops the order, and the execution record says why with a code.
 */
import assert from 'node:assert/strict';
import { STATUS } from '../src/engine/status-text.js';
import { baseConfig, startRun, type TestRun } from './helpers/run.js';

const plugin = (state: string) => `export default { name: 'a', version: '1.0.0', provides: ['agent'], setup(ctx) {
  ctx.addAgent({ scan(s) { return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; } });
  ctx.hooks.research.tapPromise('flip', async () => { await ctx.tradingState.set('${state}', 'test'); return undefined; });
} };`;

describe('trading state veto codes', () => {
  let t: TestRun | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });
  for (const [state, code, text] of [
    ['REDUCING', 'TK_ERR_TRADING_REDUCING', STATUS.reducingVeto],
    ['HALTED', 'TK_ERR_TRADING_HALTED', STATUS.haltedVeto],
  ] as const) {
    it(`${state} set during the cycle vetoes the order with ${code}`, async () => {
      t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`, '[EURUSD]'), { 'agent.js': plugin(state) });
      const s = await t.run.cycle();
      assert.equal(s.executions.length, 1);
      assert.equal(s.executions[0]!.vetoCode, code);
      assert.equal(s.executions[0]!.veto, text);
      assert.equal(s.executions[0]!.result, undefined, 'nothing was sent');
      assert.equal((await t.run.broker.positions()).length, 0);
    });
  }
});
