/**
 * Label values with bounded cardinality: every label is one of a fixed set, or an error code (a
 * `TK_ERR_*` identifier) from a capped set. Free-form text (a gate's reason, a broker's message) is
 * classified, never used as a label.
 */
import type { RejectedResult } from '../types.js';

export type RejectClass = 'retryable' | 'non_retryable' | 'fatal';

/** Codes that are fatal whatever the broker says about retrying: the run cannot write any more. */
const FATAL_CODES: ReadonlySet<string> = new Set(['TK_ERR_RUN_FENCED', 'TK_ERR_MT5_AUTOTRADING_DISABLED']);

/** retryable / non_retryable / fatal: the broker's own class when it gives one (an MT5 retcode's), else the result's `retryable`. */
export function rejectClass(r: Pick<RejectedResult, 'code' | 'retryable' | 'errorClass'>): RejectClass {
  if (r.errorClass === 'fatal' || FATAL_CODES.has(r.code)) return 'fatal';
  if (r.errorClass === 'retryable') return 'retryable';
  if (r.errorClass === 'nonRetryable') return 'non_retryable';
  return r.retryable ? 'retryable' : 'non_retryable';
}

/**
 * Which breaker closed the cycle gate, from its reason (the built-in trading-state gate, the risk
 * manager's `Risk Block: …` reasons, a failed gate tap); anything else is `other`.
 */
const BREAKERS: readonly [RegExp, string][] = [
  [/^Halted\b/, 'halted'],
  [/^Risk Block: Circuit Breaker\b/, 'circuit_breaker'],
  [/^Risk Block: Daily loss limit\b/, 'daily_loss'],
  [/^Risk Block: Daily trade limit\b/, 'daily_trades'],
  [/^Risk Block: Kill switch\b/, 'kill_switch'],
  [/^Risk Block: Max open positions\b/, 'max_open'],
  [/^Risk Block: Payoff mandate\b/, 'payoff'],
  [/^Risk Block: Outside trading sessions\b/, 'session'],
  [/^Risk Block: Min trade interval\b/, 'interval'],
  [/^Error: /, 'gate_error'],
];

export const BREAKER_LABELS: readonly string[] = [...BREAKERS.map(([, b]) => b), 'other'];

export function breakerOf(gated: string): string {
  for (const [re, name] of BREAKERS) if (re.test(gated)) return name;
  return 'other';
}

/** Error codes as label values: `TK_ERR_*` identifiers, at most `max` distinct ones, then `other`. */
export class CodeLabels {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 64) {}

  of(code: string | undefined): string {
    if (!code || !/^TK_ERR_[A-Z0-9_]{1,60}$/.test(code)) return 'other';
    if (this.seen.has(code)) return code;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(code);
    return code;
  }
}

/** A run id as a label value: the id (a config's `run.name`, `name@session` for replays), at most 128 characters. */
export function runLabel(id: string): string {
  return id.length > 128 ? id.slice(0, 128) : id;
}
