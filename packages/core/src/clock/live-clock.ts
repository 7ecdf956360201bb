import type { Clock } from '../interfaces.js';
import { TradekitError } from '../errors.js';

/** Wall-clock time. The one place engine-facing code may read the system clock. */
export class LiveClock implements Clock {
  readonly kind = 'live' as const;

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return abortableDelay(ms, signal);
  }
}

export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): TradekitError {
  return new TradekitError('TK_ERR_RUN_ABORTED', 'the run was stopped', { cause: signal.reason });
}
