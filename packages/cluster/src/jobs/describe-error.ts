/**
 * A failed backtest as its result row: the same code, message, path and plugin as the local sweep's
 * worker reports (packages/cli/src/sweep/worker.ts), so a failed combination reads the same either
 * way. An error without a code is TK_ERR_CLUSTER_JOB here.
 */
import { ConfigErrors, isTradekitError } from '@tradekit/core';
import type { JobError } from './types.js';

export function describeError(e: unknown): JobError {
  if (e instanceof ConfigErrors) {
    return { code: e.errors[0]!.code, message: e.errors.map((x) => x.format()).join('; '), path: e.errors[0]!.path };
  }
  if (isTradekitError(e)) return { code: e.code, message: e.message, path: e.path, plugin: e.plugin };
  return { code: 'TK_ERR_CLUSTER_JOB', message: e instanceof Error ? e.message : String(e) };
}
