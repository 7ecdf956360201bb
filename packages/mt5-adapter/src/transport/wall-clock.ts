/**
 * Wall time for transport concerns only (deadlines, heartbeats, reconnect back-off, the client rate
 * limiter): a broker's limits and a socket's silence are measured in real time, even while a replay
 * runs on simulated time. Injectable so tests can drive it.
 */
import { performance } from 'node:perf_hooks';

export interface WallTimer {
  /** Monotonic ms. */
  now(): number;
  /** Wall-clock UTC ms (only for log lines and the bridge's `utc_ms`). */
  utc(): number;
  setTimeout(fn: () => void, ms: number): { clear(): void };
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemTimer: WallTimer = {
  now: () => performance.now(),
  utc: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { clear: () => clearTimeout(t) };
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(t);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
