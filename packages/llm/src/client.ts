/**
 * The LlmClient: one place where a model is asked, with every limit applied in the same order:
 *   cache (same inputs and time → the same outcome, failures included, so a run never contradicts
 *   itself) → replay (recorded answer or TK_ERR_LLM_REPLAY_MISSING; never the network) → budget →
 *   concurrency limit → attempts (per-attempt timeout; retries only for retryable errors: 429 with
 *   retry-after under the cap, 5xx, network) → parse + schema check → record.
 * It never throws for a model's failure: the caller gets `{ ok: false, failure }` and applies its
 * configured fallback. It throws only for a missing replay answer when `onMissing: error`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedactor, isTradekitError, NO_REDACTION, type Clock, type Logger, type Redactor, type TradekitError } from '@tradekit/core';
import { Budget, type BudgetLimits } from './budget.js';
import { llmError } from './errors.js';
import { inputsKey } from './hash.js';
import { Limiter } from './limiter.js';
import type { LlmRecordStore } from './record/store.js';
import type { LlmCall, LlmCallRecord, LlmFailure, LlmOutcome, LlmProvider, ProviderReply } from './types.js';
import { parseReply } from './validate.js';

export type LlmMode = 'live' | 'record' | 'replay';

export interface LlmClientOptions {
  provider: LlmProvider;
  model: string;
  temperature: number;
  maxTokens: number;
  /** Per attempt, wall clock. */
  timeoutMs: number;
  /** All attempts and waits of one call together (wall clock): keep it under the engine's tapTimeoutMs. */
  totalTimeoutMs: number;
  /** Retries after the first attempt, for retryable errors only. */
  maxRetries: number;
  /** First backoff; doubles per retry. */
  retryBaseMs: number;
  /** No wait longer than this: a retry-after above it ends the call (rate_limited). */
  maxRetryDelayMs: number;
  concurrency: number;
  budget: BudgetLimits;
  cacheEntries: number;
  mode: LlmMode;
  /** Replay without a recorded answer: throw TK_ERR_LLM_REPLAY_MISSING, or fail the call (the plugin's fallback). */
  onMissing: 'error' | 'fallback';
  store: LlmRecordStore;
  clock: Clock;
  run: string;
  plugin: string;
  log: Logger;
  /** Values never written anywhere (the API key): replaced by [REDACTED] in records, values and messages. */
  secrets?: string[];
}

const FAILURE_OF: Record<string, LlmFailure> = {
  TK_ERR_LLM_TIMEOUT: 'timeout',
  TK_ERR_LLM_RATE_LIMITED: 'rate_limited',
  TK_ERR_LLM_PROVIDER: 'provider',
  TK_ERR_LLM_REPLY_INVALID: 'invalid',
  TK_ERR_LLM_BUDGET: 'budget',
  TK_ERR_LLM_REPLAY_MISSING: 'replay_missing',
  TK_ERR_LLM_STORE: 'store',
};

const CODE_OF: Record<LlmFailure, string> = Object.fromEntries(Object.entries(FAILURE_OF).map(([c, f]) => [f, c])) as Record<LlmFailure, string>;

export interface LlmStats {
  calls: number;
  attempts: number;
  cacheHits: number;
  replayed: number;
  failures: Record<string, number>;
  tokens: number;
  cost: number;
}

export class LlmClient {
  readonly budget: Budget;
  private readonly limiter: Limiter;
  private readonly cache = new Map<string, Promise<LlmOutcome<unknown>>>();
  private readonly redact: Redactor;
  private budgetWarned = false;
  readonly stats: LlmStats = { calls: 0, attempts: 0, cacheHits: 0, replayed: 0, failures: {}, tokens: 0, cost: 0 };

  constructor(readonly o: LlmClientOptions) {
    this.budget = new Budget(o.budget);
    this.limiter = new Limiter(Math.max(1, o.concurrency));
    this.redact = o.secrets?.length ? createRedactor(o.secrets) : NO_REDACTION;
  }

  get mode(): LlmMode {
    return this.o.mode;
  }

  /** The key of a call: provider, model, sampling, prompt, schema and time. */
  keyOf(call: LlmCall): string {
    const o = this.o;
    return inputsKey({
      v: 1,
      provider: o.provider.name,
      model: o.model,
      temperature: o.temperature,
      maxTokens: o.maxTokens,
      kind: call.kind,
      subject: call.subject,
      system: call.system,
      user: call.user,
      schemaName: call.schemaName,
      schema: call.schema,
      time: call.time,
    });
  }

