/**
 * One tapable interceptor per hook that (1) attributes each tap to the plugin that registered it,
 * (2) wraps every throw or rejection as TK_ERR_PLUGIN (plugin + hook + cause) and routes it to the
 * `error` hook instead of failing the cycle, (3) enforces a per-tap timeout, and (4) records timings.
 * `tapPromise` taps are re-registered as callback taps so a tap that answers synchronously keeps the
 * whole hook call synchronous.
 */
import { performance } from 'node:perf_hooks';
import { TradekitError, pluginError } from '../errors.js';
import type { EngineHooks, HookName } from '../hooks.js';
import type { SymbolScan } from '../types.js';
import { isPromiseLike } from '../util/maybe.js';
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
  readonly hooks: Partial<Record<HookName, HookStats>> = {};

  tap(hook: HookName, tap: string): TapStats {
    const h = (this.hooks[hook] ??= { calls: 0, errors: 0, totalMs: 0, maxMs: 0, taps: {} });
    return (h.taps[tap] ??= { calls: 0, errors: 0, totalMs: 0, maxMs: 0 });
  }

  hook(hook: HookName): HookStats {
    return (this.hooks[hook] ??= { calls: 0, errors: 0, totalMs: 0, maxMs: 0, taps: {} });
  }

  snapshot(): Record<string, HookStats> {
    return JSON.parse(JSON.stringify(this.hooks)) as Record<string, HookStats>;
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
  stage?: number;
  before?: string | string[];
  plugin?: string;
}

/** What a failed tap yields so the hook goes on: fail closed for gates, risk and execution. */
function fallback(hook: HookName, plugin: string, err: TradekitError, args: unknown[]): unknown {
  switch (hook) {
    case 'gate':
      return `Error: ${plugin} failed in gate (${err.code})`;
    case 'beforeScan':
      return `Error: ${plugin} failed in beforeScan (${err.code})`;
    case 'research':
      return `Research error: ${plugin} (${err.code})`;
    case 'beforeExecute':
      return { veto: `Error: ${plugin} failed in beforeExecute (${err.code})` };
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
  if (hook === 'research' || hook === 'beforeExecute') return (args[hook === 'research' ? 0 : 2] as { symbol?: string } | undefined)?.symbol;
  return undefined;
}

export function instrumentHooks(hooks: EngineHooks, opts: InstrumentOptions): Watchdog {
  const watchdog = new Watchdog();
  for (const name of Object.keys(hooks) as HookName[]) {
    const hook = hooks[name] as unknown as { intercept(i: { name: string; register(t: FullTap): FullTap }): void };
    hook.intercept({
      name: 'tradekit',
      register: (tap: FullTap) => (name === 'error' ? wrapErrorTap(tap) : wrapTap(name, tap, opts, watchdog)),
    });
  }
  return watchdog;
}

function wrapErrorTap(tap: FullTap): FullTap {
  const orig = tap.fn;
  // An `error` listener that throws must not throw back into the engine.
  return { ...tap, type: 'sync', fn: (...args: unknown[]) => {
    try {
      const r = orig(...args);
      if (isPromiseLike(r)) (r as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      /* swallowed: error listeners are best effort */
    }
  } };
}

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
    const fn = stats
      ? (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return orig(...args);
          } catch (e) {
            return fail(args, e);
          } finally {
            record(stats, performance.now() - t0);
          }
        }
      : (...args: unknown[]) => {
          try {
            return orig(...args);
          } catch (e) {
            return fail(args, e);
          }
        };
    return { ...tap, plugin, fn } as FullTap;
  }

  // 'promise' and 'async' taps both become callback taps; the callback fires synchronously when the
  // tap answered synchronously.
  const isPromiseTap = tap.type === 'promise';
  const fn = (...all: unknown[]) => {
    const cb = all.pop() as (err: unknown, res?: unknown) => void;
    const args = all;
    const t0 = stats ? performance.now() : 0;
    let done = false;
    let token = 0;
    const finish = (err: unknown, res?: unknown): void => {
      if (done) return;
      done = true;
      if (token) watchdog.disarm(token);
      if (stats) record(stats, performance.now() - t0);
      if (err !== undefined && err !== null && err !== false) cb(null, fail(args, err));
      else cb(null, res);
    };
    try {
      if (isPromiseTap) {
        const r = orig(...args);
        if (isPromiseLike(r)) {
          if (opts.tapTimeoutMs > 0) token = watchdog.arm(opts.tapTimeoutMs, () => finish(timeoutError(plugin, hook, opts.tapTimeoutMs, args)));
          (r as Promise<unknown>).then(
            (v) => finish(null, v),
            (e) => finish(e ?? new Error('rejected without a reason')),
          );
        } else finish(null, r);
      } else {
        if (opts.tapTimeoutMs > 0) token = watchdog.arm(opts.tapTimeoutMs, () => finish(timeoutError(plugin, hook, opts.tapTimeoutMs, args)));
        orig(...args, finish);
      }
    } catch (e) {
      finish(e);
    }
  };
  return { ...tap, plugin, type: 'async', fn } as FullTap;
}

function timeoutError(plugin: string, hook: HookName, ms: number, args: unknown[]): TradekitError {
  const symbol = symbolOf(hook, args);
  return new TradekitError('TK_ERR_PLUGIN_TIMEOUT', `plugin "${plugin}" did not answer hook "${hook}"${symbol ? ` for ${symbol}` : ''} within ${ms} ms; raise engine.tapTimeoutMs or fix the plugin`, {
    plugin,
    hook,
    symbol,
  });
}

function record(s: TapStats, ms: number): void {
  s.calls++;
  s.totalMs += ms;
  if (ms > s.maxMs) s.maxMs = ms;
}
