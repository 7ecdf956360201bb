import assert from 'node:assert/strict';
import type { TradekitError, CycleSummary, TradekitEvent } from '../src/index.js';
import { STATUS, candidateStatus, execBlockStatus, executionStatus, scanErrorStatus, tapFailedStatus } from '../src/engine/status-text.js';
import { baseConfig, pluginModule, startRun, type TestRun } from './helpers/run.js';

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
          setup(ctx) { ctx.hooks.error.tap('error-listener', (e) => seen.push(e)); } };`,
    });
    const s = await cycle(t);
    const { seen } = await pluginModule<{ seen: TradekitError[] }>(t, 'errors.js');
    assert.equal(seen.length, 1);
    assert.match(seen[0]!.message, /^plugin "test-agent" threw in hook "scan" for EURUSD: indicator blew up/);
    assert.equal(s.symbols.EURUSD, scanErrorStatus(seen[0]!.message));
    const [fill] = s.executions;
    assert.deepEqual([fill!.candidate.symbol, fill!.result?.status, fill!.result?.status === 'filled' && fill!.result.volume], ['XAUUSD', 'filled', 0.1]);
    assert.equal(s.symbols.XAUUSD, executionStatus(fill!));
    assert.equal(s.symbols.GBPUSD, candidateStatus('buy'), 'ranked second: one entry per cycle');
    assert.equal(s.errors, 1);
    assert.deepEqual([seen[0]!.code, seen[0]!.plugin, seen[0]!.hook, seen[0]!.symbol], ['TK_ERR_PLUGIN', 'test-agent', 'scan', 'EURUSD']);
    assert.equal((seen[0]!.cause as Error).message, 'indicator blew up');
    const ev = t.events.find((e) => e.type === 'error') as TradekitEvent<'error'> | undefined;
    assert.equal(ev?.data.code, 'TK_ERR_PLUGIN');
  });

  it('orders taps by stage and before, never by load order', async () => {
    t = await startRun(baseConfig(`plugins: [{ use: ./late.js }, { use: ./early.js }]`), {
      'order.js': `export const order = [];`,
      'late.js': `import { order } from './order.js';
        export default { name: 'late', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.cycleStart.tap({ name: 'late', stage: 100 }, () => { order.push('late+100'); });
          ctx.hooks.cycleStart.tap({ name: 'late-default' }, () => { order.push('late-default'); });
        } };`,
      'early.js': `import { order } from './order.js';
        export default { name: 'early', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.cycleStart.tap({ name: 'early', stage: -100 }, () => { order.push('early-100'); });
          ctx.hooks.cycleStart.tap({ name: 'before-late-default', before: 'late-default' }, () => { order.push('before'); });
        } };`,
    });
    await cycle(t);
    const { order } = await pluginModule<{ order: string[] }>(t, 'order.js');
    assert.deepEqual(order, ['early-100', 'before', 'late-default', 'late+100']);
  });

  it('times out a tap that never answers, reports TK_ERR_PLUGIN_TIMEOUT, and finishes the cycle', async () => {
    t = await startRun(baseConfig(`engine: { tapTimeoutMs: 60 }\nplugins: [{ use: ./hang.js }]`, '[EURUSD, GBPUSD]'), {
      'hang.js': `export default { name: 'hang', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.beforeScan.tapPromise('hang', (cycle, symbol) => symbol === 'GBPUSD' ? new Promise(() => {}) : Promise.resolve(undefined));
        } };`,
    });
    const s = await cycle(t);
    assert.equal(s.symbols.GBPUSD, tapFailedStatus('hang', 'beforeScan', 'TK_ERR_PLUGIN_TIMEOUT'));
    assert.equal(s.symbols.EURUSD, STATUS.noSetup);
    const ev = t.events.find((e) => e.type === 'error') as TradekitEvent<'error'>;
    assert.equal(ev.data.code, 'TK_ERR_PLUGIN_TIMEOUT');
    assert.equal(ev.data.plugin, 'hang');
  });

  it('records per-hook and per-tap timings', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]\nplugins: [{ use: ./flaky.js }]`), {
      'agent.js': agent(`return { skip: 'nothing' };`),
      'flaky.js': `export default { name: 'flaky', version: '1.0.0', provides: ['hook'], setup(ctx) {
          ctx.hooks.scan.tap('flaky', (cycle, scan) => { if (scan.symbol === 'EURUSD') throw new Error('flaky'); });
        } };`,
    });
    await cycle(t);
    await cycle(t);
    type Stats = { calls: number; errors: number; totalMs: number; maxMs: number };
    const m = t.run.engine.metrics() as Record<string, Stats & { taps: Record<string, Stats> }>;
    const agentTap = m.scan!.taps['test-agent']!;
    const flaky = m.scan!.taps.flaky!;
    assert.deepEqual([agentTap.calls, agentTap.errors, flaky.calls, flaky.errors], [6, 0, 6, 2], 'three symbols, two cycles; flaky throws for EURUSD');
    assert.equal(m.gate!.taps['tradekit:trading-state']!.calls, 2);
    for (const [name, s] of Object.entries(m.scan!.taps)) {
      assert.ok(Number.isFinite(s.totalMs) && s.maxMs >= 0, name);
      // n calls, the slowest took maxMs: the total lies between the slowest one and n times it.
      assert.ok(s.maxMs <= s.totalMs && s.totalMs <= s.calls * s.maxMs + 1e-9, `${name}: total ${s.totalMs} ms over ${s.calls} calls, max ${s.maxMs} ms`);
    }
    assert.ok(agentTap.totalMs + flaky.totalMs > 0, 'twelve timed calls took some time');
    const hook = m.scan!;
    assert.equal(hook.calls, 6, 'a hook reports its own calls');
    assert.equal(hook.errors, 2, "a hook sums its taps' errors");
    assert.ok(Math.abs(hook.totalMs - (agentTap.totalMs + flaky.totalMs)) < 1e-9, "a hook's time is the sum of its taps'");
    assert.equal(hook.maxMs, Math.max(agentTap.maxMs, flaky.maxMs));
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
        `flight.now++;
         flight.max = Math.max(flight.max, flight.now);
         return new Promise((r) => setTimeout(() => { flight.now--; r({ skip: 'waited' }); }, 40));`,
        'test-agent',
      ).replace('export default', 'export const flight = { now: 0, max: 0 };\nexport default'),
    });
    const s = await cycle(t);
    const { flight } = await pluginModule<{ flight: { now: number; max: number } }>(t, 'agent.js');
    assert.deepEqual(flight, { now: 0, max: 4 }, 'four scans were in flight at once, never more');
    assert.ok(Object.values(s.symbols).every((x) => x === 'waited'));
  });

  it('executes the best candidates first, up to maxEntriesPerCycle', async () => {
    t = await startRun(baseConfig(`engine: { maxEntriesPerCycle: 2 }\nagents: [{ use: ./agent.js }]`), {
      'agent.js': agent(`const score = { EURUSD: 3, GBPUSD: 5, XAUUSD: 5 }[scanCtx.symbol];
        const probability = { EURUSD: 0.9, GBPUSD: 0.55, XAUUSD: 0.6 }[scanCtx.symbol];
        return { symbol: scanCtx.symbol, side: 'sell', score, probability, entry: 'market', volume: 0.1 };`),
    });
    const s = await cycle(t);
    assert.deepEqual(
      s.executions.map((e) => [e.candidate.symbol, e.candidate.side, e.result?.status]),
      [
        ['XAUUSD', 'sell', 'filled'],
        ['GBPUSD', 'sell', 'filled'],
      ],
    );
    for (const e of s.executions) assert.equal(s.symbols[e.candidate.symbol], executionStatus(e));
    assert.equal(s.symbols.EURUSD, candidateStatus('sell'));
  });

  it('lets a risk policy veto or size an order in beforeExecute', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]\nrisk: [{ use: ./risk.js }]`, '[EURUSD, XAUUSD]'), {
      'agent.js': agent(
        `return { symbol: scanCtx.symbol, side: 'buy', score: scanCtx.symbol === 'EURUSD' ? 9 : 1, probability: 0.5, entry: 'market', slDistance: scanCtx.symbol === 'EURUSD' ? 0.002 : 3 };`,
      ),
      'risk.js': `export default { name: 'risk', version: '1.0.0', provides: ['risk'], setup(ctx) { ctx.addRiskPolicy({
          preTrade(cycle, c) { return c.symbol === 'EURUSD' ? { ok: false, reason: 'Max exposure EUR' } : { ok: true }; },
          size() { return 0.2; },
        }); } };`,
    });
    const s = await cycle(t);
    assert.equal(s.executions[0]!.veto, 'Max exposure EUR');
    assert.equal(s.symbols.EURUSD, execBlockStatus('Max exposure EUR'));
    const fill = s.executions[1]!;
    assert.deepEqual(
      [fill.candidate.symbol, fill.result?.status, fill.result?.status === 'filled' && fill.result.volume],
      ['XAUUSD', 'filled', 0.2],
      'the next candidate is tried after a veto',
    );
    assert.equal(s.symbols.XAUUSD, executionStatus(fill));
    const [pos] = await t.run.broker.positions();
    assert.ok(pos!.sl! < pos!.openPrice, 'SL placed below the entry from slDistance');
  });

  it('places nothing when HALTED or REDUCING, but keeps managing positions', async () => {
    t = await startRun(baseConfig(`agents: [{ use: ./agent.js }]`, '[EURUSD]'), {
      'agent.js': `export default { name: 'a', version: '1.0.0', provides: ['agent'], setup(ctx) { ctx.addAgent({
          scan(s) { return { symbol: s.symbol, side: 'buy', score: 1, probability: 0.5, entry: 'market', volume: 0.1 }; },
          manage(cycle, p) { managed.count++; return []; },
        }); } };
        export const managed = { count: 0 };`,
    });
    await cycle(t);
    assert.equal((await t.run.broker.positions()).length, 1);
    await t.run.tradingState.set('HALTED', 'test', 'tester');
    const { managed } = await pluginModule<{ managed: { count: number } }>(t, 'agent.js');
    assert.equal(managed.count, 0, 'no position to manage before the first fill');
    const h = await cycle(t);
    assert.equal(h.gated, STATUS.haltedGate);
    assert.equal(h.symbols.EURUSD, STATUS.haltedGate);
    assert.equal(managed.count, 1, 'managed while halted');
    await t.run.tradingState.set('REDUCING');
    const r = await cycle(t);
    assert.equal(r.gated, STATUS.reducingGate);
    assert.equal(managed.count, 2, 'managed while reducing');
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
            onClose(trade) { closed.push(trade); },
          });
        } };
        export const closed = [];`,
    });
    await cycle(t); // market buy with ±1.5 stops
    let closedAt = 0;
    for (let i = 0; i < 50 && !closedAt; i++) {
      const s = await cycle(t);
      if (t.events.some((e) => e.type === 'position.closed')) closedAt = s.seq;
    }
    assert.ok(closedAt, 'the SL or TP was hit within 50 bars');
    const { closed: all } = await pluginModule<{ closed: { reason: string; profit: number }[] }>(t, 'agent.js');
    assert.equal(all.length, 1, 'onClose once for the one position');
    const closed = all[0]!;
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
