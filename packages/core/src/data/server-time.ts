/**
 * MT5 bar times are the broker's server time written as if it were UTC. Most brokers run at GMT+2 and
 * move to GMT+3 when New York moves to daylight time ("New York close"), so the offset follows US DST.
 * Conversion is explicit: never treat a server timestamp as UTC.
 */
export type DstRule = 'us' | 'eu' | 'none';

export interface ServerTimeConfig {
  /** Offset in standard (winter) time, hours. */
  utcOffsetHours: number;
  /** Which daylight-saving calendar adds one hour in summer. */
  dst: DstRule;
}

const HOUR = 3_600_000;

/** nth (1-based) Sunday of month (0-based) in year, at `hourUtc`, as epoch ms UTC. */
function nthSunday(year: number, month: number, n: number, hourUtc: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  const day = 1 + ((7 - first) % 7) + (n - 1) * 7;
  return Date.UTC(year, month, day, hourUtc);
}

function lastSunday(year: number, month: number, hourUtc: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  const day = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, month, day, hourUtc);
}

const dstCache = new Map<string, [number, number]>();

/** [start, end) of daylight saving in UTC ms for a year. */
export function dstWindow(rule: Exclude<DstRule, 'none'>, year: number): [number, number] {
  const key = `${rule}${year}`;
  let w = dstCache.get(key);
  if (!w) {
    // US: 2nd Sunday of March 02:00 EST (07:00 UTC) → 1st Sunday of November 02:00 EDT (06:00 UTC).
    // EU: last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC.
    w = rule === 'us' ? [nthSunday(year, 2, 2, 7), nthSunday(year, 10, 1, 6)] : [lastSunday(year, 2, 1), lastSunday(year, 9, 1)];
    dstCache.set(key, w);
  }
  return w;
}

export function isDst(rule: DstRule, utcMs: number): boolean {
  if (rule === 'none') return false;
  const [a, b] = dstWindow(rule, new Date(utcMs).getUTCFullYear());
  return utcMs >= a && utcMs < b;
}

/** Server offset (ms) in force at a UTC instant. */
export function serverOffsetMs(cfg: ServerTimeConfig, utcMs: number): number {
  return (cfg.utcOffsetHours + (isDst(cfg.dst, utcMs) ? 1 : 0)) * HOUR;
}

/** Converts a server-time stamp (written as UTC) to true UTC. */
export function serverToUtc(cfg: ServerTimeConfig, serverMs: number): number {
  if (cfg.dst === 'none') return serverMs - cfg.utcOffsetHours * HOUR;
  // Try the summer offset first: valid if the resulting instant is inside DST.
  const summer = serverMs - (cfg.utcOffsetHours + 1) * HOUR;
  if (isDst(cfg.dst, summer)) return summer;
  return serverMs - cfg.utcOffsetHours * HOUR;
}

export function utcToServer(cfg: ServerTimeConfig, utcMs: number): number {
  return utcMs + serverOffsetMs(cfg, utcMs);
}

/**
 * `serverToUtc` for a whole column: remembers the DST window of the year it is in, so a million bars
 * cost a million comparisons, not a million Date objects.
 */
export function serverToUtcConverter(cfg: ServerTimeConfig): (serverMs: number) => number {
  const base = cfg.utcOffsetHours * HOUR;
  if (cfg.dst === 'none') return (s) => s - base;
  let lo = Infinity;
  let hi = -Infinity;
  let win: [number, number] = [0, 0];
  const inDst = (utc: number): boolean => {
    if (utc < lo || utc >= hi) {
      const y = new Date(utc).getUTCFullYear();
      lo = Date.UTC(y, 0, 1);
      hi = Date.UTC(y + 1, 0, 1);
      win = dstWindow(cfg.dst as Exclude<DstRule, 'none'>, y);
    }
    return utc >= win[0] && utc < win[1];
  };
  return (s) => {
    const summer = s - base - HOUR;
    return inDst(summer) ? summer : s - base;
  };
}
