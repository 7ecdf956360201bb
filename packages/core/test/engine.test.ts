import assert from 'node:assert/strict';
import type { TradekitError, CycleSummary, TradekitEvent } from '../src/index.js';
import { baseConfig, startRun, type TestRun } from './helpers/run.js';

const agent = (body: string, name = 'test-agent', extra = '') => `
export default {
  name: '${name}', version: '1.0.0', provides: ['agent'],
  setup(ctx, config) {
    ${extra}
    ctx.addAgent({
      scan(scanCtx) { ${body} },
    });
  },
};`;

async function cycle(t: TestRun): Promise<CycleSummary> {
  return t.run.cycle();
}

describe('engine', () => {
  let t: TestRun | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('isolates a plugin that throws in scan for one symbol: the others go on, the error is coded and routed', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]\nplugins: [{ use: ./errors.js }]`), {
      'agent.js': agent(`
        if (scanCtx.symbol === 'EURUSD') throw new Error('indicator blew up');
        return { symbol: scanCtx.symbol, side: 'buy', score: scanCtx.symbol === 'XAUUSD' ? 2 : 1, probability: 0.5, entry: 'market', volume: 0.1 };`),
      'errors.js': `export const seen = [];
        export default { name: 'error-listener', version: '1.0.0', provides: ['hook'],
          setup(ctx) { ctx.hooks.error.tap('error-listener', (e) => seen.push(e)); globalThis.__tkSeen = seen; } };`,
    });
    const s = await cycle(t);
    assert.match(s.symbols.EURUSD!, /^Error: plugin "test-agent" threw in hook "scan" for EURUSD: indicator blew up/);
    assert.match(s.symbols.XAUUSD!, /^FILLED \(BUY 0.1 @/);
    assert.equal(s.symbols.GBPUSD, 'CANDIDATE (BUY)', 'ranked second: one entry per cycle');
    assert.equal(s.errors, 1);
    const seen = (globalThis as { __tkSeen?: TradekitError[] }).__tkSeen!;
    assert.equal(seen.length, 1);
    assert.deepEqual([seen[0]!.code, seen[0]!.plugin, seen[0]!.hook, seen[0]!.symbol], ['TK_ERR_PLUGIN', 'test-agent', 'scan', 'EURUSD']);
    assert.equal((seen[0]!.cause as Error).message, 'indicator blew up');
    const ev = t.events.find((e) => e.type === 'error') as TradekitEvent<'error'> | undefined;
    assert.equal(ev?.data.code, 'TK_ERR_PLUGIN');
  });

  it('orders taps by stage and before, never by load order', async () => {
    t = await startRun(baseConfig(`plugins: [{ use: ./late.js }, { use: ./early.js }]`), {
      'late.js': `export default { name: 'late', version: '1.0.0', provides: ['hook'], setup(ctx) {
          globalThis.__order = [];
          ctx.hooks.cycleStart.tap({ name: 'late', stage: 100 }, () => { globalThis.__order.push('late+100'); });
          ctx.hooks.cycleStart.tap({ name: 'late-default' }, () => { globalThis.__order.push('late-default'); });
        } };`,
      'early.js': `export default { name: 'early', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.cycleStart.tap({ name: 'early', stage: -100 }, () => { globalThis.__order.push('early-100'); });
          ctx.hooks.cycleStart.tap({ name: 'before-late-default', before: 'late-default' }, () => { globalThis.__order.push('before'); });
        } };`,
    });
    await cycle(t);
    assert.deepEqual((globalThis as { __order?: string[] }).__order, ['early-100', 'before', 'late-default', 'late+100']);
  });

  it('times out a tap that never answers, reports TK_ERR_PLUGIN_TIMEOUT, and finishes the cycle', async () => {
    t = await startRun(baseConfig(`engine: { tapTimeoutMs: 60 }\nplugins: [{ use: ./hang.js }]`, '[EURUSD, GBPUSD]'), {
      'hang.js': `export default { name: 'hang', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.beforeScan.tapPromise('hang', (cycle, symbol) => symbol === 'GBPUSD' ? new Promise(() => {}) : Promise.resolve(undefined));
        } };`,
    });
    const s = await cycle(t);
    assert.match(s.symbols.GBPUSD!, /^Error: hang failed in beforeScan \(TK_ERR_PLUGIN_TIMEOUT\)/);
    assert.equal(s.symbols.EURUSD, 'No Setup');
    const ev = t.events.find((e) => e.type === 'error') as TradekitEvent<'error'>;
    assert.equal(ev.data.code, 'TK_ERR_PLUGIN_TIMEOUT');
    assert.equal(ev.data.plugin, 'hang');
  });

  it('records per-hook and per-tap timings', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`), { 'agent.js': agent(`return { skip: 'nothing' };`) });
    await cycle(t);
    await cycle(t);
    const m = t.run.engine.metrics() as Record<string, { taps: Record<string, { calls: number; totalMs: number }> }>;
    assert.equal(m.scan!.taps['test-agent']!.calls, 6);
    assert.ok(m.scan!.taps['test-agent']!.totalMs >= 0);
    assert.equal(m.gate!.taps['tradekit:trading-state']!.calls, 2);
    const hook = m.scan as unknown as { calls: number; totalMs: number };
    assert.equal(hook.calls, 6, 'a hook reports its own calls');
    assert.ok(hook.totalMs >= m.scan!.taps['test-agent']!.totalMs);
  });

  it('runs a whole cycle without a promise when every plugin answers synchronously', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`), { 'agent.js': agent(`return { skip: 'flat' };`) });
    await cycle(t);
    const r = t.run.engine.runCycle();
    assert.ok(!(r instanceof Promise), 'runCycle returned the summary itself');
    assert.equal((r as CycleSummary).symbols.EURUSD, 'flat');
  });

  it('scans symbols concurrently up to engine.concurrency', async () => {
    const symbols = '[EURUSD, GBPUSD, XAUUSD, USDJPY, NAS100, US30]';
    t = await startRun(baseConfig(`engine: { concurrency: 4 }\nagents: [{ use: ./agent.js }]`, symbols), {
      'agent.js': agent(
        `globalThis.__inflight = (globalThis.__inflight ?? 0) + 1;
         globalThis.__max = Math.max(globalThis.__max ?? 0, globalThis.__inflight);
         return new Promise((r) => setTimeout(() => { globalThis.__inflight--; r({ skip: 'waited' }); }, 40));`,
      ),
    });
    const s = await cycle(t);
    assert.equal((globalThis as { __max?: number }).__max, 4, 'four scans were in flight at once, never more');
    assert.ok(Object.values(s.symbols).every((x) => x === 'waited'));
  });

  it('executes the best candidates first, up to maxEntriesPerCycle', async () => {
    t = await startRun(baseConfig(`engine: { maxEntriesPerCycle: 2 }\nagents: [{ use: ./agent.js }]`), {
      'agent.js': agent(`const score = { EURUSD: 3, GBPUSD: 5, XAUUSD: 5 }[scanCtx.symbol];
        const probability = { EURUSD: 0.9, GBPUSD: 0.55, XAUUSD: 0.6 }[scanCtx.symbol];
        return { symbol: scanCtx.symbol, side: 'sell', score, probability, entry: 'market', volume: 0.1 };`),
    });
    const s = await cycle(t);
    assert.match(s.symbols.XAUUSD!, /^FILLED \(SELL/);
    assert.match(s.symbols.GBPUSD!, /^FILLED \(SELL/);
    assert.equal(s.symbols.EURUSD, 'CANDIDATE (SELL)');
    assert.deepEqual(s.executions.map((e) => e.candidate.symbol), ['XAUUSD', 'GBPUSD']);
  });

  it('lets a risk policy veto or size an order in beforeExecute', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]\nrisk: [{ use: ./risk.js }]`, '[EURUSD, XAUUSD]'), {
      'agent.js': agent(`return { symbol: scanCtx.symbol, side: 'buy', score: scanCtx.symbol === 'EURUSD' ? 9 : 1, probability: 0.5, entry: 'market', slDistance: scanCtx.symbol === 'EURUSD' ? 0.002 : 3 };`),
      'risk.js': `export default { name: 'risk', version: '1.0.0', provides: ['risk'], setup(ctx) { ctx.addRiskPolicy({
          preTrade(cycle, c) { return c.symbol === 'EURUSD' ? { ok: false, reason: 'Max exposure EUR' } : { ok: true }; },
          size() { return 0.2; },
        }); } };`,
    });
    const s = await cycle(t);
    assert.equal(s.symbols.EURUSD, 'Exec Block: Max exposure EUR');
    assert.match(s.symbols.XAUUSD!, /^FILLED \(BUY 0.2 @/, 'the next candidate is tried after a veto');
    const [pos] = await t.run.broker.positions();
    assert.ok(pos!.sl! < pos!.openPrice, 'SL placed below the entry from slDistance');
  });

  it('places nothing when HALTED or REDUCING, but keeps managing positions', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`, '[EURUSD]'), {
      'agent.js': `export default { name: 'a', version: '1.0.0', provides: ['agent'], setup(ctx) { ctx.addAgent({
          scan(s) { return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; },
          manage(cycle, p) { globalThis.__managed = (globalThis.__managed ?? 0) + 1; return []; },
        }); } };`,
    });
    await cycle(t);
    assert.equal((await t.run.broker.positions()).length, 1);
    await t.run.tradingState.set('HALTED', 'test', 'tester');
    const h = await cycle(t);
    assert.equal(h.gated, 'Halted (trading paused)');
    assert.equal(h.symbols.EURUSD, 'Halted (trading paused)');
    assert.equal((globalThis as { __managed?: number }).__managed, 1, 'managed while halted');
    await t.run.tradingState.set('REDUCING');
    assert.equal((await cycle(t)).gated, 'Reducing (no new entries)');
    assert.equal((await t.run.broker.positions()).length, 1);
    const changed = t.events.filter((e) => e.type === 'state.changed').map((e) => (e as TradekitEvent<'state.changed'>).data.to);
    assert.deepEqual(changed, ['HALTED', 'REDUCING']);
  });

  it('journals SL/TP exits between cycles, fires positionClosed, and tracks pending orders to fill or expiry', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`, '[XAUUSD]'), {
      'agent.js': `export default { name: 'a', version: '1.0.0', provides: ['agent'], setup(ctx) {
          let n = 0;
          ctx.addAgent({
            scan(s) {
              n++;
              if (n === 1) return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1, slDistance: 1.5, tpDistance: 1.5 };
              if (n === 2) return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'limit', limitPrice: 1, volume: 0.1, expiresInMs: 600000 };
              return { skip: 'done' };
            },
            onClose(trade) { globalThis.__closed = trade; },
          });
        } };`,
    });
    await cycle(t); // market buy with ±1.5 stops
    let closedAt = 0;
    for (let i = 0; i < 50 && !closedAt; i++) {
      const s = await cycle(t);
      if (t.events.some((e) => e.type === 'position.closed')) closedAt = s.seq;
    }
    assert.ok(closedAt, 'the SL or TP was hit within 50 bars');
    const closed = (globalThis as { __closed?: { reason: string; profit: number } }).__closed!;
    assert.ok(['sl', 'tp'].includes(closed.reason));
    const [trade] = await t.run.store.journal.listTrades({ status: 'closed' });
    assert.equal(trade!.exitReason, closed.reason);
    assert.ok(trade!.exitPrice && trade!.exitTime && trade!.entryPrice);
    // The limit placed in cycle 2 (far below the market) expires after 10 minutes.
    for (let i = 0; i < 5; i++) await cycle(t);
    const orders = await t.run.store.journal.listOrders({});
    const limit = orders.find((o) => o.type === 'limit')!;
    assert.equal(limit.status, 'expired');
    assert.ok(t.events.some((e) => e.type === 'order.cancelled'));
  });
});
