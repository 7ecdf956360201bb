/**
 * A driver that cannot reach Redis reports the same error every few hundred milliseconds: log each
 * distinct message at most once per `everyMs` (monotonic time, not the wall clock).
 */
import { performance } from 'node:perf_hooks';

export function throttled(everyMs: number): (message: string) => boolean {
  const last = new Map<string, number>();
  return (message) => {
    const now = performance.now();
    const at = last.get(message);
    if (at !== undefined && now - at < everyMs) return false;
    last.set(message, now);
    if (last.size > 100) last.delete(last.keys().next().value as string);
    return true;
  };
}
