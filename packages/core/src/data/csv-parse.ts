/**
 * MT5 CSV bars → columns. Accepts `time,open,high,low,close,volume` (the shipped format), MT5's own
 * export (`<DATE>\t<TIME>\t<OPEN>…<TICKVOL>…<SPREAD>`), a `copy_rates` frame written by pandas
 * (`time,open,high,low,close,tick_volume,spread,real_volume`), `;`/tab separators,
 * `YYYY-MM-DD`/`YYYY.MM.DD` dates and epoch seconds. A `spread` column (points) is kept when present.
 * Rejects bad bars at the edge (fail fast): NaN, high < low, open/close outside [low, high], negative
 * volume or spread, time not strictly increasing — with file and line. An empty or missing field in a
 * column the file has (a volume column with a blank cell) is an error naming the column, never a 0; a
 * file without a volume column has volume 0. A UTF-8 byte-order mark is skipped (read as UTF-8 or as
 * latin1, where it shows as `ï»¿`).
 */
import { TradekitError } from '../errors.js';

export interface ParsedBars {
  /** Server time as written (ms, as if UTC). */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Spread per bar in points, when the file has a `spread` column. */
  spread?: Float64Array;
  length: number;
  /** Most decimals seen in prices: the symbol's digits when the source does not say. */
  digits: number;
}

const C0 = 48;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

interface Cursor {
  pos: number;
  decimals: number;
}

/** Parses a plain decimal starting at c.pos up to a delimiter; falls back to parseFloat for exotic forms. */
function parseNum(s: string, c: Cursor, end: number, delim: number): number {
  let i = c.pos;
  let neg = false;
  let code = s.charCodeAt(i);
  if (code === 45) {
    neg = true;
    i++;
  }
  let mant = 0;
  let dec = -1;
  const start = i;
  for (; i < end; i++) {
    code = s.charCodeAt(i);
    if (code >= C0 && code <= C0 + 9) {
      mant = mant * 10 + (code - C0);
      if (dec >= 0) dec++;
    } else if (code === 46 && dec < 0) dec = 0;
    else break;
  }
  const stop = i;
  if (stop === start || (i < end && code !== delim && code !== 13 && code !== 32) || dec > 15 || mant > 9007199254740991) {
    // Exotic number (exponent, many digits): let the runtime parse the whole field. Empty is NaN, not 0.
    let j = c.pos;
    while (j < end && s.charCodeAt(j) !== delim) j++;
    const field = s.slice(c.pos, j).trim();
    const v = field === '' ? Number.NaN : Number(field);
    c.pos = j + 1;
    c.decimals = 0;
    return v;
  }
  c.decimals = dec < 0 ? 0 : dec;
  c.pos = stop + 1;
  const v = dec > 0 ? mant / POW10[dec]! : mant;
  return neg ? -v : v;
}

let lastDayKey = -1;
let lastDayMs = 0;

/** `YYYY-MM-DD HH:MM[:SS]` or `YYYY.MM.DD HH:MM[:SS]` (date/time separated by space, T, or the delimiter). */
function parseDateTime(s: string, i: number): { ms: number; next: number } | undefined {
  const d = (k: number): number => s.charCodeAt(i + k) - C0;
  const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const m = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hh = d(11) * 10 + d(12);
  const mm = d(14) * 10 + d(15);
  let ss = 0;
  let next = i + 16;
  if (s.charCodeAt(i + 16) === 58) {
    ss = d(17) * 10 + d(18);
    next = i + 19;
  }
  if (!(y >= 1970 && m >= 1 && m <= 12 && day >= 1 && day <= 31 && hh <= 23 && mm <= 59 && ss <= 60)) return undefined;
  const key = y * 10000 + m * 100 + day;
  if (key !== lastDayKey) {
    lastDayKey = key;
    lastDayMs = Date.UTC(y, m - 1, day);
  }
  return { ms: lastDayMs + ((hh * 60 + mm) * 60 + ss) * 1000, next };
}

interface Columns {
  delim: number;
  /** Column index of each field, or -1. `date` is set when date and time are separate columns. */
  date: number;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  spread: number;
  count: number;
}

