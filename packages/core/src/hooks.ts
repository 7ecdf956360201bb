/**
 * The scan cycle as one frozen, typed tapable object. A hook's class says how its taps run:
 * Series/Parallel, Bail (first non-undefined result stops), Waterfall (each tap's result feeds the next).
 * Order taps with `stage` (−100 pre, 0 default, +100 post) and `before`, never by load order.
 * The full table with arguments, results and failure policy is in docs/hooks.md.
 */
import tapable from 'tapable';
import type { TradekitError } from './errors.js';
import type { CycleContext } from './interfaces.js';
import type { Candidate, ClosedTrade, CycleSummary, OrderIntent, OrderResult, Position, SymbolScan, Veto } from './types.js';

const { AsyncSeriesHook, AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, SyncHook } = tapable;

export function createHooks() {
  return Object.freeze({
    /** Start of a cycle, before anything is read from the broker. */
    cycleStart: new AsyncSeriesHook<[CycleContext]>(['cycle']),
    /** Manage open positions: push Actions into `cycle.actions`. All taps run in parallel. */
    manage: new AsyncParallelHook<[CycleContext, Position[]]>(['cycle', 'positions']),
    /** Cycle-wide gate: return a reason to skip the whole cycle's entries. */
    gate: new AsyncSeriesBailHook<[CycleContext], string | undefined>(['cycle']),
    /** Per-symbol pre-check: return a reason to skip the symbol. */
    beforeScan: new AsyncSeriesBailHook<[CycleContext, string], string | undefined>(['cycle', 'symbol']),
    /** Per-symbol scan: propose candidates on `scan` (symbols run concurrently, bounded). */
    scan: new AsyncParallelHook<[CycleContext, SymbolScan]>(['cycle', 'scan']),
    /** All candidates of the cycle: filter, rank, cut. */
    candidates: new AsyncSeriesWaterfallHook<[Candidate[], CycleContext]>(['candidates', 'cycle']),
    /** Research/critic on one candidate: return a veto reason to drop it. */
    research: new AsyncSeriesBailHook<[Candidate, CycleContext], string | undefined>(['candidate', 'cycle']),
    /** Shape the order (size, stops) or return `{ veto }`. */
    beforeExecute: new AsyncSeriesWaterfallHook<[OrderIntent | Veto, CycleContext, Candidate]>(['intent', 'cycle', 'candidate']),
    /** After the broker answered (filled, placed, rejected or unknown). */
    afterExecute: new AsyncSeriesHook<[OrderResult, CycleContext, OrderIntent]>(['result', 'cycle', 'intent']),
    /** A position (or part of one) closed: by SL/TP, an agent, a risk rule or by hand. */
    positionClosed: new AsyncSeriesHook<[ClosedTrade]>(['trade']),
    /** End of a cycle with its summary. */
    cycleEnd: new AsyncSeriesHook<[CycleSummary, CycleContext]>(['summary', 'cycle']),
    /** Every error the engine catches, already wrapped (TK_ERR_PLUGIN with plugin and hook). */
    error: new SyncHook<[TradekitError]>(['error']),
  });
}

export type EngineHooks = ReturnType<typeof createHooks>;
export type HookName = keyof EngineHooks;
export const HOOK_NAMES = Object.freeze([
  'cycleStart',
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
