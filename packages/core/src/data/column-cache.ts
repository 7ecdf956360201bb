/**
 * A parsed-column cache for CSV bars: after the first parse, the columns are written next to the
 * data (`<dir>/.tkcache/<file>.tkcol`, or under the OS temp dir when the data dir is read-only) and
 * later loads read 48 bytes per bar (56 with a spread column) straight into Float64Arrays instead of parsing text. The cache
 * holds the raw parse (server time), keyed by the CSV's size and mtime: editing the CSV invalidates
 * it; a different `serverTime` setting does not. With a `confine` function (a host confining runs
 * to its roots), a location it refuses is neither read nor written (so the OS temp dir is not used).
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ParsedBars } from './csv-parse.js';

// 003: the header carries `digitRows` (002 files are parsed again once).
const MAGIC = 'TKCOL003';
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

interface Header {
  size: number;
  mtimeMs: number;
  length: number;
  digits: number;
  digitRows: number[];
  /** True when a seventh column (spread, points) follows the six. */
  spread: boolean;
}

/** Returns the path to use, or throws when the location is refused. */
export type Confine = (abs: string, what: string) => string;

function candidates(csv: string, confine?: Confine): string[] {
  const hash = createHash('sha1').update(path.resolve(csv)).digest('hex').slice(0, 16);
  const all = [
    path.join(path.dirname(csv), '.tkcache', `${path.basename(csv)}.tkcol`),
    path.join(tmpdir(), 'tradekit-cache', `${hash}-${path.basename(csv)}.tkcol`),
  ];
  if (!confine) return all;
  const allowed: string[] = [];
  for (const file of all) {
    try {
      allowed.push(confine(file, 'column cache'));
    } catch {
      /* refused: skip this location */
    }
  }
  return allowed;
}

/** The cached columns of `csv`, or undefined when there is no valid cache. */
export async function readColumnCache(csv: string, confine?: Confine): Promise<ParsedBars | undefined> {
  let st: Stats;
  try {
    st = await stat(csv);
  } catch {
    return undefined;
  }
  for (const file of candidates(csv, confine)) {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch {
      continue;
    }
    try {
      const head = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (bytesRead < 16 || head.toString('latin1', 0, 8) !== MAGIC) continue;
      const hlen = head.readUInt32LE(8);
      if (12 + hlen > bytesRead) continue;
      let h: Header;
      try {
        h = JSON.parse(head.toString('utf8', 12, 12 + hlen)) as Header;
      } catch {
        continue;
      }
      if (h.size !== st.size || h.mtimeMs !== st.mtimeMs || !Array.isArray(h.digitRows)) continue;
      const start = align8(12 + hlen);
      const ncol = COLUMNS.length + (h.spread ? 1 : 0);
      const bytes = h.length * 8 * ncol;
      if ((await fh.stat()).size !== start + bytes) continue;
      // Read straight into one aligned buffer; each column is a view of it (no second copy).
      const data = new Float64Array(h.length * ncol);
      const view = new Uint8Array(data.buffer);
      let off = 0;
      while (off < bytes) {
        const { bytesRead: n } = await fh.read(view, off, Math.min(bytes - off, 1 << 26), start + off);
        if (n === 0) break;
        off += n;
      }
      if (off !== bytes) continue;
      const col = (i: number): Float64Array => data.subarray(i * h.length, (i + 1) * h.length);
      const out: ParsedBars = {
        time: col(0),
        open: col(1),
        high: col(2),
        low: col(3),
        close: col(4),
        volume: col(5),
        length: h.length,
        digits: h.digits,
        digitRows: h.digitRows,
      };
      if (h.spread) out.spread = col(6);
      return out;
    } finally {
      await fh.close();
    }
  }
  return undefined;
}

/** Writes the cache (temp file + rename, so a reader never sees half a file). Failures are reported, not thrown. */
export async function writeColumnCache(csv: string, parsed: ParsedBars, confine?: Confine): Promise<string | undefined> {
  const st = await stat(csv);
  const header = Buffer.from(
    JSON.stringify({
      size: st.size,
      mtimeMs: st.mtimeMs,
      length: parsed.length,
      digits: parsed.digits,
      digitRows: parsed.digitRows,
      spread: parsed.spread !== undefined,
    } satisfies Header),
    'utf8',
  );
  const prefix = Buffer.alloc(align8(12 + header.length));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, 8);
  header.copy(prefix, 12);
  for (const file of candidates(csv, confine)) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.write(prefix);
        for (const c of parsed.spread ? [...COLUMNS, 'spread' as const] : COLUMNS) {
          const a = parsed[c]!.subarray(0, parsed.length);
          await fh.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        }
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      return file;
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
  return undefined;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
