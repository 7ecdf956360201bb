/** `@tradekit/core/cache`: a TTL cache in front of the run's DataSource (see data/ttl-cache.ts). */
import { definePlugin } from '../plugin.js';
import { TtlCache } from '../data/ttl-cache.js';
import { DataSourceToken } from '../tokens.js';
import { CORE_VERSION } from '../version.js';

export interface CachePluginConfig {
  ttlSeconds: number;
  tickTtlMs: number;
  maxEntries: number;
}

export default definePlugin<CachePluginConfig>({
  name: '@tradekit/core/cache',
  version: CORE_VERSION,
  description: 'TTL data cache: keyed by symbol+timeframe+count, in-flight de-duplication, LRU bound, hit/miss counters',
  provides: ['data', 'hook'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ttlSeconds: { type: 'number', exclusiveMinimum: 0, default: 60 },
      tickTtlMs: { type: 'number', minimum: 0, default: 0 },
      maxEntries: { type: 'integer', minimum: 1, default: 512 },
    },
  },
  setup(ctx, c) {
    const inner = ctx.resolve(DataSourceToken);
    const cache = new TtlCache(inner, ctx.clock, { ttlMs: c.ttlSeconds * 1000, tickTtlMs: c.tickTtlMs, maxEntries: c.maxEntries });
    ctx.setDataSource(cache);
    ctx.onClose(() => ctx.log.debug(cache.stats(), 'data cache'));
  },
});
