/** @tradekit/cluster public API. Anything not exported here may change without notice. */
export { ClusterErrorCodes, clusterError, type ClusterErrorCode } from './errors.js';
export { checkRedisUrl, connect } from './redis.js';
export { PREFIX, RUNS_QUEUE, JOBS_QUEUE, keys, keysOf, type ClusterKeys } from './names.js';
export { RedisEventSink, EventFollower, STREAM_MAX_LEN } from './event-stream.js';
export { startRunsWorker, type RunsWorkerOptions, type StartedPart } from './run-worker.js';
export { ClusterRunner, type ClusterRunnerOptions } from './cluster-runner.js';
export type { RunView, RunJobData, ControlAction, ControlRequest, ControlAck, LifecycleMessage, LifecycleStatus, RunQuery } from './run-job.js';
