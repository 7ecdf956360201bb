/**
 * The engine's hook dispatcher: direct calls through the wrapped taps when tradekit's interceptor is
 * the only one (a synchronous tap answers synchronously, no promise), through tapable with the hook's
 * own arity when another interceptor is there (so that interceptor sees every call, with exactly the
 * hook's arguments), and `tapMaybe` taps that work both ways.
 */
import assert from 'node:assert/strict';
import { createHooks, hookArity, TRADEKIT_INTERCEPTOR, tapMaybe } from '../src/hooks.js';
import { instrumentHooks } from '../src/engine/instrument.js';
import { bail, series, waterfall } from '../src/engine/dispatch.js';
import type { TradekitError } from '../src/errors.js';

function instrumented() {
  const hooks = createHooks();
  const errors: TradekitError[] = [];
  instrumentHooks(hooks, { report: (e) => errors.push(e), tapTimeoutMs: 1000, currentPlugin: () => undefined });
  return { hooks, errors };
}

const intent = { clientId: 'c', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 1, price: 1.1 } as never;

describe('hook dispatcher', () => {
  it("records each hook's arity and names tradekit's interceptor", () => {
    const { hooks } = instrumented();
    assert.equal(hookArity(hooks.cycleStart), 1);
    assert.equal(hookArity(hooks.beforeExecute), 3);
    assert.equal(hookArity(hooks.positionClosed), 1);
    assert.throws(() => hookArity({}), TypeError);
    for (const h of Object.values(hooks))
      assert.deepEqual(
        (h as unknown as { interceptors: { name: string }[] }).interceptors.map((i) => i.name),
        [TRADEKIT_INTERCEPTOR],
      );
  });

  it('a synchronous tapMaybe tap answers synchronously through the dispatcher and as a promise through tapable', async () => {
    const { hooks } = instrumented();
    tapMaybe(hooks, 'beforeExecute', { name: 'sizer', plugin: 'p' }, (i) => ({ ...(i as object), volume: 0.5 }) as never);
    tapMaybe(hooks, 'research', 'critic', (c) => (c.symbol === 'XAUUSD' ? 'no gold' : undefined));
    const r = waterfall(hooks.beforeExecute, intent, {}, {});
    assert.ok(!(r instanceof Promise), 'no promise on the direct path');
    assert.equal((r as { volume: number }).volume, 0.5);
    assert.equal(bail(hooks.research, { symbol: 'XAUUSD' }, {}), 'no gold');
    assert.equal(bail(hooks.research, { symbol: 'EURUSD' }, {}), undefined);
    const viaTapable = await hooks.beforeExecute.promise(intent, {} as never, {} as never);
    assert.equal((viaTapable as { volume: number }).volume, 0.5);
    assert.equal(await hooks.research.promise({ symbol: 'XAUUSD' } as never, {} as never), 'no gold');
  });

  it("another interceptor sees every call, with exactly the hook's arguments", async () => {
    const { hooks } = instrumented();
    const seen: unknown[][] = [];
    tapMaybe(hooks, 'beforeExecute', 'sizer', (i) => ({ ...(i as object), volume: 0.25 }) as never);
    tapMaybe(hooks, 'positionClosed', 'count', () => undefined);
    for (const h of [hooks.beforeExecute, hooks.positionClosed])
      (h as unknown as { intercept(i: object): void }).intercept({ name: 'tracer', call: (...args: unknown[]) => void seen.push(args) });
    const r = await waterfall(hooks.beforeExecute, intent, 'ctx', 'cand');
    assert.equal((r as { volume: number }).volume, 0.25);
    await series(hooks.positionClosed, 'trade', 'extra-ignored');
    assert.deepEqual(seen, [[intent, 'ctx', 'cand'], ['trade']]);
  });

  it('a throwing tap in a fail-closed hook is wrapped with plugin and hook, and the dispatcher does not throw', () => {
    const { hooks, errors } = instrumented();
    tapMaybe(hooks, 'gate', { name: 'broken', plugin: 'broken-plugin' }, () => {
      throw new Error('boom');
    });
    const r = bail<string>(hooks.gate, {});
    assert.equal(typeof r, 'string', 'the gate closes on a failure');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'TK_ERR_PLUGIN');
    assert.equal(errors[0]!.plugin, 'broken-plugin');
    assert.equal(errors[0]!.hook, 'gate');
  });
});
