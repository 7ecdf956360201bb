/**
 * The scan cycle as one frozen, typed tapable object. A hook's class says how its taps run:
 * Series/Parallel, Bail (first non-undefined result stops), Waterfall (each tap's result feeds the next).
 * Order taps with `stage` (−100 pre, 0 default, +100 post) and `before`, never by load order.
 * The full table with arguments, results and failure policy is in docs/hooks.md.
 */
import tapable from 'tapable';
import type { TradekitError } from './errors.js';
import type { CycleContext } from './interfaces.js';
import type { Candidate, ClosedBar, ClosedTrade, CycleSummary, MaybePromise, OrderIntent, OrderResult, Position, SymbolScan, Veto } from './types.js';

const { AsyncSeriesHook, AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, SyncHook } = tapable;

/** The name of tradekit's own interceptor on every hook (engine/instrument.ts). */
export const TRADEKIT_INTERCEPTOR = 'tradekit';

/** Each hook's number of arguments, recorded when the hooks are made (the dispatcher calls through tapable with exactly these). */
const ARITY = new WeakMap<object, number>();

/** How many arguments `hook` (one of `createHooks()`'s) takes. */
export function hookArity(hook: object): number {
  const n = ARITY.get(hook);
  if (n === undefined) throw new TypeError('not a hook made by createHooks()');
  return n;
}

/** Makes a hook with these argument names and records its arity. */
function made<A extends string[], H extends object>(args: [...A], create: (args: [...A]) => H): H {
  const hook = create(args);
  ARITY.set(hook, args.length);
  return hook;
}

export function createHooks() {
  return Object.freeze({
    /** Start of a cycle, before anything is read from the broker. */
    cycleStart: made(['cycle'], (a) => new AsyncSeriesHook<[CycleContext]>(a)),
    /** A followed bar closed (`Agent.barFeeds`): once per bar, oldest first, before `manage`. */
    bar: made(['bar', 'cycle'], (a) => new AsyncSeriesHook<[ClosedBar, CycleContext]>(a)),
    /** Manage open positions: push Actions into `cycle.actions`. All taps run in parallel. */
    manage: made(['cycle', 'positions'], (a) => new AsyncParallelHook<[CycleContext, Position[]]>(a)),
    /** Cycle-wide gate: return a reason to skip the whole cycle's entries. */
    gate: made(['cycle'], (a) => new AsyncSeriesBailHook<[CycleContext], string | undefined>(a)),
    /** Per-symbol pre-check: return a reason to skip the symbol. */
    beforeScan: made(['cycle', 'symbol'], (a) => new AsyncSeriesBailHook<[CycleContext, string], string | undefined>(a)),
    /** Per-symbol scan: propose candidates on `scan` (symbols run concurrently, bounded). */
    scan: made(['cycle', 'scan'], (a) => new AsyncParallelHook<[CycleContext, SymbolScan]>(a)),
    /** All candidates of the cycle: filter, rank, cut. */
    candidates: made(['candidates', 'cycle'], (a) => new AsyncSeriesWaterfallHook<[Candidate[], CycleContext]>(a)),
    /** Research/critic on one candidate: return a veto reason to drop it. */
    research: made(['candidate', 'cycle'], (a) => new AsyncSeriesBailHook<[Candidate, CycleContext], string | undefined>(a)),
    /** Shape the order (size, stops) or return `{ veto }`. */
    beforeExecute: made(['intent', 'cycle', 'candidate'], (a) => new AsyncSeriesWaterfallHook<[OrderIntent | Veto, CycleContext, Candidate]>(a)),
    /** After the broker answered (filled, placed, rejected or unknown). */
    afterExecute: made(['result', 'cycle', 'intent'], (a) => new AsyncSeriesHook<[OrderResult, CycleContext, OrderIntent]>(a)),
    /** A position (or part of one) closed: by SL/TP, an agent, a risk rule or by hand. */
    positionClosed: made(['trade'], (a) => new AsyncSeriesHook<[ClosedTrade]>(a)),
    /** End of a cycle with its summary. */
    cycleEnd: made(['summary', 'cycle'], (a) => new AsyncSeriesHook<[CycleSummary, CycleContext]>(a)),
    /** Every error the engine catches, already wrapped (TK_ERR_PLUGIN with plugin and hook). */
    error: made(['error'], (a) => new SyncHook<[TradekitError]>(a)),
  });
}

export type EngineHooks = ReturnType<typeof createHooks>;
export type HookName = keyof EngineHooks;

/** What each hook's taps receive and may answer (`undefined` always means "nothing to say"). */
export interface HookSignatures {
  cycleStart: { args: [CycleContext]; result: void };
  bar: { args: [ClosedBar, CycleContext]; result: void };
  manage: { args: [CycleContext, Position[]]; result: void };
  gate: { args: [CycleContext]; result: string | undefined };
  beforeScan: { args: [CycleContext, string]; result: string | undefined };
  scan: { args: [CycleContext, SymbolScan]; result: void };
  candidates: { args: [Candidate[], CycleContext]; result: Candidate[] | undefined };
  research: { args: [Candidate, CycleContext]; result: string | undefined };
  beforeExecute: { args: [OrderIntent | Veto, CycleContext, Candidate]; result: OrderIntent | Veto | undefined };
  afterExecute: { args: [OrderResult, CycleContext, OrderIntent]; result: void };
  positionClosed: { args: [ClosedTrade]; result: void };
  cycleEnd: { args: [CycleSummary, CycleContext]; result: void };
  error: { args: [TradekitError]; result: void };
}

/** A tap that answers synchronously when it can and with a promise when it must. */
export type MaybeTap<K extends HookName> = (...args: HookSignatures[K]['args']) => MaybePromise<HookSignatures[K]['result'] | void>;

/**
 * Taps `fn` into an asynchronous hook so that a synchronous answer stays synchronous: the engine's
 * dispatcher uses it as it is (no promise per call in a backtest), tapable's own callers get a
 * promise. The typed way to write what would otherwise be `hook.tapPromise(opts, fn as never)`.
 */
export function tapMaybe<K extends Exclude<HookName, 'error'>>(hooks: EngineHooks, name: K, options: string | TapOptions, fn: MaybeTap<K>): void {
  // tapable types a promise tap as returning a promise; the instrumenting interceptor accepts either.
  (hooks[name] as unknown as { tapPromise(o: string | TapOptions, f: MaybeTap<K>): void }).tapPromise(options, fn);
}

/** tapable's tap options as tradekit uses them (`plugin` attributes the tap to a plugin in errors and timings). */
export interface TapOptions {
  name: string;
  stage?: number;
  before?: string | string[];
  plugin?: string;
}
export const HOOK_NAMES = Object.freeze([
  'cycleStart',
  'bar',
  'manage',
  'gate',
  'beforeScan',
  'scan',
  'candidates',
  'research',
  'beforeExecute',
  'afterExecute',
  'positionClosed',
  'cycleEnd',
  'error',
] as const satisfies readonly HookName[]);
