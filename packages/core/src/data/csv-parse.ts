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
 *
 * The parser reads bytes, a chunk at a time: `readMt5Csv(file)` streams the file (it is never one
 * string or one buffer in memory), `parseMt5Csv` takes the text or the bytes. The usual layouts are read
 * field by field without a string per line, into columns sized from the first line (a block for the
 * prices and volume, an array for the time): no oversized arrays, no trimming copy.
 */
import { open } from 'node:fs/promises';
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
  /** Most decimals seen in prices over the whole file (see `digitRows` for where each level first appeared). */
  digits: number;
  /**
   * Where the price decimals grew: `[row, digits, row, digits, …]`, the first row at which the most
   * decimals so far reached each level (rows from 0, increasing). A source infers a symbol's digits
   * from a prefix of the data with it, so a row after the prefix cannot change them.
   */
  digitRows: number[];
}

/** The most decimals seen in rows `0 … lastRow` (inclusive) of a parse, from its `digitRows`. */
export function digitsUpTo(digitRows: readonly number[], lastRow: number): number {
  let d = 0;
  for (let i = 0; i + 1 < digitRows.length && digitRows[i]! <= lastRow; i += 2) d = digitRows[i + 1]!;
  return d;
}

const C0 = 48;
const NL = 10;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Bytes read per step by `readMt5Csv`. */
const CHUNK_BYTES = 1 << 20;
/**
 * A malformed (short) line can make the parser look a few bytes past its end, into the next line, as
 * it did over the whole text: a chunk's last lines wait for this many more bytes so it sees the same.
 */
const LOOKAHEAD = 64;

/** A whitespace-only line of at most one character (what `trim()` empties). */
const isBlank1 = (c: number): boolean => c === 9 || c === 11 || c === 12 || c === 13 || c === 32 || c === 160;

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

/**
 * One file's bars, fed in pieces of whole lines. Holds the columns (one Float64Array, a column per
 * `cap` slots) and where it is in the file (line number, previous bar).
 */
class BarParser {
  private cols?: Columns;
  private fast = false;
  private started = false;
  private lineNo = 0;
  private n = 0;
  private digits = 0;
  private readonly digitRows: number[] = [];
  private cap = 0;
  private ncol = 6;
  private time: Float64Array = new Float64Array(0);
  private open: Float64Array = this.time;
  private high: Float64Array = this.time;
  private low: Float64Array = this.time;
  private close: Float64Array = this.time;
  private volume: Float64Array = this.time;
  private spread?: Float64Array;
  // Cursor of the number just read: where the next field starts, and its decimals.
  private pos = 0;
  private decimals = 0;
  private dayKey = -1;
  private dayMs = 0;
  /** What `dateTime` read: the time (ms) and where the next field starts (no boxed number per line). */
  private dtMs = 0;
  private dtNext = 0;

  constructor(
    private readonly file: string,
    /** Bytes in the whole file (for the capacity estimate). */
    private readonly size: number,
  ) {}

