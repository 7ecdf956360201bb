/**
 * Redis connections from a `redis://` URL. BullMQ needs `maxRetriesPerRequest: null` on the
 * connections it blocks on; the password never appears in a message (`redactUrl`).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '@tradekit/core';
import { clusterError } from './errors.js';

export function checkRedisUrl(url: string): string {
  const u = url.trim();
  if (!/^rediss?:\/\//.test(u)) throw clusterError('TK_ERR_CLUSTER_URL', `queue URL "${redactUrl(u)}" is not redis://host:port (or rediss:// for TLS)`);
  return u;
}


export function connect(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(checkRedisUrl(url), { maxRetriesPerRequest: null, lazyConnect: false, ...opts });
}
