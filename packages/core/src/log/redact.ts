/** Replaces every known secret value in a string. Secrets never reach logs, events or the journal. */
export type Redactor = (s: string) => string;

/** The redactor when there is nothing to redact (callers can skip the work: `redact === NO_REDACTION`). */
export const NO_REDACTION: Redactor = (s) => s;

export function createRedactor(secrets: Iterable<string>): Redactor {
  const list = [...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= 4))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return NO_REDACTION;
  const re = new RegExp(list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  // JSON-escaped forms too (a secret with a quote or backslash appears escaped inside JSON text).
  const escaped = list.map((s) => JSON.stringify(s).slice(1, -1)).filter((s, i) => s !== list[i]);
  const re2 = escaped.length ? new RegExp(escaped.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
  return (s) => {
    let out = s.replace(re, '[REDACTED]');
    if (re2) out = out.replace(re2, '[REDACTED]');
    return out;
  };
}
