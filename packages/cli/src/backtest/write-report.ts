/**
 * Writes a backtest's output folder: trades.csv, trades.json, equity.csv, stats.json and (unless
 * disabled) the self-contained report.html. Each file is written to a temporary name and renamed,
 * so a folder never holds half a file. Trades and equity are written in chunks from the result's
 * columns (stream-rows.ts), never as one string.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BacktestResult } from '@tradekit/core';
import { cliError } from '../errors.js';
import { ChunkFile } from './chunk-file.js';
import { reportData } from './report-data.js';
import { renderReport } from './report-html.js';
import { iso, toJson } from './rows.js';
import { writeEquityCsv, writeTrades } from './stream-rows.js';

export interface WrittenReport {
  dir: string;
  files: Record<'trades.csv' | 'trades.json' | 'equity.csv' | 'stats.json' | 'report.html', string | undefined>;
}

/** What stats.json holds: the run, its statistics and how long it took. */
export function statsDocument(result: BacktestResult, generatedBy: string): Record<string, unknown> {
  return {
    generatedBy,
    name: result.name,
    configFile: result.configFile,
    symbols: result.symbols,
    timeframe: result.timeframe,
    from: iso(result.from),
    to: iso(result.to),
    currency: result.currency,
    stats: result.stats,
    finalAccount: result.finalAccount,
    perf: { ...result.perf, barsPerSecond: result.perf.engineMs > 0 ? Math.round(result.perf.bars / (result.perf.engineMs / 1000)) : null },
  };
}

export function writeReport(dir: string, result: BacktestResult, opts: { html: boolean; generatedBy: string }): WrittenReport {
  const abs = path.resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw cliError('TK_ERR_REPORT_WRITE', `cannot create the output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: dir,
      cause: e,
    });
  }
  const out: WrittenReport = {
    dir: abs,
    files: { 'trades.csv': undefined, 'trades.json': undefined, 'equity.csv': undefined, 'stats.json': undefined, 'report.html': undefined },
  };
  /** Writes the named files together (one pass over the rows); they are renamed into place once all are written. */
  const put = (names: (keyof WrittenReport['files'])[], write: (...f: ChunkFile[]) => void) => {
    const files: ChunkFile[] = [];
    try {
      for (const name of names) files.push(new ChunkFile(path.join(abs, name)));
      write(...files);
      for (const f of files) f.commit();
    } catch (e) {
      for (const f of files) f.discard();
      throw e;
    }
    names.forEach((name, i) => {
      out.files[name] = files[i]!.file;
    });
  };
  put(['trades.csv', 'trades.json'], (csv, json) => writeTrades(result.tradeColumns, csv, json));
  put(['equity.csv'], (f) => writeEquityCsv(f!, result.equityColumns, result.stats.startBalance));
  put(['stats.json'], (f) => f!.write(toJson(statsDocument(result, opts.generatedBy))));
  if (opts.html) put(['report.html'], (f) => f!.write(renderReport(reportData(result, opts.generatedBy))));
  return out;
}