function detectColumns(header: string, file: string): { cols: Columns; hasHeader: boolean } {
  const delim = header.includes('\t') ? 9 : header.includes(';') ? 59 : 44;
  const first = header.charCodeAt(0);
  if (first >= C0 && first <= C0 + 9) {
    // No header: time,open,high,low,close[,volume] by position; five fields mean no volume column.
    const count = header.split(String.fromCharCode(delim)).length;
    return { cols: { delim, date: -1, time: 0, open: 1, high: 2, low: 3, close: 4, volume: count >= 6 ? 5 : -1, spread: -1, count }, hasHeader: false };
  }
  const names = header.split(String.fromCharCode(delim)).map((h) => h.trim().replace(/^<|>$/g, '').toLowerCase());
  const find = (...alts: string[]): number => names.findIndex((n) => alts.includes(n));
  const cols: Columns = {
    delim,
    date: -1,
    time: find('time', 'datetime', 'timestamp'),
    open: find('open'),
    high: find('high'),
    low: find('low'),
    close: find('close'),
    volume: find('volume', 'tick_volume', 'tickvol', 'vol', 'real_volume'),
    spread: find('spread'),
    count: names.length,
  };
  const dateCol = find('date');
  if (dateCol >= 0 && cols.time >= 0 && dateCol !== cols.time) cols.date = dateCol;
  else if (dateCol >= 0 && cols.time < 0) cols.time = dateCol;
  for (const k of ['time', 'open', 'high', 'low', 'close'] as const) {
    if (cols[k] < 0) {
      throw new TradekitError('TK_ERR_DATA_BAD_BAR', `${file}: header has no "${k}" column (found: ${names.join(', ')})`, { file, line: 1 });
    }
  }
  return { cols, hasHeader: true };
}