  /**
   * Parses the whole lines in `b[0, len)` (all of it at `eof`); returns how many bytes it consumed
   * (the rest is an incomplete line, to be passed again with more bytes).
   */
  feed(b: Buffer, len: number, eof: boolean): number {
    let pos = 0;
    if (!this.started) {
      let eol = b.indexOf(NL);
      if (eol < 0) {
        if (!eof) return 0;
        eol = len;
      }
      this.started = true;
      // A UTF-8 byte-order mark (EF BB BF: one character read as UTF-8, three read as latin1).
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) pos = 3;
      const { cols, hasHeader } = detectColumns(latin1(b, pos, eol).trim(), this.file);
      this.cols = cols;
      this.fast =
        cols.date < 0 &&
        cols.time === 0 &&
        cols.open === 1 &&
        cols.high === 2 &&
        cols.low === 3 &&
        cols.close === 4 &&
        (cols.spread < 0 || (cols.volume === 5 && cols.spread === 6));
      this.ncol = cols.spread >= 0 ? 7 : 6;
      if (hasHeader) {
        pos = eol + 1;
        this.lineNo = 1;
      }
      // Room for the rest of the file at the first data line's length (+5 %), grown when short.
      let next = pos < len ? b.indexOf(NL, pos) : -1;
      if (next < 0) next = len;
      this.allocate(Math.ceil(((this.size - pos) / Math.max(16, next - pos + 1)) * 1.05) + 16);
    }
    let last = len;
    if (!eof) {
      last = len > LOOKAHEAD ? b.lastIndexOf(NL, len - 1 - LOOKAHEAD) : -1;
      if (last < pos) return pos;
      last++;
    }
    while (pos < last) {
      let end = b.indexOf(NL, pos);
      if (end < 0 || end > last) end = last;
      this.line(b, pos, end);
      pos = end + 1;
    }
    return Math.min(pos, last);
  }

  finish(): ParsedBars {
    const n = this.n;
    if (n < this.cap * 0.9) this.allocate(n);
    const col = (a: Float64Array): Float64Array => (a.length === n ? a : a.subarray(0, n));
    const out: ParsedBars = {
      time: col(this.time),
      open: col(this.open),
      high: col(this.high),
      low: col(this.low),
      close: col(this.close),
      volume: col(this.volume),
      length: n,
      digits: this.digits,
      digitRows: this.digitRows,
    };
    if (this.spread) out.spread = col(this.spread);
    return out;
  }

  /**
   * (Re)allocates the columns for `cap` bars, keeping the bars read so far: prices, volume and spread
   * in one block, the time on its own (the data source swaps it for a UTC column, so it can be freed).
   */
  private allocate(cap: number): void {
    const keep = (from: Float64Array, to: Float64Array): Float64Array => {
      if (this.n) to.set(from.subarray(0, this.n));
      return to;
    };
    this.time = keep(this.time, new Float64Array(cap));
    const block = new Float64Array(cap * (this.ncol - 1));
    const cut = (k: number, from: Float64Array | undefined): Float64Array => {
      const to = block.subarray(k * cap, (k + 1) * cap);
      return from ? keep(from, to) : to;
    };
    this.open = cut(0, this.open);
    this.high = cut(1, this.high);
    this.low = cut(2, this.low);
    this.close = cut(3, this.close);
    this.volume = cut(4, this.volume);
    if (this.ncol === 7) this.spread = cut(5, this.spread);
    this.cap = cap;
  }

  private bad(msg: string): TradekitError {
    return new TradekitError('TK_ERR_DATA_BAD_BAR', `${this.file}:${this.lineNo}: ${msg}`, { file: this.file, line: this.lineNo });
  }

  /** An empty, missing or non-numeric field: named by its 1-based column and its meaning. */
  private badField(name: 'volume' | 'spread'): TradekitError {
    const col = this.cols![name] + 1;
    const { file, lineNo } = this;
    return new TradekitError(
      'TK_ERR_DATA_BAD_BAR',
      `${file}:${lineNo}: column ${col} (${name}) is empty or not a number; every bar needs a ${name} in a file that has the column${name === 'volume' ? ' (write 0 where the source recorded none)' : ''}`,
      { file, line: lineNo, column: col, details: { field: name } },
    );
  }

  /** One line, `b[pos, end)` without its newline. */
  private line(b: Buffer, pos: number, end: number): void {
    this.lineNo++;
    if (end === pos || (end - pos === 1 && isBlank1(b[pos]!))) return;
    const cols = this.cols!;
    if (this.n === this.cap) this.allocate(this.cap * 2);
    let t: number;
    let o: number, h: number, l: number, cl: number, v: number;
    let sp = 0;
    if (this.fast) {
      const delim = cols.delim;
      const first = b[pos + 4];
      if (first === 45 || first === 46) {
        if (!this.dateTime(b, pos)) throw this.bad(`cannot read time "${latin1(b, pos, Math.min(end, pos + 19))}"`);
        t = this.dtMs;
        this.pos = this.dtNext + 1;
      } else {
        this.pos = pos;
        const raw = this.num(b, end, delim);
        t = raw < 1e11 ? raw * 1000 : raw;
      }
      o = this.num(b, end, delim);
      let dg = this.decimals;
      h = this.num(b, end, delim);
      if (this.decimals > dg) dg = this.decimals;
      l = this.num(b, end, delim);
      if (this.decimals > dg) dg = this.decimals;
      cl = this.num(b, end, delim);
      if (this.decimals > dg) dg = this.decimals;
      if (dg > this.digits) this.digitRows.push(this.n, (this.digits = dg));
      // A field follows only if the previous one ended on the delimiter (else the line is short).
      if (cols.volume === 5) {
        v = b[this.pos - 1] === delim ? this.num(b, end, delim) : Number.NaN;
        if (Number.isNaN(v)) throw this.badField('volume');
      } else v = 0;
      if (cols.spread === 6) {
        sp = b[this.pos - 1] === delim ? this.num(b, end, delim) : Number.NaN;
        if (Number.isNaN(sp)) throw this.badField('spread');
      }
    } else {
      const f = latin1(b, pos, end).replace(/\r$/, '').split(String.fromCharCode(cols.delim));
      const ts = cols.date >= 0 ? `${(f[cols.date] ?? '').trim()} ${(f[cols.time] ?? '').trim()}` : (f[cols.time] ?? '').trim();
      if (/^\d{4}[-.]\d{2}[-.]\d{2}/.test(ts) && this.dateTime(Buffer.from(ts.replace('T', ' '), 'latin1'), 0)) t = this.dtMs;
      else {
        const raw = Number(ts);
        if (!Number.isFinite(raw)) throw this.bad(`cannot read time "${ts}"`);
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
      if (Number.isNaN(v)) throw this.badField('volume');
      if (cols.spread >= 0) {
        sp = num(cols.spread);
        if (Number.isNaN(sp)) throw this.badField('spread');
      }
      for (const k of [cols.open, cols.high, cols.low, cols.close]) {
        const x = f[k]?.trim() ?? '';
        const dot = x.indexOf('.');
        if (dot >= 0 && x.length - dot - 1 > this.digits) this.digitRows.push(this.n, (this.digits = x.length - dot - 1));
      }
    }
    const n = this.n;
    if (!Number.isFinite(t)) throw this.bad('the time is empty or not a date/epoch');
    if (!(o > 0 && h > 0 && l > 0 && cl > 0) || Number.isNaN(o + h + l + cl)) throw this.bad('price is not a positive number');
    if (h < l || o > h || o < l || cl > h || cl < l) throw this.bad(`inconsistent bar: open ${o} high ${h} low ${l} close ${cl}`);
    if (!(v >= 0)) throw this.bad(`volume ${v} is negative or not a number`);
    if (!(sp >= 0)) throw this.bad(`spread ${sp} is negative or not a number`);
    if (n > 0 && t <= this.time[n - 1]!) throw this.bad(`time ${new Date(t).toISOString().slice(0, 19)} is not after the previous bar`);
    this.time[n] = t;
    this.open[n] = o;
    this.high[n] = h;
    this.low[n] = l;
    this.close[n] = cl;
    this.volume[n] = v;
    if (this.spread) this.spread[n] = sp;
    this.n = n + 1;
  }

  /** A plain decimal from `this.pos` up to a delimiter (small, so that it inlines: no boxed number per field). */
  private num(b: Buffer, end: number, delim: number): number {
    let i = this.pos;
    let code = b[i]!;
    const neg = code === 45;
    if (neg) i++;
    let mant = 0;
    let dec = -1;
    const start = i;
    for (; i < end; i++) {
      code = b[i]!;
      if (code >= C0 && code <= C0 + 9) {
        mant = mant * 10 + (code - C0);
        if (dec >= 0) dec++;
      } else if (code === 46 && dec < 0) dec = 0;
      else break;
    }
    if (i === start || (i < end && code !== delim && code !== 13 && code !== 32) || dec > 15 || mant > 9007199254740991) return this.field(b, end, delim);
    this.decimals = Math.max(dec, 0);
    this.pos = i + 1;
    const v = dec > 0 ? mant / POW10[dec]! : mant;
    return neg ? -v : v;
  }

  /** An exotic number (exponent, many digits, junk): the runtime parses the whole field. Empty is NaN, not 0. */
  private field(b: Buffer, end: number, delim: number): number {
    let j = this.pos;
    while (j < end && b[j] !== delim) j++;
    const field = latin1(b, this.pos, j).trim();
    this.pos = j + 1;
    this.decimals = 0;
    return field === '' ? Number.NaN : Number(field);
  }

  /** `YYYY-MM-DD HH:MM[:SS]` or `YYYY.MM.DD HH:MM[:SS]` at `i` (date/time separated by any one character) into `dtMs`, `dtNext`. */
  private dateTime(b: Buffer, i: number): boolean {
    const d = (k: number): number => b[i + k]! - C0;
    const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    const m = d(5) * 10 + d(6);
    const day = d(8) * 10 + d(9);
    const hh = d(11) * 10 + d(12);
    const mm = d(14) * 10 + d(15);
    let ss = 0;
    let next = i + 16;
    if (b[i + 16] === 58) {
      ss = d(17) * 10 + d(18);
      next = i + 19;
    }
    if (!(y >= 1970 && m >= 1 && m <= 12 && day >= 1 && day <= 31 && hh <= 23 && mm <= 59 && ss <= 60)) return false;
    const key = y * 10000 + m * 100 + day;
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dayMs = Date.UTC(y, m - 1, day);
    }
    this.dtNext = next;
    this.dtMs = this.dayMs + ((hh * 60 + mm) * 60 + ss) * 1000;
    return true;
  }
}

