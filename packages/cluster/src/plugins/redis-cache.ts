/**
 * `@tradekit/cluster/redis-cache`: shares the run's bar windows with every other process on the same
 * Redis (cache/redis-bar-cache.ts). Put it in `plugins:`; it wraps whatever `data:` registered.
 * Under a simulated clock (backtests, replays) it does nothing: the window depends on the simulated
 * time, and core's in-process cache already serves those.
 */
import { DataSourceToken, definePlugin } from '@tradekit/core';
import { RedisBarCache } from '../cache/redis-bar-cache.js';
import { acquireConnection, releaseConnection } from '../cache/shared.js';
import { waitReady } from '../cache/wait-ready.js';
import { checkRedisUrl, redactUrl } from '../redis.js';
import { CLUSTER_VERSION } from '../version.js';

export interface RedisCachePluginConfig {
  url: string;
  source: string;
  ttlSeconds: number;
  lockSeconds: number;
  maxBytes: number;
  prefix: string;
}

export default definePlugin<RedisCachePluginConfig>({
  name: '@tradekit/cluster/redis-cache',
  version: CLUSTER_VERSION,
  description:
    'bar windows shared across processes in Redis: one source fetch per symbol, timeframe and query per TTL; single flight with a lock; binary columns',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['data'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'source'],
    properties: {
      url: { type: 'string', pattern: '^rediss?://' },
      source: { type: 'string', minLength: 1, maxLength: 200 },
      ttlSeconds: { type: 'number', exclusiveMinimum: 0, default: 60 },
      lockSeconds: { type: 'number', exclusiveMinimum: 0, default: 10 },
      maxBytes: { type: 'integer', minimum: 1024, default: 8 * 1024 * 1024 },
      prefix: { type: 'string', minLength: 1, pattern: '^[^{}]+$', default: 'tradekit:mdc' },
    },
  },
  async setup(ctx, c) {
    if (ctx.clock.kind !== 'live') {
      ctx.log.debug({ plugin: ctx.plugin.name }, 'redis-cache: simulated clock, the data source is used as it is');
      return;
    }
    const url = checkRedisUrl(c.url);
    const redis = acquireConnection(url);
    const inner = ctx.resolve(DataSourceToken);
    const cache = new RedisBarCache(inner, ctx.clock, redis, {
      url,
      source: c.source,
      ttlMs: c.ttlSeconds * 1000,
      lockMs: c.lockSeconds * 1000,
      maxBytes: c.maxBytes,
      prefix: c.prefix,
      log: ctx.log,
    });
    ctx.setDataSource(cache);
    ctx.onClose(async () => {
      ctx.log.debug(cache.stats(), 'redis-cache');
      await releaseConnection(url);
    });
    if (!(await waitReady(redis, 5_000))) {
      ctx.log.warn(
        { code: 'TK_ERR_CLUSTER_CACHE' },
        `redis-cache: Redis at ${redactUrl(url)} does not answer yet; the run reads its source directly until it does`,
      );
    }
  },
});
