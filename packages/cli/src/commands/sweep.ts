import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigErrors, applyRunOverrides, loadConfig, type TradekitError } from '@tradekit/core';
import { cliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { exitCodeFor } from '../exit-for.js';
import { parseCount, parseDate, parseSets, parseSymbols } from '../options.js';
import { progressBar } from '../progress.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';
import { CLI_VERSION } from '../version.js';
import { finiteOrNull, toJson } from '../backtest/rows.js';
import { MAX_FULL_GRID, combinationAt, readGrid, type Grid } from '../sweep/grid.js';
import type { SweepBase, SweepJobResult } from '../sweep/messages.js';
import { runPool } from '../sweep/pool.js';
import type { QueuedSweep } from '../sweep/queue-run.js';
import { metricOf, rank, rankedTable, resultsCsv, type Metric } from '../sweep/rank.js';
import { allIndices, newSeed, sampleIndices, seedOf } from '../sweep/sample.js';

export interface SweepFlags {
  grid: string;
  workers?: string;
  samples?: string;
  seed?: string;
  rankBy?: string;
  top?: string;
  from?: string;
  to?: string;
  symbols?: string;
  timeframe?: string;
  set?: string[];
  out?: string;
  progress?: boolean;
  json?: boolean;
  /** redis://…: run the combinations as jobs for `tradekit worker` processes. */
  queue?: string;
  /** With --queue: resume (or re-enqueue) this sweep. */
  sweepId?: string;
}

/**
 * `tradekit sweep`: one full backtest per grid combination across worker threads (or, with `--queue`,
 * across `tradekit worker` processes on BullMQ), ranked.
 */
export async function sweepCommand(file: string, flags: SweepFlags): Promise<number> {
  let grid: Grid;
  let plan: {
    metric: Metric;
    workers: number;
    samples: number | undefined;
    top: number;
    seed: number | undefined;
    base: SweepBase;
    queue: { url: string; sweepId: string } | undefined;
  };
  try {
    const metric = metricOf(flags.rankBy ?? 'sharpe');
    const workers = parseCount('--workers', flags.workers) ?? os.availableParallelism();
    const samples = parseCount('--samples', flags.samples);
    const top = parseCount('--top', flags.top) ?? 20;
    const seed = flags.seed !== undefined ? seedOf(flags.seed) : samples !== undefined ? newSeed() : undefined;
    grid = readGrid(flags.grid);
    if (samples === undefined && grid.size > MAX_FULL_GRID) {
      throw cliError(
        'TK_ERR_GRID_SHAPE',
        `the grid has ${grid.size.toLocaleString('en-US')} combinations (more than ${MAX_FULL_GRID.toLocaleString('en-US')}): add --samples N to run N of them at random`,
        { file: flags.grid, line: 1, column: 1, path: '$' },
      );
    }
    const base: SweepBase = {
      configFile: path.resolve(file),
      searchPaths: searchPaths(),
      from: parseDate('--from', flags.from),
      to: parseDate('--to', flags.to),
      symbols: parseSymbols(flags.symbols),
      timeframe: flags.timeframe,
      set: parseSets(flags.set),
    };
    let queue: { url: string; sweepId: string } | undefined;
    if (flags.queue !== undefined) {
      const { parseQueueUrl, parseSweepId } = await import('../sweep/queue-options.js');
      queue = { url: parseQueueUrl(flags.queue), sweepId: parseSweepId(flags.sweepId) };
    } else if (flags.sweepId !== undefined) {
      throw cliError('TK_ERR_CLI_ARG', '--sweep-id needs --queue redis://host:port (a sweep id names a sweep on the queue)');
    }
    await checkConfig(file, base, grid);
    plan = { metric, workers, samples, top, seed, base, queue };
  } catch (e) {
    printError(e, flags.json);
    return exitCodeFor(e);
  }
  const { metric, workers, samples, top, seed, base, queue } = plan;
  if (flags.seed !== undefined && samples === undefined)
    process.stderr.write('sweep: --seed has no effect without --samples (every combination runs, in grid order)\n');
  if (queue && flags.workers !== undefined)
    process.stderr.write('sweep: --workers has no effect with --queue (each `tradekit worker` sets its own --jobs-concurrency)\n');

  const indices = samples !== undefined ? sampleIndices(grid.size, samples, seed!) : allIndices(grid.size);
  const jobs = indices.map((index) => ({ index, params: combinationAt(grid, index) }));
  let used = Math.min(workers, jobs.length);
  const seedNote = seed !== undefined && samples !== undefined ? ` (seed ${seed})` : '';
  const where = queue ? `the queue (sweep ${queue.sweepId})` : `${used} worker thread${used > 1 ? 's' : ''}`;
  process.stderr.write(`sweep: ${jobs.length} of ${grid.size} combination${grid.size > 1 ? 's' : ''} on ${where}${seedNote}, ranked by ${metric.name}\n`);

  const bar = progressBar('sweep', { enabled: flags.progress !== false && process.stderr.isTTY === true, unit: 'backtests' });
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string) => {
    if (++interrupts > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write(
      queue
        ? `\n${sig}: removing the sweep's waiting jobs, then ranking what is done (resume with --sweep-id ${queue.sweepId}; press again to force)\n`
        : `\n${sig}: finishing the backtests in flight, then ranking what is done (press again to force)\n`,
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  let results: SweepJobResult[];
  let queued: Omit<QueuedSweep, 'results'> | undefined;
  try {
    if (queue) {
      const { runQueued } = await import('../sweep/queue-run.js');
      let drawn = false;
      const note = (line: string) => process.stderr.write(`${drawn ? '\n' : ''}${line}\n`);
      const onProgress = (done: number, total: number) => {
        drawn = true;
        bar.update(done, total);
      };
      const q = await runQueued(jobs, { ...queue, base, axes: grid.axes, signal: abort.signal, onProgress, note });
      ({ results, ...queued } = q);
      used = q.workers;
    } else {
      bar.update(0, jobs.length);
      results = await runPool(jobs, { workers, base, signal: abort.signal, onResult: (_r, done, total) => bar.update(done, total) });
    }
  } catch (e) {
    printError(e, flags.json);
    return exitCodeFor(e);
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const wallMs = performance.now() - t0;
  const ranked = rank(results, (i) => combinationAt(grid, i), metric);
  const failed = ranked.filter((r) => !r.ok);
  const busyMs = results.reduce((s, r) => s + r.wallMs, 0);
  const paths = grid.axes.map((a) => a.path);
  const summary = {
    generatedBy: `tradekit ${CLI_VERSION}`,
    config: base.configFile,
    grid: path.resolve(flags.grid),
    axes: grid.axes.map((a) => ({ path: a.path, values: a.values })),
    combinations: grid.size,
    ran: results.length,
    failed: failed.length,
    interrupted: abort.signal.aborted,
    samples: samples ?? null,
    seed: samples !== undefined ? seed : null,
    rankBy: metric.name,
    workers: used,
    ...(queue && queued ? { queue: queued.where, sweepId: queue.sweepId, resumed: queued.resumed, duplicates: queued.duplicates } : {}),
    wallMs: Math.round(wallMs),
    /** Sum of the backtests' own times over wall time: how many ran at once on average. */
    parallelism: wallMs > 0 ? Math.round((busyMs / wallMs) * 100) / 100 : 0,
    results: ranked,
  };

  if (flags.out) {
    try {
      mkdirSync(flags.out, { recursive: true });
      writeFileSync(path.join(flags.out, 'results.csv'), resultsCsv(ranked, paths));
      writeFileSync(path.join(flags.out, 'results.json'), toJson(summary));
    } catch (e) {
      printError(
        cliError('TK_ERR_REPORT_WRITE', `cannot write sweep results to ${flags.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
          file: flags.out,
          cause: e,
        }),
        flags.json,
      );
      return EXIT.FAILURE;
    }
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, finiteOrNull)}\n`);
  } else {
    process.stdout.write(rankedTable(ranked, paths, metric, top));
    process.stdout.write(
      `sweep: ${results.length} backtests in ${(wallMs / 1000).toFixed(2)} s on ${used} worker${used > 1 ? 's' : ''}${queue ? ` (sweep ${queue.sweepId} on the queue)` : ''} (${summary.parallelism}× parallel)` +
        `${failed.length ? `, ${failed.length} failed` : ''}${flags.out ? `; results in ${flags.out}` : ''}\n`,
    );
  }
  if (abort.signal.aborted) return EXIT.INTERRUPTED;
  return results.length > 0 && failed.length === results.length ? EXIT.FAILURE : EXIT.OK;
}

/**
 * Before any worker starts: the config must be valid with the `--set` values, and with the grid's
 * first values every grid key must be a key the config accepts (a typo like `with.fsat` is a grid
 * error at its line, not N failed backtests). Bad values (a `fast` ≥ `slow`) stay per-combination.
 */
async function checkConfig(file: string, base: SweepBase, grid: Grid): Promise<void> {
  const load = (extra: Record<string, unknown>) =>
    loadConfig(file, {
      searchPaths: base.searchPaths,
      overrides: (raw) =>
        applyRunOverrides(raw, { from: base.from, to: base.to, timeframe: base.timeframe, symbols: base.symbols, set: { ...base.set, ...extra } }),
    });
  const plain = await load({});
  if (plain.errors.length) throw new ConfigErrors(plain.errors);
  const first = await load(combinationAt(grid, 0));
  for (const e of first.errors) {
    const axis = grid.axes.find(
      (a) =>
        e.path !== undefined &&
        (e.path === a.path ||
          e.path.startsWith(`${a.path}.`) ||
          e.path.startsWith(`${a.path}[`) ||
          a.path.startsWith(`${e.path}.`) ||
          a.path.startsWith(`${e.path}[`)),
    );
    if (axis && e.code === 'TK_ERR_CONFIG_UNKNOWN_KEY') {
      throw cliError('TK_ERR_GRID_PATH', `${axis.path} is not a key of ${path.basename(file)}: ${e.message}`, {
        file: grid.file,
        line: axis.line,
        column: axis.column,
        path: axis.path,
        cause: e as TradekitError,
      });
    }
  }
}
