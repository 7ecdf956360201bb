/**
 * Calls a hook's (wrapped) taps directly, in the hook class's semantics, without allocating a promise
 * or a closure when every tap answers synchronously — the hot path of a backtest runs a cycle per
 * bar. Taps come from tapable's own sorted `taps` array (stage and `before` order; a public field).
 * The direct path needs every tap wrapped by tradekit's interceptor (instrument.ts, named
 * TRADEKIT_INTERCEPTOR), which gives each tap its `call`: when a hook has no interceptor or others
 * besides tradekit's (a tracer added by a plugin), the call goes through tapable's `callAsync` with
 * the hook's own number of arguments (recorded by createHooks) so those interceptors see it.
 */
import { hookArity, TRADEKIT_INTERCEPTOR } from '../hooks.js';
import type { MaybePromise } from '../types.js';
import { callHook, isPromiseLike } from '../util/maybe.js';

interface WrappedTap {
  call?: (a?: unknown, b?: unknown, c?: unknown) => unknown;
}

interface AnyHook {
  taps: WrappedTap[];
  interceptors: { name?: string }[];
  callAsync(...args: unknown[]): void;
}

function viaTapable<R>(hook: AnyHook, a: unknown, b: unknown, c: unknown): MaybePromise<R> {
  const n = hookArity(hook);
  return callHook<R>(hook, n === 1 ? [a] : n === 2 ? [a, b] : [a, b, c]);
}

/** Only tradekit's interceptor on the hook: every tap has its direct `call`. */
function direct(hook: AnyHook): boolean {
  const ic = hook.interceptors;
  return ic.length === 1 && ic[0]!.name === TRADEKIT_INTERCEPTOR;
}

/** AsyncSeriesHook / SyncHook: every tap in order. */
export function series(h: unknown, a?: unknown, b?: unknown, c?: unknown): MaybePromise<void> {
  const hook = h as AnyHook;
  if (!direct(hook)) return viaTapable(hook, a, b, c);
  return seriesFrom(hook, 0, a, b, c);
}

function seriesFrom(hook: AnyHook, from: number, a: unknown, b: unknown, c: unknown): MaybePromise<void> {
  const taps = hook.taps;
  for (let i = from; i < taps.length; i++) {
    const r = taps[i]!.call!(a, b, c);
    if (isPromiseLike(r)) return seriesLater(r as Promise<unknown>, hook, i + 1, a, b, c);
  }
  return undefined;
}

// The continuations live in functions of their own: a closure in the loop's function would make every
// call allocate a context for the arguments it captures, also when every tap answers synchronously.
function seriesLater(p: Promise<unknown>, hook: AnyHook, next: number, a: unknown, b: unknown, c: unknown): Promise<void> {
  return p.then(() => seriesFrom(hook, next, a, b, c));
}

/** AsyncSeriesBailHook: the first result that is not undefined stops the hook. */
export function bail<R>(h: unknown, a?: unknown, b?: unknown, c?: unknown): MaybePromise<R | undefined> {
  const hook = h as AnyHook;
  if (!direct(hook)) return viaTapable(hook, a, b, c);
  return bailFrom<R>(hook, 0, a, b, c);
}

function bailFrom<R>(hook: AnyHook, from: number, a: unknown, b: unknown, c: unknown): MaybePromise<R | undefined> {
  const taps = hook.taps;
  for (let i = from; i < taps.length; i++) {
    const r = taps[i]!.call!(a, b, c);
    if (isPromiseLike(r)) return bailLater<R>(r as Promise<R | undefined>, hook, i + 1, a, b, c);
    if (r !== undefined) return r as R;
  }
  return undefined;
}

function bailLater<R>(p: Promise<R | undefined>, hook: AnyHook, next: number, a: unknown, b: unknown, c: unknown): Promise<R | undefined> {
  return p.then((v) => (v !== undefined ? v : bailFrom<R>(hook, next, a, b, c)));
}

/** AsyncSeriesWaterfallHook: each tap's result (when not undefined) replaces the first argument. */
export function waterfall<T>(h: unknown, a: T, b?: unknown, c?: unknown): MaybePromise<T> {
  const hook = h as AnyHook;
  if (!direct(hook)) return viaTapable<T>(hook, a, b, c);
  return waterfallFrom(hook, 0, a, b, c);
}

function waterfallFrom<T>(hook: AnyHook, from: number, a: T, b: unknown, c: unknown): MaybePromise<T> {
  const taps = hook.taps;
  let v = a;
  for (let i = from; i < taps.length; i++) {
    const r = taps[i]!.call!(v, b, c);
    if (isPromiseLike(r)) return waterfallLater(r as Promise<T | undefined>, hook, i + 1, v, b, c);
    if (r !== undefined) v = r as T;
  }
  return v;
}

function waterfallLater<T>(p: Promise<T | undefined>, hook: AnyHook, next: number, v: T, b: unknown, c: unknown): Promise<T> {
  return p.then((x) => waterfallFrom(hook, next, x !== undefined ? x : v, b, c));
}

/** AsyncParallelHook: every tap starts at once; done when all are. */
export function parallel(h: unknown, a?: unknown, b?: unknown, c?: unknown): MaybePromise<void> {
  const hook = h as AnyHook;
  if (!direct(hook)) return viaTapable(hook, a, b, c);
  const taps = hook.taps;
  let pending: Promise<unknown>[] | undefined;
  for (let i = 0; i < taps.length; i++) {
    const r = taps[i]!.call!(a, b, c);
    if (isPromiseLike(r)) (pending ??= []).push(r as Promise<unknown>);
  }
  return pending ? Promise.all(pending).then(() => undefined) : undefined;
}
