/**
 * `--queue redis://…` and `--sweep-id`: a malformed value is a command-line error (exit 2), a URL is
 * named without its password. Imported only when `--queue` is given (the cluster package loads BullMQ).
 */
import { isTradekitError } from '@tradekit/core';
import { SWEEP_ID_PATTERN, checkRedisUrl, newSweepId } from '@tradekit/cluster';
import { cliError } from '../errors.js';

export function parseQueueUrl(v: string): string {
  try {
    return checkRedisUrl(v);
  } catch (e) {
    if (isTradekitError(e)) throw cliError('TK_ERR_CLI_ARG', `--queue: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The given `--sweep-id` (to resume a sweep), or a new one. */
export function parseSweepId(v: string | undefined): string {
  if (v === undefined) return newSweepId();
  if (!SWEEP_ID_PATTERN.test(v)) throw cliError('TK_ERR_CLI_ARG', `--sweep-id expects letters, digits and _ (at most 64), got "${v}"`);
  return v;
}
