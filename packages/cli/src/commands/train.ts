/**
 * `tradekit train`: fits the institutional agent's probability model (pure-TypeScript logistic
 * regression) on CSV history with a walk-forward split and saves it as JSON, ready for
 * `agents[].with.model`. Prints the per-fold and hold-out scores.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isTimeframe, type DstRule, type Timeframe, type TradekitError } from '@tradekit/core';
import { loadCsvHistory, saveModelFile, trainModel, TRAIN_DEFAULTS, type ClassifierMetrics, type HistoryOptions, type TrainOptions } from '@tradekit/agents';
import { cliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';

export interface TrainFlags {
  data: string;
  symbols: string;
  out: string;
  timeframe?: string;
  horizon?: string;
  barrierAtr?: string;
  folds?: string;
  split?: string;
  l2?: string;
  utcOffset?: string;
  dst?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

function num(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw usage(`--${name} must be a number, got "${v}"`);
  return n;
}

function usage(msg: string): TradekitError {
  return cliError('TK_ERR_CLI_ARG', msg);
}

function date(v: string | undefined, end: boolean): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v.length === 10 ? `${v}T${end ? '23:59:59' : '00:00:00'}Z` : v);
  if (!Number.isFinite(t)) throw usage(`"${v}" is not a date (YYYY-MM-DD)`);
  return t;
}

const fmt = (m: ClassifierMetrics & { from: string; to: string }) =>
  `${m.from.slice(0, 16)} → ${m.to.slice(0, 16)}  n=${String(m.samples).padStart(6)}  base ${m.baseRate.toFixed(3)}  acc ${m.accuracy.toFixed(3)}  auc ${m.auc.toFixed(3)}  logloss ${m.logLoss.toFixed(4)}  brier ${m.brier.toFixed(4)}`;

export async function trainCommand(flags: TrainFlags): Promise<number> {
  let o: Omit<TrainOptions, 'features' | 'maxIterations'> & Omit<HistoryOptions, 'dir' | 'symbols'>;
  try {
    const tf = flags.timeframe ?? TRAIN_DEFAULTS.timeframe;
    if (!isTimeframe(tf)) throw usage(`--timeframe ${tf} is not a timeframe (M1, M5, M15, M30, H1, H4, D1)`);
    const dst = (flags.dst ?? 'us') as DstRule;
    if (!['us', 'eu', 'none'].includes(dst)) throw usage(`--dst must be us, eu or none, got "${dst}"`);
    const barrier = num('barrier-atr', flags.barrierAtr, TRAIN_DEFAULTS.tpAtr);
    o = {
      timeframe: tf as Timeframe,
      horizonBars: num('horizon', flags.horizon, TRAIN_DEFAULTS.horizonBars),
      tpAtr: barrier,
      slAtr: barrier,
      folds: num('folds', flags.folds, TRAIN_DEFAULTS.folds),
      split: num('split', flags.split, TRAIN_DEFAULTS.split),
      l2: num('l2', flags.l2, TRAIN_DEFAULTS.l2),
      serverTime: { utcOffsetHours: num('utc-offset', flags.utcOffset, 2), dst },
      from: date(flags.from, false),
      to: date(flags.to, true),
    };
  } catch (e) {
    printError(e, flags.json);
    return EXIT.CONFIG;
  }
  const symbols = flags.symbols
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    const series = await loadCsvHistory({ dir: path.resolve(flags.data), symbols, timeframe: o.timeframe, serverTime: o.serverTime, from: o.from, to: o.to });
    const { model, dataset } = trainModel(series, {
      timeframe: o.timeframe,
      horizonBars: o.horizonBars,
      tpAtr: o.tpAtr,
      slAtr: o.slAtr,
      folds: o.folds,
      split: o.split,
      l2: o.l2,
    });
    model.training.createdAt = new Date().toISOString();
    const out = path.resolve(flags.out);
    await mkdir(path.dirname(out), { recursive: true });
    await saveModelFile(out, model);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ out, dataset, training: model.training, validation: model.validation })}\n`);
    } else {
      process.stdout.write(
        `tradekit train: ${dataset.samples} labelled samples from ${symbols.join(', ')} (${o.timeframe}, ${o.horizonBars}-bar horizon, ±${o.tpAtr} ATR barriers)\n`,
      );
      process.stdout.write(`walk-forward folds (fit on everything before each, embargoed):\n`);
      for (const f of model.validation.folds) process.stdout.write(`  ${fmt(f)}\n`);
      if (model.validation.holdout)
        process.stdout.write(`hold-out (last ${Math.round((1 - o.split) * 100)} %, never seen in fitting):\n  ${fmt(model.validation.holdout)}\n`);
      process.stdout.write(
        `model fitted on ${dataset.train} samples through ${model.training.trainedThrough} (${model.training.iterations} Newton steps${model.training.converged ? '' : ', NOT converged'}) → ${out}\n`,
      );
    }
    return EXIT.OK;
  } catch (e) {
    printError(e, flags.json);
    return EXIT.FAILURE;
  }
}
