/** @tradekit/cluster public API. Anything not exported here may change without notice. */
export { ClusterErrorCodes, clusterError, type ClusterErrorCode } from './errors.js';
export { checkRedisUrl, connect, redactUrl } from './redis.js';