export function parseMt5Csv(text: string, file: string): ParsedBars {
  let pos = 0;
  const len = text.length;
  // A UTF-8 byte-order mark: one character read as UTF-8, three (ï»¿) read as latin1.
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  else if (text.charCodeAt(0) === 0xef && text.charCodeAt(1) === 0xbb && text.charCodeAt(2) === 0xbf) pos = 3;
  let eol = text.indexOf('\n', pos);
  if (eol < 0) eol = len;
  const { cols, hasHeader } = detectColumns(text.slice(pos, eol).trim(), file);
  if (hasHeader) pos = eol + 1;
  // Capacity estimate from the first line's length; grown when needed.
  let cap = Math.max(16, Math.ceil((len - pos) / Math.max(20, eol - pos)) + 16);
  let time: Float64Array = new Float64Array(cap);
  let open: Float64Array = new Float64Array(cap);
  let high: Float64Array = new Float64Array(cap);
  let low: Float64Array = new Float64Array(cap);
  let close: Float64Array = new Float64Array(cap);
  let volume: Float64Array = new Float64Array(cap);
  let spread: Float64Array | undefined = cols.spread >= 0 ? new Float64Array(cap) : undefined;
  let n = 0;
  let digits = 0;
  let lineNo = hasHeader ? 1 : 0;
  const c: Cursor = { pos: 0, decimals: 0 };
  const fast = cols.date < 0 && cols.time === 0 && cols.open === 1 && cols.high === 2 && cols.low === 3 && cols.close === 4 && (cols.spread < 0 || (cols.volume === 5 && cols.spread === 6));
  const bad = (msg: string): TradekitError => new TradekitError('TK_ERR_DATA_BAD_BAR', `${file}:${lineNo}: ${msg}`, { file, line: lineNo });
  /** An empty, missing or non-numeric field: named by its 1-based column and its meaning. */
  const badField = (name: 'volume' | 'spread'): TradekitError => {
    const col = cols[name] + 1;
    return new TradekitError(
      'TK_ERR_DATA_BAD_BAR',
      `${file}:${lineNo}: column ${col} (${name}) is empty or not a number; every bar needs a ${name} in a file that has the column${name === 'volume' ? ' (write 0 where the source recorded none)' : ''}`,
      { file, line: lineNo, column: col, details: { field: name } },
    );
  };

  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    lineNo++;
    if (end - pos <= 1 && text.slice(pos, end).trim() === '') {
      pos = end + 1;
      continue;
    }
    if (n === cap) {
      cap *= 2;
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      time = grow(time);
      open = grow(open);
      high = grow(high);
      low = grow(low);
      close = grow(close);
      volume = grow(volume);
      if (spread) spread = grow(spread);
    }
    let t: number;
    let o: number, h: number, l: number, cl: number, v: number;
    let sp = 0;
    if (fast) {
      const first = text.charCodeAt(pos + 4);
      if (first === 45 || first === 46) {
        const dt = parseDateTime(text, pos);
        if (!dt) throw bad(`cannot read time "${text.slice(pos, Math.min(end, pos + 19))}"`);
        t = dt.ms;
        c.pos = dt.next + 1;
      } else {
        c.pos = pos;
        const raw = parseNum(text, c, end, cols.delim);
        t = raw < 1e11 ? raw * 1000 : raw;
      }
      o = parseNum(text, c, end, cols.delim);
      let dg = c.decimals;
      h = parseNum(text, c, end, cols.delim);
      if (c.decimals > dg) dg = c.decimals;
      l = parseNum(text, c, end, cols.delim);
      if (c.decimals > dg) dg = c.decimals;
      cl = parseNum(text, c, end, cols.delim);
      if (c.decimals > dg) dg = c.decimals;
      if (dg > digits) digits = dg;
      // A field follows only if the previous one ended on the delimiter (else the line is short).
      if (cols.volume === 5) {
        v = text.charCodeAt(c.pos - 1) === cols.delim ? parseNum(text, c, end, cols.delim) : Number.NaN;
        if (Number.isNaN(v)) throw badField('volume');
      } else v = 0;
      if (cols.spread === 6) {
        sp = text.charCodeAt(c.pos - 1) === cols.delim ? parseNum(text, c, end, cols.delim) : Number.NaN;
        if (Number.isNaN(sp)) throw badField('spread');
      }
    } else {
      const f = text.slice(pos, end).replace(/\r$/, '').split(String.fromCharCode(cols.delim));
      const ts = cols.date >= 0 ? `${(f[cols.date] ?? '').trim()} ${(f[cols.time] ?? '').trim()}` : (f[cols.time] ?? '').trim();
      const dt = /^\d{4}[-.]\d{2}[-.]\d{2}/.test(ts) ? parseDateTime(ts.replace('T', ' '), 0) : undefined;
      if (dt) t = dt.ms;
      else {
        const raw = Number(ts);
        if (!Number.isFinite(raw)) throw bad(`cannot read time "${ts}"`);
        t = raw < 1e11 ? raw * 1000 : raw;
      }
      const num = (k: number): number => {
        const x = f[k]?.trim();
        return x === undefined || x === '' ? Number.NaN : Number(x);
      };
      o = num(cols.open);
      h = num(cols.high);
      l = num(cols.low);
      cl = num(cols.close);
      v = cols.volume >= 0 ? num(cols.volume) : 0;
      if (Number.isNaN(v)) throw badField('volume');
      if (cols.spread >= 0) {
        sp = num(cols.spread);
        if (Number.isNaN(sp)) throw badField('spread');
      }
      for (const k of [cols.open, cols.high, cols.low, cols.close]) {
        const x = f[k]?.trim() ?? '';
        const dot = x.indexOf('.');
        if (dot >= 0 && x.length - dot - 1 > digits) digits = x.length - dot - 1;
      }
    }
    if (!Number.isFinite(t)) throw bad('the time is empty or not a date/epoch');
    if (!(o > 0 && h > 0 && l > 0 && cl > 0) || Number.isNaN(o + h + l + cl)) throw bad('price is not a positive number');
    if (h < l || o > h || o < l || cl > h || cl < l) throw bad(`inconsistent bar: open ${o} high ${h} low ${l} close ${cl}`);
    if (!(v >= 0)) throw bad(`volume ${v} is negative or not a number`);
    if (!(sp >= 0)) throw bad(`spread ${sp} is negative or not a number`);
    if (n > 0 && t <= time[n - 1]!) throw bad(`time ${new Date(t).toISOString().slice(0, 19)} is not after the previous bar`);
    time[n] = t;
    open[n] = o;
    high[n] = h;
    low[n] = l;
    close[n] = cl;
    volume[n] = v;
    if (spread) spread[n] = sp;
    n++;
    pos = end + 1;
  }
  const trim = (a: Float64Array): Float64Array => (a.length === n ? a : a.slice(0, n));
  const out: ParsedBars = { time: trim(time), open: trim(open), high: trim(high), low: trim(low), close: trim(close), volume: trim(volume), length: n, digits };
  if (spread) out.spread = trim(spread);
  return out;
}
