/**
 * Every status string a cycle leaves for people to read: a symbol's scanner cell (`SymbolScan.status`,
 * `CycleSummary.symbols`), the cycle's gate reason (`CycleSummary.gated`) and an execution's veto
 * (`ExecutionRecord.veto`). Written here once; the engine builds them with these, tests assert through
 * them. The dashboard classifies a status by its leading words (FILLED/PLACED, CANDIDATE, Error,
 * Unknown outcome, then keywords such as halted, reducing, block), so keep those words when editing.
 */
import type { ExecutionRecord, Side } from '../types.js';

export const STATUS = Object.freeze({
  /** A symbol scanned with no candidate, no error and no skip reason. */
  noSetup: 'No Setup',
  /** The built-in `gate` tap's reasons (every symbol of the cycle shows it). */
  haltedGate: 'Halted (trading paused)',
  reducingGate: 'Reducing (no new entries)',
  /** The pre-trade check every order passes: the state changed after the gate (e.g. by a plugin or the API). */
  haltedVeto: 'Trading halted',
  reducingVeto: 'Reducing: no new entries',
  /** No risk policy sized the order and the candidate gave no volume. */
  noSizeVeto: 'No size: add a risk policy or give the candidate a volume',
});

/** A symbol with a candidate not (yet) executed: "CANDIDATE (BUY)". */
export function candidateStatus(side: Side): string {
  return side === 'buy' ? CANDIDATE_BUY : side === 'sell' ? CANDIDATE_SELL : `CANDIDATE (${(side as string).toUpperCase()})`;
}
const CANDIDATE_BUY = 'CANDIDATE (BUY)';
const CANDIDATE_SELL = 'CANDIDATE (SELL)';

/** A symbol whose scan failed: the first error's message. */
export function scanErrorStatus(message: string): string {
  return `Error: ${message}`;
}

/** A symbol whose order a veto stopped (research, beforeExecute, the pre-trade check). */
export function execBlockStatus(veto: string): string {
  return `Exec Block: ${veto}`;
}

/** The veto for a size that is not a positive finite number (other than "no size at all"). */
export function sizeVeto(volume: number): string {
  return `Size ${volume}: nothing to trade`;
}

/** The veto when the write guard blocks orders (`why` is the guard's reason). */
export function notSentVeto(why: string): string {
  return `Not sent: ${why}`;
}

/** The veto when the journal could not record the order before it was sent. */
export function journalFailedVeto(code: string): string {
  return notSentVeto(`the journal could not record it (${code})`);
}

/**
 * What a tap that threw or timed out yields in the hooks that fail closed: a gate reason (the cycle
 * places nothing), a beforeScan skip reason (the symbol is not scanned), a beforeExecute veto.
 */
export function tapFailedStatus(plugin: string, hook: 'gate' | 'beforeScan' | 'beforeExecute', code: string): string {
  return `Error: ${plugin} failed in ${hook} (${code})`;
}

/** The veto of a `research` tap that threw or timed out (the candidate is dropped). */
export function researchFailedVeto(plugin: string, code: string): string {
  return `Research error: ${plugin} (${code})`;
}

/** A symbol's status after the engine tried its candidate. */
export function executionStatus(rec: ExecutionRecord): string {
  const side = rec.candidate.side.toUpperCase();
  if (rec.veto) return execBlockStatus(rec.veto);
  const r = rec.result;
  if (!r) return candidateStatus(rec.candidate.side);
  switch (r.status) {
    case 'filled':
      return `FILLED (${side} ${r.volume} @ ${r.price})`;
    case 'placed':
      return `PLACED (${side} ${r.type.toUpperCase()} ${r.volume} @ ${r.price})`;
    case 'rejected':
      return `Rejected: ${r.reason}`;
    default:
      return `Unknown outcome (${side}): reconciling`;
  }
}
