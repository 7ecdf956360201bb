/**
 * ISO 8601 UTC times for the output files, exactly as `Date.prototype.toISOString` prints them, without
 * a Date per call: integer arithmetic for the calendar day (H. Hinnant's civil-from-days) and the time
 * of day. Trade and equity times (tens of thousands per file) were most of the cost of writing them.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on toISOString prints six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** `YYYY-MM-DDT` of a day number (days since 1970-01-01, ≥ 0). */
function datePrefix(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${PAD2[month]}-${PAD2[day]}T`;
}

/** A formatter with its own small cache (one per file being written): the last day and the last time. */
export function isoFormatter(): (ms: number) => string {
  let day = -1;
  let prefix = '';
  let lastMs = Number.NaN;
  let last = '';
  return (ms: number): string => {
    // A trade's exit is often the next one's entry.
    if (ms === lastMs) return last;
    // What a Date holds: the time truncated to whole milliseconds. Anything unusual (before 1970, past
    // year 9999, not a number) goes through Date itself, which prints (or throws) as it always did.
    const t = Math.trunc(ms);
    if (!(t >= 0 && t < YEAR_10000_MS)) return new Date(ms).toISOString();
    const d = Math.floor(t / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = datePrefix(d);
    }
    let r = t - d * DAY_MS;
    const h = Math.floor(r / 3_600_000);
    r -= h * 3_600_000;
    const m = Math.floor(r / 60_000);
    r -= m * 60_000;
    const s = Math.floor(r / 1000);
    lastMs = ms;
    last = `${prefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
    return last;
  };
}
