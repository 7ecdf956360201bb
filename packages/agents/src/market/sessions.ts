/** Trading sessions as UTC hour windows (fractional hours allowed: 13.5 = 13:30). */
export interface Session {
  name: string;
  /** Start hour UTC, inclusive. */
  start: number;
  /** End hour UTC, exclusive. May be below `start` for a window that wraps midnight. */
  end: number;
}

/**
 * The default trading sessions (UTC): London 7–11, New York 13–17, their overlap 13–16 — the original's
 * TRADE_SESSIONS, and the values of the risk plugin's `tradeSessions` default.
 */
export const DEFAULT_TRADE_SESSIONS: readonly Session[] = Object.freeze([
  { name: 'london', start: 7, end: 11 },
  { name: 'ny', start: 13, end: 17 },
  { name: 'overlap', start: 13, end: 16 },
]);

/** @deprecated Use `DEFAULT_TRADE_SESSIONS` (the same object; "seed" was the old name of the original bot). */
export const SEED_SESSIONS: readonly Session[] = DEFAULT_TRADE_SESSIONS;

const DAY_MS = 86_400_000;

/** Hours since UTC midnight, to the second (the same value as from a Date's UTC fields, without one). */
export function utcHour(t: number): number {
  const ms = ((t % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(ms / 3_600_000) + Math.floor((ms % 3_600_000) / 60_000) / 60 + Math.floor((ms % 60_000) / 1000) / 3600;
}

/** The UTC hour (0-23) of `t`, as `new Date(t).getUTCHours()`. */
export function utcHourOfDay(t: number): number {
  return Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000);
}

/** The session `t` falls in, or undefined. */
export function sessionAt(t: number, sessions: readonly Session[]): Session | undefined {
  const h = utcHour(t);
  for (const s of sessions) {
    if (s.start <= s.end ? h >= s.start && h < s.end : h >= s.start || h < s.end) return s;
  }
  return undefined;
}
