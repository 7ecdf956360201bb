/**
 * Writes a backtest's output folder: trades.csv, trades.json, equity.csv, stats.json and (unless
 * disabled) the self-contained report.html. Each file is written to a temporary name and renamed,
 * so a folder never holds half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BacktestResult } from '@tradekit/core';
import { cliError } from '../errors.js';
import { reportData } from './report-data.js';
import { renderReport } from './report-html.js';
import { EQUITY_COLUMNS, TRADE_COLUMNS, equityRows, iso, snake, toCsv, toJson, tradeRow } from './rows.js';

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
    throw cliError('TK_ERR_REPORT_WRITE', `cannot create the output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: dir, cause: e });
  }
  const trades = result.trades.map(tradeRow);
  const out: WrittenReport = { dir: abs, files: { 'trades.csv': undefined, 'trades.json': undefined, 'equity.csv': undefined, 'stats.json': undefined, 'report.html': undefined } };
  const put = (name: keyof WrittenReport['files'], text: string) => {
    const file = path.join(abs, name);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch (e) {
      throw cliError('TK_ERR_REPORT_WRITE', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, cause: e });
    }
    out.files[name] = file;
  };
  put('trades.csv', toCsv(trades, TRADE_COLUMNS, snake(TRADE_COLUMNS)));
  put('trades.json', toJson(trades));
  put('equity.csv', toCsv(equityRows(result), EQUITY_COLUMNS, snake(EQUITY_COLUMNS)));
  put('stats.json', toJson(statsDocument(result, opts.generatedBy)));
  if (opts.html) put('report.html', renderReport(reportData(result, opts.generatedBy)));
  return out;
}
