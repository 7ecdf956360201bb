/**
 * Every Redis name the cluster uses, in one place: BullMQ queues (under the `tradekit` prefix; queue
 * names cannot contain `:`) and the keys and channels of runs (events stream, control, lifecycle).
 */
import { QUEUE_PREFIX } from './jobs/names.js';

/** Redis key and BullMQ prefix of everything the cluster stores. */
export const PREFIX = QUEUE_PREFIX;

/** Live and paper runs: long jobs, one per run, each holding its run lease. */
export const RUNS_QUEUE = 'tk-runs';
/** Backtests and sweep combinations: `jobs/names.ts` (JOBS_QUEUE). */

/**
 * Keys and channels under `prefix` (default `tradekit`): one Redis can carry several clusters (or test
 * suites) that never see each other, queues included (BullMQ's prefix is the same).
 */
export function keysOf(prefix = PREFIX) {
  return {
    prefix,
    /** A run's events (XADD by the worker holding it, XREAD by every orchestrator replica). */
    events: (run: string) => `${prefix}:events:${run}`,
    /** Control requests for the worker holding a run (pub/sub). */
    control: (run: string) => `${prefix}:control:${run}`,
    /** The trading state asked for while no worker held the run (applied when one takes it). */
    pendingState: (run: string) => `${prefix}:pending-state:${run}`,
    /** A stop asked for while no worker held the run. */
    stopRequested: (run: string) => `${prefix}:stop:${run}`,
    /** A replay that a worker started once (a replay is not resumed after its worker died). */
    started: (run: string) => `${prefix}:started:${run}`,
    /** Which worker holds a run, and since when (informational; the run lease is the authority). */
    holder: (run: string) => `${prefix}:holder:${run}`,
    /** Lifecycle of every queued run (pub/sub): queued, running, finished, failed. */
    lifecycle: `${prefix}:runs`,
    /** Where a replica receives acknowledgements of its control requests (pub/sub). */
    acks: (replica: string) => `${prefix}:acks:${replica}`,
  } as const;
}

export type ClusterKeys = ReturnType<typeof keysOf>;

export const keys = keysOf();
