/**
 * Classifies a symbol's scan status string for the scanner grid. Shared by the API (`/scan` returns the
 * kind) and the web UI. The original matched substrings in the wrong order, so "CANDIDATE (BUY)" fell
 * through to SKIP; here candidates, placements and fills are signals, checked first.
 */
export type ScanKind = 'signal' | 'filled' | 'blocked' | 'news' | 'spread' | 'session' | 'lowvol' | 'error' | 'skip' | 'idle';

const RULES: [ScanKind, RegExp][] = [
  ['filled', /^(FILLED|PLACED)\b/i],
  ['signal', /^(CANDIDATE|SIGNAL)\b/i],
  ['error', /^(Error|Unknown outcome)\b/i],
  ['news', /\bnews\b/i],
  ['spread', /\bspread\b/i],
  ['session', /\b(inactive|off[- ]?session|session|market closed|weekend)\b/i],
  ['lowvol', /\b(too dead|low vol|volatility|atr too)\b/i],
  ['blocked', /\b(block|halted|reducing|rejected|cooldown|limit|kill|breaker|exec)\b/i],
];

export function classifyStatus(status: string | undefined): ScanKind {
  if (!status) return 'idle';
  for (const [kind, re] of RULES) if (re.test(status)) return kind;
  return 'skip';
}
