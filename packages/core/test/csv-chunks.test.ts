/**
 * CSV bars read a chunk at a time: the text, its bytes, and the file streamed by `readMt5Csv` give
 * the same columns and the same errors whatever the chunk size (lines cut anywhere, a line longer
 * than a chunk), and the columns are exactly `length` long however wrong the first line's estimate.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TradekitError, parseMt5Csv, readMt5Csv, type ParsedBars } from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';

const COLS = ['time', 'open', 'high', 'low', 'close', 'volume', 'spread'] as const;

function same(a: ParsedBars, b: ParsedBars, what: string): void {
  assert.equal(b.length, a.length, `${what}: length`);
  assert.equal(b.digits, a.digits, `${what}: digits`);
  for (const c of COLS) {
    assert.equal(b[c] === undefined, a[c] === undefined, `${what}: ${c} present`);
    if (a[c]) {
      assert.equal(b[c]!.length, a.length, `${what}: ${c} is exactly length long`);
      assert.deepEqual([...b[c]!], [...a[c]!], `${what}: ${c}`);
    }
  }
}

/** The error a parse throws, as comparable data. */
async function failure(f: () => ParsedBars | Promise<ParsedBars>): Promise<unknown> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    assert.ok(e instanceof TradekitError, String(e));
    return { code: e.code, message: e.message.replace(/^[^:]*:/, 'FILE:'), line: e.line, column: e.column };
  }
}

describe('MT5 CSV read in chunks', () => {
  it('reads every shipped file the same from its text, its bytes and the file, at any chunk size', async () => {
    const { dir, cleanup } = tempDir('tk-chunks-');
    try {
      for (const name of readdirSync(path.join(EXAMPLES, 'data'))
        .filter((f) => f.endsWith('.csv'))
        .slice(0, 6)) {
        const file = path.join(EXAMPLES, 'data', name);
        const whole = parseMt5Csv(readFileSync(file, 'latin1'), file);
        same(whole, parseMt5Csv(readFileSync(file), file), `${name} bytes`);
        for (const chunk of [1, 7, 64, 4096]) same(whole, parseMt5Csv(readFileSync(file, 'latin1'), file, chunk), `${name} text, ${chunk}-byte chunks`);
        same(whole, await readMt5Csv(file), `${name} streamed`);
        same(whole, await readMt5Csv(file, 33), `${name} streamed, 33-byte chunks`);
      }
      // MT5's tab export, CRLF, a byte-order mark, blank lines, a very long line: the same in chunks.
      const text =
        '\ufeff<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\r\n' +
        '2026.05.13\t06:10:00\t1.17334\t1.17354\t1.17327\t1.17335\t177\t0\t12\r\n\r\n' +
        `2026.05.13\t06:15:00\t1.17335\t1.1735\t1.17335\t1.1734\t153\t0\t9${' '.repeat(300)}\r\n`;
      const file = path.join(dir, 'tab.csv');
      writeFileSync(file, text);
      const whole = parseMt5Csv(text, file);
      assert.equal(whole.length, 2);
      for (const chunk of [1, 5, 50]) {
        same(whole, parseMt5Csv(text, file, chunk), `tab text, ${chunk}`);
        same(whole, await readMt5Csv(file, chunk), `tab file, ${chunk}`);
      }
    } finally {
      cleanup();
    }
  });

  it('sizes the columns from the first line and grows them when later lines are shorter', () => {
    const rows = ['time,open,high,low,close,volume', '2026-01-05 10:00:00,1.123456789,1.223456789,1.023456789,1.123456789,123456'];
    for (let i = 1; i < 500; i++) rows.push(`${1_767_607_200 + i * 60},1,2,1,1,1`);
    const p = parseMt5Csv(`${rows.join('\n')}\n`, 'short.csv');
    assert.equal(p.length, 500);
    for (const c of COLS.slice(0, 6)) assert.equal(p[c]!.length, 500);
    assert.equal(p.time[499], (1_767_607_200 + 499 * 60) * 1000);
    assert.equal(p.digits, 9);
  });

  it('reports a bad line the same way, with its number, whatever the chunk size', async () => {
    const { dir, cleanup } = tempDir('tk-chunks-');
    try {
      const bad = [
        '2026-01-05 10:05:00,1.1,abc,1.0,1.1,5',
        '2026-01-05 10:05',
        '2026-01-05 10:05:00,1.1,1.2,1.0,1.1',
        '2026-01-05 09:55:00,1.1,1.2,1.0,1.1,5',
        '  ',
        '17676',
      ];
      for (const row of bad) {
        const text = `time,open,high,low,close,volume\n2026-01-05 10:00:00,1.1,1.2,1.0,1.1,5\n${row}\n2026-01-05 10:10:00,1.1,1.2,1.0,1.1,5\n`;
        const file = path.join(dir, 'bad.csv');
        writeFileSync(file, text);
        const expected = await failure(() => parseMt5Csv(text, file));
        assert.notEqual(expected, 'no error', row);
        for (const chunk of [1, 9, 70]) {
          assert.deepEqual(await failure(() => parseMt5Csv(text, file, chunk)), expected, `${row}: text, ${chunk}`);
          assert.deepEqual(await failure(() => readMt5Csv(file, chunk)), expected, `${row}: file, ${chunk}`);
        }
      }
    } finally {
      cleanup();
    }
  });
});
