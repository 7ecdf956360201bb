/**
 * Walk-forward training of the logistic model on bar history (what `tradekit train` runs).
 *  1. Every symbol's bars go through the same incremental FeatureTrack the agent uses; at each bar
 *     the feature vector and a triple-barrier label are recorded (samples pooled across symbols).
 *  2. Samples are ordered by time. The last `1 − split` of them are the hold-out.
 *  3. The training part is cut into `folds + 1` blocks; fold k fits on blocks [0, k) and scores block k.
 *     A sample whose label window reaches into the scored block is left out of the fit (embargo).
 *  4. The saved model is fitted on the whole training part (embargoed against the hold-out) and scored
 *     on the hold-out, so its reported numbers are out-of-sample.
 */
import { TIMEFRAME_MS, type BarSeries, type Timeframe } from '@tradekit/core';
import { agentsError } from '../errors.js';
import { FEATURE_DEFAULTS, FeatureTrack, type FeatureParams } from '../features/track.js';
import { barrierLabel } from './labels.js';
import { fitLogistic, predictLogistic, type FitOptions } from './logistic.js';
import { classifierMetrics } from './metrics.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelFile } from './model-file.js';
import { FEATURE_COUNT, FEATURE_NAMES, featureVector } from './vector.js';

export interface TrainOptions {
  timeframe: Timeframe;
  /** Bars the label may look ahead. */
  horizonBars: number;
  tpAtr: number;
  slAtr: number;
  /** Walk-forward folds inside the training part. */
  folds: number;
  /** Fraction of samples (by time) used for training; the rest is the hold-out (the original's TRAIN_TEST_SPLIT 0.8). */
  split: number;
  l2: number;
  features: FeatureParams;
  maxIterations?: number;
}

export const TRAIN_DEFAULTS: TrainOptions = { timeframe: 'M5', horizonBars: 24, tpAtr: 1, slAtr: 1, folds: 4, split: 0.8, l2: 1, features: FEATURE_DEFAULTS };

export interface Dataset {
  rows: Float64Array;
  y: Uint8Array;
  /** Close time of each sample's bar. */
  time: Float64Array;
  /** Close time of the last bar each label looked at. */
  labelEnd: Float64Array;
  symbols: string[];
  length: number;
}

export function buildDataset(series: readonly BarSeries[], o: TrainOptions): Dataset {
  const barMs = TIMEFRAME_MS[o.timeframe];
  const rows: number[] = [];
  const y: number[] = [];
  const time: number[] = [];
  const end: number[] = [];
  const x = new Float64Array(FEATURE_COUNT);
  for (const s of series) {
    const t = new FeatureTrack(s.symbol, o.timeframe, o.features);
    for (let i = 0; i < s.length; i++) {
      t.push(s.time[i]!, s.open[i]!, s.high[i]!, s.low[i]!, s.close[i]!, s.volume[i]!);
      const v = featureVector(t, barMs, x);
      if (!v) continue;
      const label = barrierLabel(s.high, s.low, s.close[i]!, t.features.atr, i, o.horizonBars, o.tpAtr, o.slAtr);
      if (label < 0) continue;
      for (let j = 0; j < FEATURE_COUNT; j++) rows.push(v[j]!);
      y.push(label);
      time.push(s.time[i]! + barMs);
      end.push(s.time[Math.min(s.length - 1, i + o.horizonBars)]! + barMs);
    }
  }
  // Pool and order by time (stable across symbols).
  const order = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => time[a]! - time[b]! || a - b);
  const ds: Dataset = {
    rows: new Float64Array(order.length * FEATURE_COUNT),
    y: new Uint8Array(order.length),
    time: new Float64Array(order.length),
    labelEnd: new Float64Array(order.length),
    symbols: series.map((s) => s.symbol),
    length: order.length,
  };
  order.forEach((src, i) => {
    for (let j = 0; j < FEATURE_COUNT; j++) ds.rows[i * FEATURE_COUNT + j] = rows[src * FEATURE_COUNT + j]!;
    ds.y[i] = y[src]!;
    ds.time[i] = time[src]!;
    ds.labelEnd[i] = end[src]!;
  });
  return ds;
}

