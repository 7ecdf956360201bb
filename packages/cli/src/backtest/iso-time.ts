/**
 * ISO 8601 UTC times for the output files, exactly as `Date.prototype.toISOString` prints them, without
 * a Date per call: the date part is computed once per day, the time of day from integer arithmetic.
 * Tens of thousands of trade times (two per trade) are most of the cost of writing trades.csv/json.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on toISOString prints six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** A formatter with its own one-day cache (one per file being written). */
export function isoFormatter(): (ms: number) => string {
  let day = -1;
  let prefix = '';
  return (ms: number): string => {
    // What a Date holds: the time truncated to whole milliseconds. Anything unusual (before 1970, past
    // year 9999, not a number) goes through Date itself, which prints (or throws) as it always did.
    const t = Math.trunc(ms);
    if (!(t >= 0 && t < YEAR_10000_MS)) return new Date(ms).toISOString();
    const d = Math.floor(t / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11);
    }
    let r = t - d * DAY_MS;
    const h = Math.floor(r / 3_600_000);
    r -= h * 3_600_000;
    const m = Math.floor(r / 60_000);
    r -= m * 60_000;
    const s = Math.floor(r / 1000);
    return `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
  };
}
