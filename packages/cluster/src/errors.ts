/**
 * `@tradekit/cluster`'s error codes: the queue, the workers, the shared cache. A run's own failures
 * keep core's codes (TK_ERR_RUN_LOCKED, TK_ERR_STATE_IO…).
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const ClusterErrorCodes = {
  TK_ERR_CLUSTER_URL: 'the queue URL is not a redis:// or rediss:// URL',
  TK_ERR_CLUSTER_REDIS: 'Redis is unreachable or failed',
  TK_ERR_CLUSTER_JOB: 'a queued job failed (stalled too often, its worker thread died, or it could not be processed)',
  TK_ERR_CLUSTER_SWEEP: 'a sweep id names a sweep started with a different config, grid or options',
  TK_ERR_CLUSTER_CACHE: 'the shared market-data cache failed (the run reads its source directly meanwhile)',
  TK_ERR_CLUSTER_CONTROL: 'the worker holding the run did not answer a control request',
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    cluster: keyof typeof ClusterErrorCodes;
    /** Codes of the HTTP API (@tradekit/dashboard, not a dependency of this package) that the cluster runner raises on the API's behalf. */
    clusterApi: 'TK_ERR_API_RUN_STATE' | 'TK_ERR_API_UNAVAILABLE';
  }
}

export type ClusterErrorCode = keyof typeof ClusterErrorCodes;

export function clusterError(code: ClusterErrorCode, message: string, opts: TradekitErrorOptions = {}): TradekitError {
  return new TradekitError(code, message, opts);
}
