/**
 * Where every model call is kept: the LLM calls table (`tk_llm_calls`), keyed by the inputs hash and
 * the simulated time. Replays read it back; the dashboard and `tradekit` users read it to see each
 * decision with its prompt and answer.
 */
import type { LlmCallRecord } from '../types.js';

export interface LlmCallQuery {
  run?: string;
  plugin?: string;
  kind?: string;
  subject?: string;
  limit?: number;
}

export interface LlmRecordStore {
  /** The latest record for `key` (any outcome: a replay repeats a recorded failure too). */
  get(key: string): Promise<LlmCallRecord | undefined>;
  put(rec: LlmCallRecord): Promise<void>;
  /** Newest first. */
  list(q?: LlmCallQuery): Promise<LlmCallRecord[]>;
  close(): Promise<void>;
}

/** In-process only (tests, `store: memory:`): nothing survives the process. */
export class MemoryLlmStore implements LlmRecordStore {
  readonly rows: LlmCallRecord[] = [];
  private readonly byKey = new Map<string, LlmCallRecord>();

  async get(key: string): Promise<LlmCallRecord | undefined> {
    return this.byKey.get(key);
  }

  async put(rec: LlmCallRecord): Promise<void> {
    const copy = structuredClone(rec);
    this.rows.push(copy);
    this.byKey.set(rec.key, copy);
  }

  async list(q: LlmCallQuery = {}): Promise<LlmCallRecord[]> {
    const out = this.rows
      .filter(
        (r) =>
          (q.run === undefined || r.run === q.run) &&
          (q.plugin === undefined || r.plugin === q.plugin) &&
          (q.kind === undefined || r.kind === q.kind) &&
          (q.subject === undefined || r.subject === q.subject),
      )
      .reverse();
    return q.limit ? out.slice(0, q.limit) : out;
  }

  async close(): Promise<void> {}
}

/**
 * What each LLM plugin registers in the run's container under LLM_CALLS_TOKEN: its calls of this run,
 * newest first (the dashboard's journal view reads them; it needs no dependency on this package).
 */
export interface LlmCallsView {
  readonly plugin: string;
  list(q?: { kind?: string; limit?: number }): Promise<LlmCallRecord[]>;
}

/** A string token: hosts resolve it without importing @tradekit/llm. */
export const LLM_CALLS_TOKEN = 'tradekit:llm-calls';
