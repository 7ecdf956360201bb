/** @tradekit/cluster public API. Anything not exported here may change without notice. */
export { ClusterErrorCodes, clusterError, type ClusterErrorCode } from './errors.js';
export { checkRedisUrl, connect, ensureReachable, redactUrl, redactorFor } from './redis.js';
export { CLUSTER_VERSION } from './version.js';
export type { WorkerPart } from './part.js';

export { JOBS_QUEUE, QUEUE_PREFIX, combinationJobId, sweepKeys } from './jobs/names.js';
export { STALL_DEFAULTS, RESULTS_TTL_SECONDS, type StallSettings } from './jobs/settings.js';
export { startJobsWorker, type JobsWorker, type JobsWorkerOptions } from './jobs/jobs-worker.js';
export type { BacktestBase, BacktestJobData, CombinationPerf, CombinationResult, JobData, JobError, NoopJobData } from './jobs/types.js';

export { SweepQueue, type SweepMeta } from './sweep/sweep-queue.js';
export { waitForSweep, type WaitOptions } from './sweep/wait.js';
export { SWEEP_ID_PATTERN, backtestJobs, newSweepId, sweepFingerprint } from './sweep/plan.js';

export { RedisBarCache, type RedisBarCacheOptions, type RedisCacheStats } from './cache/redis-bar-cache.js';

export { PREFIX, RUNS_QUEUE, keys, keysOf, type ClusterKeys } from './names.js';
export { RedisEventSink, EventFollower, STREAM_MAX_LEN } from './event-stream.js';
export { startRunsWorker, type RunsWorkerOptions } from './run-worker.js';
export { ClusterRunner, type ClusterRunnerOptions } from './cluster-runner.js';
export type { RunView, RunJobData, ControlAction, ControlRequest, ControlAck, LifecycleMessage, LifecycleStatus, RunQuery } from './run-job.js';
