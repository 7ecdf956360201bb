/** Trading sessions as UTC hour windows (fractional hours allowed: 13.5 = 13:30). */
export interface Session {
  name: string;
  /** Start hour UTC, inclusive. */
  start: number;
  /** End hour UTC, exclusive. May be below `start` for a window that wraps midnight. */
  end: number;
}

/** The seed's TRADE_SESSIONS. */
export const SEED_SESSIONS: readonly Session[] = Object.freeze([
  { name: 'london', start: 7, end: 11 },
  { name: 'ny', start: 13, end: 17 },
  { name: 'overlap', start: 13, end: 16 },
]);

export function utcHour(t: number): number {
  const d = new Date(t);
  return d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
}

/** The session `t` falls in, or undefined. */
export function sessionAt(t: number, sessions: readonly Session[]): Session | undefined {
  const h = utcHour(t);
  for (const s of sessions) {
    if (s.start <= s.end ? h >= s.start && h < s.end : h >= s.start || h < s.end) return s;
  }
  return undefined;
}
