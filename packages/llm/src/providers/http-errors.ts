/** HTTP outcomes → classified errors: 429 (with retry-after), 5xx and network are retryable, the rest not. */
import { LiveClock, type TradekitError } from '@tradekit/core';
import { llmError } from '../errors.js';

/** `retry-after-ms` (OpenAI), `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
/** An HTTP date in `retry-after` is wall-clock time (the network's, not the run's simulated time). */
const WALL = new LiveClock();

export function retryAfterMs(get: (name: string) => string | null | undefined): number | undefined {
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = get('retry-after');
  if (!ra) return undefined;
  const s = Number(ra);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(ra); // an HTTP date: the wait is wall-clock time, as the network's
  return Number.isFinite(at) ? Math.max(0, at - WALL.now()) : undefined;
}

export function httpError(provider: string, status: number, body: string, headers?: (name: string) => string | null | undefined): TradekitError {
  const what = `${provider}: HTTP ${status}${body ? ` ${body.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
  if (status === 429)
    return llmError('TK_ERR_LLM_RATE_LIMITED', `${what}: rate limited`, {
      classification: 'retryable',
      retryAfterMs: headers ? retryAfterMs(headers) : undefined,
      details: { status },
    });
  if (status >= 500 || status === 408) return llmError('TK_ERR_LLM_PROVIDER', `${what}: server error`, { classification: 'retryable', details: { status } });
  return llmError('TK_ERR_LLM_PROVIDER', `${what}: check the model name, baseURL and key`, { classification: 'nonRetryable', details: { status } });
}

export function networkError(provider: string, e: unknown): TradekitError {
  return llmError('TK_ERR_LLM_PROVIDER', `${provider}: network error (${(e as Error)?.message ?? String(e)})`, { classification: 'retryable', cause: e });
}