  ask<T>(call: LlmCall): Promise<LlmOutcome<T>> {
    const key = this.keyOf(call);
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cacheHits++;
      return hit.then((r) => (r.ok ? { ...r, source: 'cache' as const } : r)) as Promise<LlmOutcome<T>>;
    }
    const p = this.compute<T>(call, key);
    this.cache.set(key, p as Promise<LlmOutcome<unknown>>);
    if (this.cache.size > this.o.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    // A thrown replay miss is not an outcome: do not keep it.
    p.catch(() => this.cache.delete(key));
    return p;
  }

  private async compute<T>(call: LlmCall, key: string): Promise<LlmOutcome<T>> {
    this.stats.calls++;
    if (this.o.mode === 'replay') return this.replay<T>(call, key);
    const spent = this.budget.exhausted();
    if (spent) {
      if (!this.budgetWarned) {
        this.budgetWarned = true;
        this.o.log.warn({ code: 'TK_ERR_LLM_BUDGET', plugin: this.o.plugin }, `LLM ${spent}: every further call takes the fallback`);
      }
      const err = llmError('TK_ERR_LLM_BUDGET', `${spent}: raise the budget or expect the fallback`);
      return this.finish<T>(call, key, this.failed(call, key, err, 0, 0, 0));
    }
    return this.limiter.run(() => this.live<T>(call, key));
  }

