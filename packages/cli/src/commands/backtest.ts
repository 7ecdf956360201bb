import path from 'node:path';
import { runBacktest, type BacktestOptions, type BacktestResult, type Timeframe } from '@tradekit/core';
import { EXIT } from '../exit-codes.js';
import { exitCodeFor } from '../exit-for.js';
import { parseDate, parseSets, parseSymbols } from '../options.js';
import { progressBar } from '../progress.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';
import { CLI_VERSION } from '../version.js';
import { finiteOrNull } from '../backtest/rows.js';
import { summaryText } from '../backtest/summary.js';
import { writeReport, type WrittenReport } from '../backtest/write-report.js';

export interface BacktestFlags {
  from?: string;
  to?: string;
  symbols?: string;
  timeframe?: string;
  out?: string;
  json?: boolean;
  /** `--no-html` sets this to false. */
  html?: boolean;
  set?: string[];
  logLevel?: string;
  /** `--no-progress` sets this to false. */
  progress?: boolean;
  /** `--llm live|record|replay`: the mode of every @tradekit/llm plugin of the run. */
  llm?: 'live' | 'record' | 'replay';
}

/** @tradekit/llm's LLM_MODE_ENV: its plugins read the mode from it (not imported: the CLI starts without the model SDK). */
export const LLM_MODE_ENV = 'TRADEKIT_LLM_MODE';

/** `tradekit backtest`: the config's plugins over history, then the output folder and a summary. */
export async function backtestCommand(file: string, flags: BacktestFlags): Promise<number> {
  let options: BacktestOptions;
  try {
    options = {
      configFile: file,
      searchPaths: searchPaths(),
      from: parseDate('--from', flags.from),
      to: parseDate('--to', flags.to),
      symbols: parseSymbols(flags.symbols),
      timeframe: flags.timeframe as Timeframe | undefined,
      // Logs would tear the progress bar: warnings and errors only unless asked (or set in --set).
      set: { 'logging.level': flags.logLevel ?? 'warn', ...parseSets(flags.set) },
      includeBars: flags.html !== false,
    };
  } catch (e) {
    printError(e, flags.json);
    return exitCodeFor(e);
  }
  const bar = progressBar('backtest', { enabled: flags.progress !== false && process.stderr.isTTY === true, unit: 'cycles' });
  let result: BacktestResult;
  const savedMode = process.env[LLM_MODE_ENV];
  if (flags.llm) process.env[LLM_MODE_ENV] = flags.llm;
  try {
    result = await runBacktest({ ...options, onProgress: (done, total) => bar.update(done, total) });
  } catch (e) {
    bar.stop();
    printError(e, flags.json);
    return exitCodeFor(e);
  } finally {
    bar.stop();
    if (flags.llm) {
      if (savedMode === undefined) delete process.env[LLM_MODE_ENV];
      else process.env[LLM_MODE_ENV] = savedMode;
    }
  }
  const generatedBy = `tradekit ${CLI_VERSION}`;
  let written: WrittenReport;
  try {
    written = writeReport(flags.out ?? defaultOutDir(result.name), result, { html: flags.html !== false, generatedBy });
  } catch (e) {
    printError(e, flags.json);
    return EXIT.FAILURE;
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok: true,
          name: result.name,
          symbols: result.symbols,
          timeframe: result.timeframe,
          from: new Date(result.from).toISOString(),
          to: new Date(result.to).toISOString(),
          currency: result.currency,
          stats: result.stats,
          perf: result.perf,
          out: written.dir,
          files: Object.fromEntries(Object.entries(written.files).filter(([, v]) => v !== undefined)),
        },
        finiteOrNull,
      )}\n`,
    );
  } else {
    process.stdout.write(summaryText(result, written.files['report.html'] ?? written.dir));
  }
  return EXIT.OK;
}

/** `backtests/<run name>-<UTC stamp>` under the working directory (a new folder per run). */
export function defaultOutDir(name: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return path.join('backtests', `${name.replace(/[^\w.-]+/g, '_')}-${stamp}`);
}
