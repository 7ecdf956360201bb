/**
 * The account card's figures (day P&L, drawdown, high-water mark) from a run's account updates.
 * Shared by the server (its snapshot) and the web UI (live updates after the snapshot), so a value
 * reads the same whichever path delivered it.
 */
import type { Account } from '@tradekit/core';
import type { AccountView } from './api-types.js';

const DAY = 86_400_000;

/** What the figures are derived from (kept exact; the view is rounded to cents). */
export interface AccountTrack {
  peak: number;
  maxDd: number;
  /** UTC day index of the current day and the equity it started with. */
  dayIndex: number;
  dayStart: number;
  lastEquity?: number;
}

export const NEW_ACCOUNT_TRACK: AccountTrack = Object.freeze({ peak: 0, maxDd: 0, dayIndex: Number.NaN, dayStart: 0 });

/** The track a client continues from after a snapshot's view (the server's exact day start is not sent). */
export function trackOfView(v: AccountView): AccountTrack {
  return { peak: v.peakEquity, maxDd: v.maxDrawdownPct, dayIndex: Math.floor(v.time / DAY), dayStart: v.equity - v.dayProfit, lastEquity: v.equity };
}

/** The next track and view for an account update at `time`. */
export function nextAccount(t: AccountTrack, a: Account, time: number): { track: AccountTrack; view: AccountView } {
  const dayIndex = Math.floor(time / DAY);
  const dayStart = dayIndex !== t.dayIndex ? (t.lastEquity ?? a.equity) : t.dayStart;
  const peak = Math.max(t.peak, a.equity);
  const dd = peak > 0 ? ((peak - a.equity) / peak) * 100 : 0;
  const maxDd = Math.max(t.maxDd, dd);
  return {
    track: { peak, maxDd, dayIndex, dayStart, lastEquity: a.equity },
    view: { ...a, dayProfit: cents(a.equity - dayStart), drawdownPct: cents(dd), maxDrawdownPct: cents(maxDd), peakEquity: peak, time },
  };
}

function cents(v: number): number {
  return Math.round(v * 100) / 100;
}
