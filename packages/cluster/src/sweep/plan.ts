/** A sweep on the queue: its id, its fingerprint and its jobs. */
import { createHash, randomBytes } from 'node:crypto';
import { RESULTS_TTL_SECONDS } from '../jobs/settings.js';
import type { BacktestBase, BacktestJobData } from '../jobs/types.js';

/** Letters, digits and `_`: no `-` (it separates the index in job ids), no `:` (BullMQ refuses it). */
export const SWEEP_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

/** `s` + 12 random base-36 characters. */
export function newSweepId(): string {
  const b = randomBytes(12);
  let s = 's';
  for (const x of b) s += (x % 36).toString(36);
  return s;
}

/**
 * What a resumed sweep must match: the config file and the values every combination shares, the
 * grid's axes and the combinations run (their indices, in order).
 */
export function sweepFingerprint(base: BacktestBase, axes: readonly { path: string; values: readonly unknown[] }[], indices: readonly number[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ base, axes: axes.map((a) => [a.path, a.values]) }));
  h.update(new Uint8Array(Float64Array.from(indices).buffer));
  return h.digest('hex').slice(0, 32);
}

export function backtestJobs(
  sweepId: string,
  base: BacktestBase,
  combinations: readonly { index: number; params: Record<string, unknown> }[],
  ttlSeconds = RESULTS_TTL_SECONDS,
): BacktestJobData[] {
  return combinations.map((c) => ({ kind: 'backtest', sweep: sweepId, index: c.index, ttlSeconds, base, params: c.params }));
}
