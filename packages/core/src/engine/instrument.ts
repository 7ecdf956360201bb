/**
 * One tapable interceptor per hook that (1) attributes each tap to the plugin that registered it,
 * (2) wraps every throw or rejection as TK_ERR_PLUGIN (plugin + hook + cause) and routes it to the
 * `error` hook instead of failing the cycle, (3) enforces a per-tap timeout, and (4) records timings.
 * `tapPromise` taps are re-registered as callback taps so a tap that answers synchronously keeps the
 * whole hook call synchronous.
 */
import { performance } from 'node:perf_hooks';
import { TradekitError, pluginError } from '../errors.js';
import { TRADEKIT_INTERCEPTOR, type EngineHooks, type HookName } from '../hooks.js';
import type { SymbolScan } from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
import { researchFailedVeto, tapFailedStatus } from './status-text.js';
import { Watchdog } from './watchdog.js';

export interface TapStats {
  calls: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

export interface HookStats extends TapStats {
  taps: Record<string, TapStats>;
}

export class HookMetrics {
  /** The counters each wrapped tap updates, by hook and tap name. */
  private readonly taps: Partial<Record<HookName, Record<string, TapStats>>> = {};

  tap(hook: HookName, tap: string): TapStats {
    const h = (this.taps[hook] ??= {});
    return (h[tap] ??= { calls: 0, errors: 0, totalMs: 0, maxMs: 0 });
  }

