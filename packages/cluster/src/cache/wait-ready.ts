/** True once the connection is ready, false if it is not within `ms` (it keeps reconnecting). */
import type { Redis } from 'ioredis';

export function waitReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(t);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const t = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}
