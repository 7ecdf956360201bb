/**
 * Recording a job's result exactly once. One Lua script, atomic in Redis: `HSETNX` on the sweep's
 * results hash (the first result for a combination wins), a duplicate (a job that ran twice after a
 * stall, or an idempotent re-run) only increments `duplicates` in the sweep's meta, both keys get the
 * sweep's TTL again, and the combination index is published for whoever waits (progress without
 * polling; a missed message costs nothing, the waiter also counts the hash).
 */
import type { Redis } from 'ioredis';
import { sweepKeys } from './names.js';

const RECORD_LUA = `
local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
if added == 0 then redis.call('HINCRBY', KEYS[2], 'duplicates', 1) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if added == 1 then redis.call('PUBLISH', KEYS[3], ARGV[1]) end
return added
`;

type WithRecord = Redis & { tkRecordResult(results: string, meta: string, channel: string, field: string, value: string, ttl: number): Promise<number> };

function withRecord(redis: Redis): WithRecord {
  const r = redis as WithRecord;
  if (typeof r.tkRecordResult !== 'function') redis.defineCommand('tkRecordResult', { numberOfKeys: 3, lua: RECORD_LUA });
  return r;
}

/** True when this was the first result for the combination, false for a duplicate (ignored). */
export async function recordResult(redis: Redis, sweep: string, index: number, encoded: string, ttlSeconds: number): Promise<boolean> {
  const k = sweepKeys(sweep);
  const added = await withRecord(redis).tkRecordResult(k.results, k.meta, k.done, String(index), encoded, Math.max(1, Math.round(ttlSeconds)));
  return added === 1;
}
