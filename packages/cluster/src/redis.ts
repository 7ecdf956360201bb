/**
 * Redis connections from a `redis://` URL. BullMQ needs `maxRetriesPerRequest: null` on the
 * connections it blocks on; the password never appears in a message (`redactUrl`, `redactorFor`).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { createRedactor, redactUrl, type Redactor } from '@tradekit/core';
import { clusterError } from './errors.js';

export function checkRedisUrl(url: string): string {
  const u = url.trim();
  if (!/^rediss?:\/\//.test(u)) throw clusterError('TK_ERR_CLUSTER_URL', `queue URL "${redactUrl(u)}" is not redis://host:port (or rediss:// for TLS)`);
  return u;
}

/** The URL with its password hidden (core's, re-exported for the cluster's users). */
export { redactUrl };

/** Replaces the URL's password (raw and percent-decoded) in any text: for error messages from the driver. */
export function redactorFor(url: string): Redactor {
  const m = /^\w+:\/\/[^:/@]*:([^@/]*)@/.exec(url);
  if (!m?.[1]) return (s) => s;
  let decoded = m[1];
  try {
    decoded = decodeURIComponent(m[1]);
  } catch {
    /* keep the raw form */
  }
  return createRedactor([m[1], decoded]);
}

/**
 * A connection. An `error` listener is always attached (ioredis prints unhandled ones to the console,
 * which could carry connection details); callers add their own to log, through `redactorFor`.
 */
export function connect(url: string, opts: RedisOptions = {}): Redis {
  const r = new Redis(checkRedisUrl(url), { maxRetriesPerRequest: null, lazyConnect: false, ...opts });
  r.on('error', () => undefined);
  return r;
}

/**
 * Waits until Redis answers a PING, at most `timeoutMs`; otherwise TK_ERR_CLUSTER_REDIS naming the
 * redacted URL and the driver's last error. Commands sent before that would wait (the offline queue).
 */
export async function ensureReachable(redis: Redis, url: string, timeoutMs = 5_000): Promise<void> {
  let last: Error | undefined;
  const onError = (e: Error) => (last = e);
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    const why = redactorFor(url)((last ?? (e as Error)).message);
    throw clusterError('TK_ERR_CLUSTER_REDIS', `Redis at ${redactUrl(url)} is unreachable: ${why}`, { cause: new Error(why) });
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}