  private async live<T>(call: LlmCall, key: string): Promise<LlmOutcome<T>> {
    const o = this.o;
    const req = {
      model: o.model,
      messages: [
        { role: 'system' as const, content: call.system },
        { role: 'user' as const, content: call.user },
      ],
      schema: call.schema,
      schemaName: call.schemaName,
      temperature: o.temperature,
      maxTokens: o.maxTokens,
    };
    const t0 = performance.now();
    let lastErr: TradekitError | undefined;
    for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
      this.stats.attempts++;
      const ac = new AbortController();
      const left = o.totalTimeoutMs - (performance.now() - t0);
      const limit = Math.max(1, Math.min(o.timeoutMs, left));
      const timer = setTimeout(() => ac.abort(), limit);
      let reply: ProviderReply;
      try {
        reply = await o.provider.complete(req, ac.signal);
      } catch (e) {
        lastErr = ac.signal.aborted
          ? llmError(
              'TK_ERR_LLM_TIMEOUT',
              `${o.provider.name} ${o.model}: no answer within ${Math.round(limit)} ms${limit < o.timeoutMs ? ' (totalTimeoutMs reached)' : ''}`,
            )
          : asError(e);
        clearTimeout(timer);
        const wait = this.retryWait(lastErr, attempt);
        if (wait === undefined) break;
        // No retry that could not finish within the call's total time.
        if (performance.now() - t0 + wait >= o.totalTimeoutMs) {
          lastErr = llmError(lastErr.code as 'TK_ERR_LLM_PROVIDER', `${lastErr.message} (no time left for a retry within totalTimeoutMs ${o.totalTimeoutMs})`, {
            classification: lastErr.classification,
            details: lastErr.details,
          });
          break;
        }
        o.log.debug({ code: lastErr.code, attempt, waitMs: wait }, 'LLM call failed: retrying');
        await sleep(wait);
        continue;
      }
      clearTimeout(timer);
      const cost = this.budget.charge(reply.promptTokens, reply.completionTokens);
      this.stats.tokens = this.budget.tokens;
      this.stats.cost = this.budget.cost;
      const latency = performance.now() - t0;
      const text = this.redact(reply.text);
      try {
        const parsed = parseReply<T>(reply.text, call.schema);
        const value = this.redact === NO_REDACTION ? parsed : (JSON.parse(this.redact(JSON.stringify(parsed))) as T);
        const rec = this.record(call, key, {
          response: text,
          parsed: value,
          outcome: 'ok',
          promptTokens: reply.promptTokens,
          completionTokens: reply.completionTokens,
          cost,
          latencyMs: latency,
        });
        return this.finish<T>(call, key, { rec, outcome: { ok: true, value, key, source: 'live' } });
      } catch (e) {
        // An answer that does not parse is final: asking again costs more and proves nothing.
        const err = asError(e);
        const rec = this.record(call, key, {
          response: text,
          outcome: 'invalid',
          error: this.redact(err.message),
          promptTokens: reply.promptTokens,
          completionTokens: reply.completionTokens,
          cost,
          latencyMs: latency,
        });
        return this.finish<T>(call, key, { rec, outcome: this.failure(err, key) });
      }
    }
    return this.finish<T>(call, key, this.failed(call, key, lastErr!, 0, 0, performance.now() - t0));
  }

  /** The wait before the next attempt, or undefined when there is none (not retryable, retries used, retry-after over the cap). */
  private retryWait(err: TradekitError, attempt: number): number | undefined {
    const o = this.o;
    if (attempt >= o.maxRetries || err.classification !== 'retryable') return undefined;
    if (err.retryAfterMs !== undefined) return err.retryAfterMs <= o.maxRetryDelayMs ? err.retryAfterMs : undefined;
    return Math.min(o.retryBaseMs * 2 ** attempt, o.maxRetryDelayMs);
  }

  /** Replay reads the table once: key → its latest record (a query per decision would cost more than the decision). */
  private replayIndex?: Promise<Map<string, LlmCallRecord>>;

  private async replay<T>(call: LlmCall, key: string): Promise<LlmOutcome<T>> {
    let rec: LlmCallRecord | undefined;
    try {
      this.replayIndex ??= this.o.store.list({}).then((rows) => {
        const m = new Map<string, LlmCallRecord>();
        for (const r of rows) if (!m.has(r.key)) m.set(r.key, r); // newest first: the latest wins
        return m;
      });
      rec = (await this.replayIndex).get(key);
    } catch (e) {
      this.replayIndex = undefined;
      return this.failure(asError(e), key);
    }
    if (!rec) {
      const err = llmError(
        'TK_ERR_LLM_REPLAY_MISSING',
        `replay: no recorded answer for ${call.kind} ${call.subject} at ${new Date(call.time).toISOString()} (key ${key}): record this period first (--llm record) or set onMissing: fallback`,
        { details: { key, kind: call.kind, subject: call.subject, time: call.time } },
      );
      if (this.o.onMissing === 'error') throw err;
      this.countFailure('replay_missing');
      return this.failure(err, key);
    }
    this.stats.replayed++;
    if (rec.outcome === 'ok') {
      // Validated again: a table edited by hand never feeds an unchecked value into a decision.
      try {
        const value = parseReply<T>(rec.response ?? JSON.stringify(rec.parsed), call.schema);
        return { ok: true, value, key, source: 'replay' };
      } catch (e) {
        const err = asError(e);
        this.countFailure('invalid');
        return this.failure(err, key);
      }
    }
    // A recorded failure replays as the same failure: the same fallback, the same trades.
    this.countFailure(rec.outcome);
    return { ok: false, failure: rec.outcome, code: CODE_OF[rec.outcome] ?? 'TK_ERR_LLM_PROVIDER', message: rec.error ?? rec.outcome, key };
  }

  private failed(
    call: LlmCall,
    key: string,
    err: TradekitError,
    promptTokens: number,
    completionTokens: number,
    latencyMs: number,
  ): { rec: LlmCallRecord; outcome: LlmOutcome<never> } {
    const outcome = this.failure(err, key);
    const rec = this.record(call, key, {
      outcome: outcome.ok ? 'provider' : outcome.failure,
      error: this.redact(err.message),
      promptTokens,
      completionTokens,
      cost: 0,
      latencyMs,
    });
    return { rec, outcome };
  }

  private failure(err: TradekitError, key: string): LlmOutcome<never> {
    return { ok: false, failure: FAILURE_OF[err.code] ?? 'provider', code: err.code, message: this.redact(err.message), key };
  }

  private record(
    call: LlmCall,
    key: string,
    r: Pick<LlmCallRecord, 'outcome' | 'promptTokens' | 'completionTokens' | 'cost' | 'latencyMs'> & Partial<LlmCallRecord>,
  ): LlmCallRecord {
    const o = this.o;
    return {
      key,
      run: o.run,
      plugin: o.plugin,
      kind: call.kind,
      subject: call.subject,
      time: call.time,
      provider: o.provider.name,
      model: o.model,
      request: { system: this.redact(call.system), user: this.redact(call.user), schemaName: call.schemaName },
      ...r,
    };
  }

  /** Stores the record; a store that fails turns a recording into a failure (nothing to replay), a live call only warns. */
  private async finish<T>(_call: LlmCall, key: string, r: { rec: LlmCallRecord; outcome: LlmOutcome<unknown> }): Promise<LlmOutcome<T>> {
    if (!r.outcome.ok) this.countFailure(r.outcome.failure);
    try {
      await this.o.store.put(r.rec);
    } catch (e) {
      const err = asError(e);
      this.o.log.warn({ code: err.code, err: this.redact(err.message) }, 'LLM call not stored');
      if (this.o.mode === 'record') {
        this.countFailure('store');
        return this.failure(err, key);
      }
    }
    return r.outcome as LlmOutcome<T>;
  }

  private countFailure(f: string): void {
    this.stats.failures[f] = (this.stats.failures[f] ?? 0) + 1;
  }
}

function asError(e: unknown): TradekitError {
  if (isTradekitError(e)) return e;
  return llmError('TK_ERR_LLM_PROVIDER', `unexpected error: ${(e as Error)?.message ?? String(e)}`, { classification: 'nonRetryable', cause: e });
}