function latin1(b: Buffer, from: number, to: number): string {
  return b.toString('latin1', Math.max(0, from), Math.max(0, Math.min(to, b.length)));
}

/**
 * Bars from a whole file's text (as read: latin1, or UTF-8) or its bytes. Latin1 text (how the data
 * source reads files) is copied to bytes a chunk at a time, never as a second whole copy.
 */
export function parseMt5Csv(input: string | Uint8Array, file: string, chunkBytes = CHUNK_BYTES): ParsedBars {
  if (typeof input !== 'string') {
    const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const p = new BarParser(file, bytes.length);
    p.feed(bytes, bytes.length, true);
    return p.finish();
  }
  // Characters past latin1: the text was decoded as UTF-8 (a byte-order mark shows as U+FEFF); parse its UTF-8 bytes.
  if (/[\u0100-\uffff]/.test(input)) return parseMt5Csv(Buffer.from(input, 'utf8'), file);
  const p = new BarParser(file, input.length);
  let at = 0;
  return chunked(
    p,
    (buf, offset, max) => {
      const n = Math.min(max, input.length - at);
      if (n > 0) buf.write(input.slice(at, at + n), offset, n, 'latin1');
      at += n;
      return n;
    },
    chunkBytes,
  );
}

/** Bars from a CSV file, read in 1 MB chunks: neither its text nor its bytes are ever whole in memory. */
export async function readMt5Csv(file: string, chunkBytes = CHUNK_BYTES): Promise<ParsedBars> {
  const fh = await open(file, 'r');
  try {
    const p = new BarParser(file, (await fh.stat()).size);
    let buf: Buffer = Buffer.allocUnsafe(chunkBytes);
    let have = 0;
    for (;;) {
      buf = roomIn(buf, have);
      const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
      have += bytesRead;
      const eof = bytesRead === 0;
      const used = p.feed(buf.subarray(0, have), have, eof);
      if (eof) return p.finish();
      buf.copy(buf, 0, used, have);
      have -= used;
    }
  } finally {
    await fh.close();
  }
}

/** The synchronous twin of readMt5Csv's loop: `read` fills `buf` from `offset` with at most `max` bytes and says how many (0 at the end). */
function chunked(p: BarParser, read: (buf: Buffer, offset: number, max: number) => number, chunkBytes = CHUNK_BYTES): ParsedBars {
  let buf: Buffer = Buffer.allocUnsafe(chunkBytes);
  let have = 0;
  for (;;) {
    buf = roomIn(buf, have);
    const got = read(buf, have, buf.length - have);
    have += got;
    const eof = got === 0;
    const used = p.feed(buf.subarray(0, have), have, eof);
    if (eof) return p.finish();
    buf.copy(buf, 0, used, have);
    have -= used;
  }
}

/** `buf`, or a buffer twice its size holding its first `have` bytes when it is full (a line longer than a chunk). */
function roomIn(buf: Buffer, have: number): Buffer {
  if (have < buf.length) return buf;
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, have);
  return bigger;
}
