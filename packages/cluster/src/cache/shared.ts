/**
 * What the runs of one process share for the Redis cache: one connection per URL (reference-counted:
 * fifty runs in one `tradekit serve` are one connection, not fifty) and the fetches in flight, so
 * runs of one process asking for the same window make one request to Redis and at most one to the
 * source. The cache's connection never queues commands while Redis is away: a command fails at once
 * (or after `commandTimeout`) and the run reads its source directly.
 */
import type { Redis } from 'ioredis';
import { connect } from '../redis.js';

interface Shared {
  redis: Redis;
  refs: number;
}

const connections = new Map<string, Shared>();

/** Fetches in flight in this process, by URL + window key. */
export const inFlight = new Map<string, Promise<unknown>>();

export function acquireConnection(url: string): Redis {
  let s = connections.get(url);
  if (!s) {
    const redis = connect(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, connectTimeout: 5_000 });
    s = { redis, refs: 0 };
    connections.set(url, s);
  }
  s.refs++;
  return s.redis;
}

export async function releaseConnection(url: string): Promise<void> {
  const s = connections.get(url);
  if (!s || --s.refs > 0) return;
  connections.delete(url);
  await s.redis.quit().catch(() => s.redis.disconnect());
}
