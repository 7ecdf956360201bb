/**
 * Broker server time and trading sessions. The simulator keeps time as UTC ms and presents it the way
 * MT5 does: server time (GMT+2, GMT+3 while New York is on daylight time, by default) written as if
 * it were UTC. Markets close for the weekend from Friday 23:59 to Monday 00:00 server time, plus an
 * optional daily break per symbol.
 */
import type { ServerClock } from '../mt5/server-clock.js';

export { ServerClock, DEFAULT_SERVER_TIME } from '../mt5/server-clock.js';

/** True when the symbol trades at this UTC instant (weekend and daily break in server time; `weekends`: trades through them, like crypto). */
export function sessionOpen(clock: ServerClock, utcMs: number, dailyBreak?: [number, number], weekends = false): boolean {
  const s = new Date(clock.toServerMs(utcMs));
  const day = s.getUTCDay();
  const minute = s.getUTCHours() * 60 + s.getUTCMinutes();
  if (!weekends && (day === 6 || day === 0)) return false;
  if (!weekends && day === 5 && minute >= 23 * 60 + 59) return false;
  if (dailyBreak) {
    const [a, b] = dailyBreak;
    if (a <= b ? minute >= a && minute < b : minute >= a || minute < b) return false;
  }
  return true;
}

/** The next UTC instant ≥ t at which the session is open (scans forward minute by minute, at most 4 days). */
export function nextOpen(clock: ServerClock, utcMs: number, dailyBreak?: [number, number], weekends = false): number {
  if (sessionOpen(clock, utcMs, dailyBreak, weekends)) return utcMs;
  let t = Math.ceil(utcMs / 60_000) * 60_000;
  for (let i = 0; i < 4 * 24 * 60; i++, t += 60_000) if (sessionOpen(clock, t, dailyBreak, weekends)) return t;
  return t;
}