  /**
   * Per hook and per tap (copies). A hook's figures are derived from its taps: `totalMs` and `errors`
   * are sums, `calls` is the most calls of any tap (each call of the hook runs each tap once, unless a
   * bail hook stopped early), `maxMs` the slowest single tap call.
   */
  snapshot(): Record<string, HookStats> {
    const out: Record<string, HookStats> = {};
    for (const [hook, byTap] of Object.entries(this.taps)) {
      const taps: Record<string, TapStats> = {};
      for (const [name, t] of Object.entries(byTap)) taps[name] = { ...t };
      const list = Object.values(taps);
      out[hook] = {
        calls: Math.max(0, ...list.map((t) => t.calls)),
        errors: list.reduce((n, t) => n + t.errors, 0),
        totalMs: list.reduce((n, t) => n + t.totalMs, 0),
        maxMs: Math.max(0, ...list.map((t) => t.maxMs)),
        taps,
      };
    }
    return out;
  }
}

export interface InstrumentOptions {
  /** Receives every wrapped error (the engine calls the `error` hook and logs). */
  report(err: TradekitError): void;
  /** Per-tap timeout for asynchronous taps, wall-clock ms; 0 disables. */
  tapTimeoutMs: number;
  /** When set, every tap call is timed. */
  metrics?: HookMetrics;
  /** The plugin whose `setup` is running (taps registered during setup belong to it). */
  currentPlugin(): string | undefined;
}

type AnyFn = (...args: unknown[]) => unknown;
interface FullTap {
  name: string;
  type: 'sync' | 'async' | 'promise';
  fn: AnyFn;
  /** Added by the wrapper: the maybe-synchronous entry point (see wrapTap). */
  call?: (a?: unknown, b?: unknown, c?: unknown) => unknown;
  stage?: number;
  before?: string | string[];
  plugin?: string;
}

/** What a failed tap yields so the hook goes on: fail closed for gates, risk and execution. */
function fallback(hook: HookName, plugin: string, err: TradekitError, args: unknown[]): unknown {
  switch (hook) {
    case 'gate':
      return tapFailedStatus(plugin, 'gate', err.code);
    case 'beforeScan':
      return tapFailedStatus(plugin, 'beforeScan', err.code);
    case 'research':
      return researchFailedVeto(plugin, err.code);
    case 'beforeExecute':
      return { veto: tapFailedStatus(plugin, 'beforeExecute', err.code) };
    case 'scan': {
      const scan = args[1] as SymbolScan | undefined;
      scan?.errors.push(err);
      return undefined;
    }
    default:
      return undefined;
  }
}

function symbolOf(hook: HookName, args: unknown[]): string | undefined {
  if (hook === 'beforeScan') return args[1] as string;
  if (hook === 'scan') return (args[1] as SymbolScan | undefined)?.symbol;
  if (hook === 'bar') return (args[0] as { symbol?: string } | undefined)?.symbol;
  if (hook === 'research' || hook === 'beforeExecute') return (args[hook === 'research' ? 0 : 2] as { symbol?: string } | undefined)?.symbol;
  return undefined;
}

export function instrumentHooks(hooks: EngineHooks, opts: InstrumentOptions): Watchdog {
  const watchdog = new Watchdog();
  for (const name of Object.keys(hooks) as HookName[]) {
    const hook = hooks[name] as unknown as { intercept(i: { name: string; register(t: FullTap): FullTap }): void };
    hook.intercept({
      name: TRADEKIT_INTERCEPTOR,
      register: (tap: FullTap) => (name === 'error' ? wrapErrorTap(tap) : wrapTap(name, tap, opts, watchdog)),
    });
  }
  return watchdog;
}

function wrapErrorTap(tap: FullTap): FullTap {
  const orig = tap.fn;
  // An `error` listener that throws must not throw back into the engine.
  const call = (a?: unknown): undefined => {
    try {
      const r = orig(a);
      if (isPromiseLike(r)) (r as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      /* swallowed: error listeners are best effort */
    }
    return undefined;
  };
  return { ...tap, type: 'sync', fn: call, call } as FullTap;
}

/**
 * Wraps one tap. `call(a, b, c)` is the canonical entry point the engine's dispatcher uses: it returns
 * the tap's value synchronously when the tap answered synchronously, or a promise; it never throws
 * or rejects (failures become the hook's fallback value). `fn` is the same thing in the shape
 * tapable expects for the tap's type, so hooks also work through tapable's own call/callAsync/promise.
 */
function wrapTap(hook: HookName, tap: FullTap, opts: InstrumentOptions, watchdog: Watchdog): FullTap {
  const plugin = tap.plugin ?? opts.currentPlugin() ?? tap.name;
  const orig = tap.fn;
  const stats = opts.metrics?.tap(hook, tap.name);
  const fail = (args: unknown[], e: unknown): unknown => {
    const err = e instanceof TradekitError && e.code === 'TK_ERR_PLUGIN_TIMEOUT' ? e : pluginError(plugin, hook, e, symbolOf(hook, args));
    if (stats) stats.errors++;
    opts.report(err);
    return fallback(hook, plugin, err, args);
  };

  if (tap.type === 'sync') {
    const call = stats
      ? (a?: unknown, b?: unknown, c?: unknown): unknown => {
          const t0 = performance.now();
          try {
            return orig(a, b, c);
          } catch (e) {
            return fail([a, b, c], e);
          } finally {
            record(stats, performance.now() - t0);
          }
        }
      : (a?: unknown, b?: unknown, c?: unknown): unknown => {
          try {
            return orig(a, b, c);
          } catch (e) {
            return fail([a, b, c], e);
          }
        };
    return { ...tap, plugin, fn: call, call } as FullTap;
  }

  /** Settles a pending answer: timeout, timing, failures → fallback. */
  const guard = (p: Promise<unknown>, args: unknown[], t0: number): Promise<unknown> =>
    new Promise((resolve) => {
      let done = false;
      let token = 0;
      const finish = (err: unknown, res?: unknown): void => {
        if (done) return;
        done = true;
        if (token) watchdog.disarm(token);
        if (stats) record(stats, performance.now() - t0);
        resolve(err !== undefined ? fail(args, err) : res);
      };
      if (opts.tapTimeoutMs > 0) token = watchdog.arm(opts.tapTimeoutMs, () => finish(timeoutError(plugin, hook, opts.tapTimeoutMs, args)));
      p.then(
        (v) => finish(undefined, v),
        (e: unknown) => finish(e ?? new Error('rejected without a reason')),
      );
    });

  const call =
    tap.type === 'promise'
      ? (a?: unknown, b?: unknown, c?: unknown): unknown => {
          const t0 = stats ? performance.now() : 0;
          let r: unknown;
          try {
            r = orig(a, b, c);
          } catch (e) {
            if (stats) record(stats, performance.now() - t0);
            return fail([a, b, c], e);
          }
          if (isPromiseLike(r)) return guard(r as Promise<unknown>, [a, b, c], t0);
          if (stats) record(stats, performance.now() - t0);
          return r;
        }
      : (a?: unknown, b?: unknown, c?: unknown): unknown => {
          // A callback-style tap: synchronous when it calls back before returning.
          const t0 = stats ? performance.now() : 0;
          let sync = true;
          let settled = false;
          let error: unknown;
          let value: unknown;
          let resolve!: (v: unknown) => void;
          let reject!: (e: unknown) => void;
          const args = [a, b, c].slice(0, Math.max(0, orig.length - 1));
          try {
            orig(...args, (err: unknown, res?: unknown) => {
              if (sync) {
                settled = true;
                error = err;
                value = res;
              } else if (err !== undefined && err !== null && err !== false) reject(err);
              else resolve(res);
            });
          } catch (e) {
            settled = true;
            error = e;
          }
          sync = false;
          if (settled) {
            if (stats) record(stats, performance.now() - t0);
            return error !== undefined && error !== null && error !== false ? fail([a, b, c], error) : value;
          }
          return guard(new Promise((res, rej) => ((resolve = res), (reject = rej))), [a, b, c], t0);
        };

  // tapable's view: a callback tap that calls back synchronously when `call` answered synchronously.
  const fn = (...all: unknown[]) => {
    const cb = all.pop() as (err: unknown, res?: unknown) => void;
    const r = call(all[0], all[1], all[2]);
    if (isPromiseLike(r)) (r as Promise<unknown>).then((v) => cb(null, v));
    else cb(null, r);
  };
  return { ...tap, plugin, type: 'async', fn, call } as FullTap;
}

function timeoutError(plugin: string, hook: HookName, ms: number, args: unknown[]): TradekitError {
  const symbol = symbolOf(hook, args);
  return new TradekitError(
    'TK_ERR_PLUGIN_TIMEOUT',
    `plugin "${plugin}" did not answer hook "${hook}"${symbol ? ` for ${symbol}` : ''} within ${ms} ms; raise engine.tapTimeoutMs or fix the plugin`,
    {
      plugin,
      hook,
      symbol,
    },
  );
}

function record(s: TapStats, ms: number): void {
  s.calls++;
  s.totalMs += ms;
  if (ms > s.maxMs) s.maxMs = ms;
}
