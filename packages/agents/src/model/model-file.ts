/**
 * The probability model as a pluggable point: anything with `probabilityLong(track)` can be handed to
 * the institutional agent. The shipped one is the logistic model `tradekit train` writes as JSON
 * (the original averaged RandomForest/XGBoost pickles that cannot be loaded outside Python).
 * With no model configured the probability is neutral (0.5) and the model gate is not applied.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { FeatureTrack } from '../features/track.js';
import { agentsError } from '../errors.js';
import { predictLogistic } from './logistic.js';
import type { ClassifierMetrics } from './metrics.js';
import { FEATURE_COUNT, FEATURE_NAMES, featureVector } from './vector.js';

export interface ProbabilityModel {
  readonly name: string;
  /** Epoch ms of the last price the model was fitted on (replays before it are in-sample). */
  readonly trainedThrough?: number;
  /** Timeframe of the bars the model was trained on; an agent on another timeframe refuses it. */
  readonly timeframe?: string;
  /** P(a long trade reaches its target before its stop), or undefined while inputs are not ready. */
  probabilityLong(track: FeatureTrack, barMs: number): number | undefined;
}

export const MODEL_FORMAT = 'tradekit.logistic';
export const MODEL_VERSION = 1;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  features: string[];
  weights: number[];
  bias: number;
  mean: number[];
  std: number[];
  label: { timeframe: string; horizonBars: number; tpAtr: number; slAtr: number };
  training: {
    symbols: string[];
    from: string;
    to: string;
    samples: number;
    positives: number;
    trainedThrough: string;
    l2: number;
    iterations: number;
    converged: boolean;
    createdAt?: string;
  };
  validation: { folds: (ClassifierMetrics & { from: string; to: string })[]; holdout?: ClassifierMetrics & { from: string; to: string } };
}

export class LogisticModel implements ProbabilityModel {
  readonly name: string;
  readonly trainedThrough?: number;
  readonly timeframe: string;
  private readonly x = new Float64Array(FEATURE_COUNT);

  constructor(
    readonly file: ModelFile,
    name = 'logistic',
  ) {
    this.name = name;
    const t = Date.parse(file.training.trainedThrough);
    this.trainedThrough = Number.isFinite(t) ? t : undefined;
    this.timeframe = file.label.timeframe;
  }

  probabilityLong(track: FeatureTrack, barMs: number): number | undefined {
    const v = featureVector(track, barMs, this.x);
    return v ? predictLogistic(this.file, v) : undefined;
  }
}

/** Checks a parsed model file; throws TK_ERR_AGENTS_MODEL_FILE naming the first problem. */
export function validateModelFile(v: unknown, where: string): ModelFile {
  const bad = (msg: string) => agentsError('TK_ERR_AGENTS_MODEL_FILE', `${where}: ${msg}; retrain it with \`tradekit train\``);
  if (!v || typeof v !== 'object') throw bad('not a JSON object');
  const m = v as Partial<ModelFile>;
  if (m.format !== MODEL_FORMAT) throw bad(`format is ${JSON.stringify(m.format)}, expected "${MODEL_FORMAT}"`);
  if (m.version !== MODEL_VERSION) throw bad(`version ${String(m.version)} is not supported (expected ${MODEL_VERSION})`);
  if (!Array.isArray(m.features) || m.features.join(',') !== FEATURE_NAMES.join(',')) {
    throw bad(`its features [${String(m.features)}] are not this version's [${FEATURE_NAMES.join(', ')}]`);
  }
  for (const k of ['weights', 'mean', 'std'] as const) {
    const a = m[k];
    if (!Array.isArray(a) || a.length !== FEATURE_COUNT || !a.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw bad(`${k} must be ${FEATURE_COUNT} finite numbers`);
  }
  if (m.std!.some((s) => !(s > 0))) throw bad('std must be positive');
  if (typeof m.bias !== 'number' || !Number.isFinite(m.bias)) throw bad('bias must be a finite number');
  if (!m.label || !m.training || !m.validation) throw bad('label, training and validation sections are required');
  if (typeof m.label.timeframe !== 'string' || !m.label.timeframe) throw bad('label.timeframe must name the timeframe it was trained on');
  return m as ModelFile;
}

/**
 * Refuses a model trained on another timeframe than the agent's (its features — ATR-normalised
 * returns over N bars, hour of day, volatility ratios — mean something else on other bars).
 */
export function checkModelTimeframe(model: ProbabilityModel, timeframe: string, where: string): void {
  if (model.timeframe !== undefined && model.timeframe !== timeframe) {
    throw agentsError(
      'TK_ERR_AGENTS_MODEL_FILE',
      `${where} was trained on ${model.timeframe} bars but the agent trades ${timeframe}: retrain it with \`tradekit train --timeframe ${timeframe}\` or set the agent's timeframe to ${model.timeframe}`,
      { details: { modelTimeframe: model.timeframe, agentTimeframe: timeframe } },
    );
  }
}

/** Reads and checks a model file; with `expect.timeframe`, a model trained on another timeframe is refused. */
export async function loadModelFile(path: string, expect: { timeframe?: string } = {}): Promise<LogisticModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw agentsError('TK_ERR_AGENTS_MODEL_FILE', `cannot read model file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw agentsError('TK_ERR_AGENTS_MODEL_FILE', `${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const model = new LogisticModel(validateModelFile(json, path), path.split('/').pop() ?? 'logistic');
  if (expect.timeframe !== undefined) checkModelTimeframe(model, expect.timeframe, path);
  return model;
}

export async function saveModelFile(path: string, m: ModelFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`, 'utf8');
}