function subset(ds: Dataset, keep: (i: number) => boolean): { rows: Float64Array; y: Uint8Array; idx: number[] } {
  const idx: number[] = [];
  for (let i = 0; i < ds.length; i++) if (keep(i)) idx.push(i);
  const rows = new Float64Array(idx.length * FEATURE_COUNT);
  const y = new Uint8Array(idx.length);
  idx.forEach((src, i) => {
    rows.set(ds.rows.subarray(src * FEATURE_COUNT, (src + 1) * FEATURE_COUNT), i * FEATURE_COUNT);
    y[i] = ds.y[src]!;
  });
  return { rows, y, idx };
}

const iso = (t: number) => new Date(t).toISOString();

export interface TrainResult {
  model: ModelFile;
  dataset: { samples: number; train: number; holdout: number };
}

export function trainModel(series: readonly BarSeries[], opts: Partial<TrainOptions> = {}): TrainResult {
  const o: TrainOptions = { ...TRAIN_DEFAULTS, ...opts };
  if (!(o.split > 0 && o.split < 1)) throw agentsError('TK_ERR_AGENTS_CONFIG', `split must be between 0 and 1 (exclusive), got ${o.split}`);
  if (!(o.folds >= 1)) throw agentsError('TK_ERR_AGENTS_CONFIG', `folds must be ≥ 1, got ${o.folds}`);
  const ds = buildDataset(series, o);
  const minSamples = 50 * (o.folds + 1);
  if (ds.length < minSamples) {
    throw agentsError(
      'TK_ERR_AGENTS_TRAIN_DATA',
      `only ${ds.length} labelled samples from ${series.map((s) => `${s.symbol} (${s.length} bars)`).join(', ')}; need at least ${minSamples}: add history or symbols, or lower --folds`,
    );
  }
  const fit: Partial<FitOptions> = { l2: o.l2, maxIterations: o.maxIterations };
  const cut = Math.floor(ds.length * o.split);
  const holdoutStart = ds.time[cut]!;
  const trainCount = cut;
  const folds: ModelFile['validation']['folds'] = [];
  const block = Math.floor(trainCount / (o.folds + 1));
  for (let k = 1; k <= o.folds; k++) {
    const testFrom = k * block;
    const testTo = k === o.folds ? trainCount : (k + 1) * block;
    const start = ds.time[testFrom]!;
    const train = subset(ds, (i) => i < testFrom && ds.labelEnd[i]! < start);
    const test = subset(ds, (i) => i >= testFrom && i < testTo);
    if (!train.y.length || !test.y.length) continue;
    const m = fitLogistic(train.rows, train.y, FEATURE_COUNT, fit);
    const p = test.idx.map((_, i) => predictLogistic(m, test.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
    folds.push({ ...classifierMetrics(p, test.y), from: iso(start), to: iso(ds.time[testTo - 1]!) });
  }
  const train = subset(ds, (i) => i < cut && ds.labelEnd[i]! < holdoutStart);
  const m = fitLogistic(train.rows, train.y, FEATURE_COUNT, fit);
  const hold = subset(ds, (i) => i >= cut);
  const hp = hold.idx.map((_, i) => predictLogistic(m, hold.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
  let trainedThrough = 0;
  let positives = 0;
  for (const i of train.idx) {
    trainedThrough = Math.max(trainedThrough, ds.labelEnd[i]!);
    positives += ds.y[i]!;
  }
  const model: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    features: [...FEATURE_NAMES],
    weights: m.weights,
    bias: m.bias,
    mean: m.mean,
    std: m.std,
    label: { timeframe: o.timeframe, horizonBars: o.horizonBars, tpAtr: o.tpAtr, slAtr: o.slAtr },
    training: {
      symbols: ds.symbols,
      from: iso(ds.time[0]!),
      to: iso(ds.time[cut - 1]!),
      samples: train.y.length,
      positives,
      trainedThrough: iso(trainedThrough),
      l2: o.l2,
      iterations: m.iterations,
      converged: m.converged,
    },
    validation: {
      folds,
      holdout: hold.y.length ? { ...classifierMetrics(hp, hold.y), from: iso(holdoutStart), to: iso(ds.time[ds.length - 1]!) } : undefined,
    },
  };
  return { model, dataset: { samples: ds.length, train: train.y.length, holdout: hold.y.length } };
}
