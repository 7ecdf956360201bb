/**
 * CSV edges: a UTF-8 byte-order mark is skipped; an empty or missing volume (or spread) in a file
 * that has the column is a coded error naming file, line and column, never a silent 0; a data source
 * given a `confine` function opens no file and writes no column cache where it refuses.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsvDataSource, SimClock, TradekitError, isWithin, parseMt5Csv, realPathOf } from '../src/index.js';
import { tempDir } from './helpers/fs.js';
import './helpers/api-codes.js';

const HEADER = 'time,open,high,low,close,volume\n';
const ROW1 = '2026-05-13 06:10:00,1.1,1.2,1.0,1.1,10\n';

describe('MT5 CSV edges', () => {
  it('skips a UTF-8 byte-order mark, whether the file was read as UTF-8 or as latin1', () => {
    const utf8 = parseMt5Csv(`\ufeff${HEADER}${ROW1}`, 'bom.csv');
    const latin1 = parseMt5Csv(Buffer.from(`\ufeff${HEADER}${ROW1}`, 'utf8').toString('latin1'), 'bom.csv');
    for (const p of [utf8, latin1]) {
      assert.equal(p.length, 1);
      assert.equal(p.volume[0], 10);
    }
  });

  it('loads a BOM file through the data source (which reads latin1)', async () => {
    const { dir, cleanup } = tempDir('tk-bom-');
    try {
      writeFileSync(path.join(dir, 'EURUSD_M5.csv'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEADER + ROW1)]));
      const src = new CsvDataSource(new SimClock(0), { dir, serverTime: { utcOffsetHours: 0, dst: 'none' }, columnCache: false });
      await src.load();
      assert.deepEqual(src.listSymbols(), ['EURUSD']);
    } finally {
      cleanup();
    }
  });

  it('refuses an empty or missing volume with TK_ERR_DATA_BAD_BAR naming file, line and column', () => {
    const cases: [string, string][] = [
      ['empty, comma format', `${HEADER}${ROW1}2026-05-13 06:15:00,1.1,1.2,1.0,1.1,\n`],
      ['empty, CRLF', `${HEADER}${ROW1}2026-05-13 06:15:00,1.1,1.2,1.0,1.1,\r\n`],
      ['blank, last line', `${HEADER}${ROW1}2026-05-13 06:15:00,1.1,1.2,1.0,1.1, `],
      ['missing field', `${HEADER}${ROW1}2026-05-13 06:15:00,1.1,1.2,1.0,1.1\n`],
      [
        'empty, MT5 tab export',
        '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\n2026.05.13\t06:10:00\t1.1\t1.2\t1.0\t1.1\t7\n2026.05.13\t06:15:00\t1.1\t1.2\t1.0\t1.1\t\n',
      ],
    ];
    for (const [what, text] of cases) {
      assert.throws(
        () => parseMt5Csv(text, 'v.csv'),
        (e: unknown) =>
          e instanceof TradekitError &&
          e.code === 'TK_ERR_DATA_BAD_BAR' &&
          e.file === 'v.csv' &&
          e.line === 3 &&
          (e.column === 6 || e.column === 7) &&
          /\(volume\) is empty/.test(e.message),
        what,
      );
    }
    // Same rule for a spread column.
    assert.throws(
      () => parseMt5Csv('time,open,high,low,close,volume,spread\n2026-05-13 06:10:00,1.1,1.2,1.0,1.1,5,\n', 's.csv'),
      (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_DATA_BAD_BAR' && e.line === 2 && e.column === 7,
    );
  });

  it('reads volume 0 where the file has no volume column at all (documented rule), and 0 where it says 0', () => {
    assert.equal(parseMt5Csv('time,open,high,low,close\n2026-05-13 06:10:00,1.1,1.2,1.0,1.1\n', 'a.csv').volume[0], 0);
    assert.equal(parseMt5Csv('2026-05-13 06:10:00,1.1,1.2,1.0,1.1\n', 'b.csv').volume[0], 0);
    assert.equal(parseMt5Csv(`${HEADER}2026-05-13 06:10:00,1.1,1.2,1.0,1.1,0\n`, 'c.csv').volume[0], 0);
  });

  it('with confine: opens no CSV and writes no column cache where it refuses (symlinked .tkcache, OS temp dir)', async () => {
    const root = tempDir('tk-croot-');
    const out = tempDir('tk-cout-');
    try {
      const dir = path.join(root.dir, 'data');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'EURUSD_M5.csv'), HEADER + ROW1);
      symlinkSync(out.dir, path.join(dir, '.tkcache'));
      const realRoot = realPathOf(root.dir);
      const seen: string[] = [];
      const confine = (abs: string, what: string): string => {
        const real = realPathOf(abs);
        seen.push(`${what}:${isWithin(real, realRoot) ? 'in' : 'out'}`);
        if (!isWithin(real, realRoot)) throw new TradekitError('TK_ERR_API_PATH_FORBIDDEN', `${what} ${abs}`);
        return real;
      };
      const tmpCache = path.join(tmpdir(), 'tradekit-cache');
      const before = existsSync(tmpCache) ? readdirSync(tmpCache).length : 0;
      const src = new CsvDataSource(new SimClock(0), { dir, serverTime: { utcOffsetHours: 0, dst: 'none' }, confine });
      await src.load();
      await src.flushCache();
      assert.deepEqual(readdirSync(out.dir), [], 'nothing written through the symlink');
      assert.equal(existsSync(tmpCache) ? readdirSync(tmpCache).length : 0, before, 'nothing written to the OS temp dir');
      assert.ok(seen.includes('data file:in') && seen.includes('column cache:out'), seen.join(' '));

      // A CSV that is a symlink out of the root is refused before it is read.
      symlinkSync(path.join(out.dir, 'x.csv'), path.join(dir, 'GBPUSD_M5.csv'));
      writeFileSync(path.join(out.dir, 'x.csv'), HEADER + ROW1);
      const again = new CsvDataSource(new SimClock(0), { dir, serverTime: { utcOffsetHours: 0, dst: 'none' }, confine, columnCache: false });
      await assert.rejects(again.load(), (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_API_PATH_FORBIDDEN');
    } finally {
      root.cleanup();
      out.cleanup();
    }
  });
});
