/** The pure-TypeScript probability model: fitting, scoring, walk-forward training, the JSON file, `tradekit train`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryStateStore, Run, SimClock, isTradekitError, silentLogger } from '@tradekit/core';
import {
  FEATURE_DEFAULTS,
  FEATURE_NAMES,
  FeatureHub,
  FeatureTrack,
  INSTITUTIONAL_SCHEMA,
  InstitutionalAgent,
  auc,
  barrierLabel,
  classifierMetrics,
  featureVector,
  fitLogistic,
  loadCsvHistory,
  loadModelFile,
  predictLogistic,
  saveModelFile,
  sigmoid,
  trainModel,
  type InstitutionalConfig,
  type ModelFile,
} from '@tradekit/agents';
import { REPO_ROOT, SAMPLE_DIR, gauss, rng, sampleSource, tempDir, withDefaults } from './helpers.js';

describe('logistic model', () => {
  it('recovers the coefficients of a known logistic process', () => {
    const r = rng(9);
    const n = 20_000;
    const rows = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = gauss(r);
      const b = gauss(r);
      rows[2 * i] = a;
      rows[2 * i + 1] = b;
      y[i] = r() < sigmoid(0.5 + 2 * a - b) ? 1 : 0;
    }
    const m = fitLogistic(rows, y, 2, { l2: 0.01 });
    assert.ok(m.converged && m.iterations < 15, `${m.iterations} iterations`);
    // Weights are on standardised inputs: w_j / std_j is the raw coefficient.
    const raw = m.weights.map((w, j) => w / m.std[j]!);
    const bias = m.bias - m.weights.reduce((s, w, j) => s + (w * m.mean[j]!) / m.std[j]!, 0);
    assert.ok(Math.abs(raw[0]! - 2) < 0.1 && Math.abs(raw[1]! + 1) < 0.07 && Math.abs(bias - 0.5) < 0.07, `${raw} ${bias}`);
    assert.ok(Math.abs(predictLogistic(m, [0, 0]) - sigmoid(bias)) < 1e-12);
  });

  it('AUC and the other scores on hand-checked cases', () => {
    assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(auc([0.5, 0.5], [0, 1]), 0.5);
    const m = classifierMetrics([0.9, 0.2, 0.7, 0.4], [1, 0, 1, 0]);
    assert.equal(m.accuracy, 1);
    assert.equal(m.auc, 1);
    assert.ok(Math.abs(m.logLoss - -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7) + Math.log(0.6)) / 4) < 1e-12);
    assert.ok(Math.abs(m.brier - (0.01 + 0.04 + 0.09 + 0.16) / 4) < 1e-12);
  });

  it('triple-barrier labels: target first = 1, stop first (or both in one bar) = 0, neither = −1', () => {
    const high = [10, 10.5, 11.2, 10];
    const low = [9.9, 9.6, 10.4, 9];
    assert.equal(barrierLabel(high, low, 10, 1, 0, 3, 1, 1), 1); // 11.2 ≥ 11 at bar 2; lows stay above 9
    assert.equal(barrierLabel(high, low, 10, 1, 0, 3, 1, 0.3), 0); // 9.6 ≤ 9.7 at bar 1
    assert.equal(barrierLabel(high, low, 10, 1, 0, 1, 1, 1), -1);
    assert.equal(barrierLabel([10, 12], [10, 8], 10, 1, 0, 1, 1, 1), 0, 'both in one bar: pessimistic');
  });
});

describe('walk-forward training on the sample data', function () {
  this.timeout(60_000);
  let file: ModelFile;
  let out = '';
  before(async () => {
    const series = await loadCsvHistory({ dir: SAMPLE_DIR, symbols: ['EURUSD', 'XAUUSD'], timeframe: 'M5' });
    const r = trainModel(series, { folds: 3, split: 0.8 });
    file = r.model;
    out = path.join(tempDir(), 'model.json');
    await saveModelFile(out, file);
    assert.ok(r.dataset.samples > 10_000);
  });

  it('reports out-of-sample folds in time order and a hold-out after everything it was fitted on', () => {
    const f = file.validation.folds;
    assert.equal(f.length, 3);
    for (let i = 1; i < f.length; i++) assert.ok(f[i]!.from >= f[i - 1]!.to, 'folds do not overlap');
    const h = file.validation.holdout!;
    assert.ok(Date.parse(file.training.trainedThrough) < Date.parse(h.from), 'embargo: no label of the fit reaches into the hold-out');
    for (const m of [...f, h]) {
      assert.ok(m.samples > 500 && m.auc > 0.4 && m.auc < 0.65, `AUC ${m.auc}: near a coin, as M5 direction is`);
      assert.ok(m.logLoss < 0.75);
    }
    assert.deepEqual(file.features, [...FEATURE_NAMES]);
    assert.ok(file.training.converged);
  });

  it('the saved model scores a live track exactly like the fitted function', async () => {
    const model = await loadModelFile(out);
    assert.equal(model.trainedThrough, Date.parse(file.training.trainedThrough));
    const src = await sampleSource(new SimClock(8.64e15), ['EURUSD'], ['M5']);
    const t = new FeatureTrack('EURUSD', 'M5');
    t.feed(src.bars('EURUSD', 'M5', 500));
    const p = model.probabilityLong(t, 300_000)!;
    assert.ok(p > 0 && p < 1);
    assert.equal(p, predictLogistic(file, featureVector(t, 300_000)!));
    const cold = new FeatureTrack('EURUSD', 'M5');
    cold.feed(src.bars('EURUSD', 'M5', 20));
    assert.equal(model.probabilityLong(cold, 300_000), undefined, 'inputs not ready → undefined (the agent uses 0.5)');
  });

  it('a broken model file is a coded error that says to retrain', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['not-json.json', '{ nope'],
      ['format.json', JSON.stringify({ ...file, format: 'sklearn' })],
      ['features.json', JSON.stringify({ ...file, features: ['a', 'b'] })],
      ['nan.json', JSON.stringify({ ...file, weights: file.weights.map(() => null) })],
    ];
    for (const [name, text] of cases) {
      writeFileSync(path.join(dir, name), text);
      await assert.rejects(loadModelFile(path.join(dir, name)), (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_MODEL_FILE', name);
    }
    await assert.rejects(loadModelFile(path.join(dir, 'missing.json')), (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_MODEL_FILE');
  });

  it('a model trained on one timeframe is refused by an agent on another (file, agent and plugin setup)', async () => {
    assert.equal(file.label.timeframe, 'M5');
    assert.equal((await loadModelFile(out, { timeframe: 'M5' })).timeframe, 'M5');
    await assert.rejects(
      loadModelFile(out, { timeframe: 'H1' }),
      (e: unknown) =>
        isTradekitError(e) &&
        e.code === 'TK_ERR_AGENTS_MODEL_FILE' &&
        /trained on M5 bars but the agent trades H1/.test(e.message) &&
        /--timeframe H1/.test(e.message),
    );
    // A ProbabilityModel handed to the agent directly is checked too.
    const model = await loadModelFile(out);
    const deps = { hub: new FeatureHub(), featureParams: FEATURE_DEFAULTS, model, store: new MemoryStateStore(), log: silentLogger(), instance: 'inst' };
    const cfg = (tf: string) => withDefaults<InstitutionalConfig>(INSTITUTIONAL_SCHEMA, { timeframe: tf });
    assert.throws(
      () => new InstitutionalAgent('EURUSD', cfg('H1'), deps),
      (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_MODEL_FILE',
    );
    assert.equal(new InstitutionalAgent('EURUSD', cfg('M5'), deps).symbol, 'EURUSD');
    // And through a run: setup fails with the model's code as the cause.
    const dir = tempDir();
    const configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `run: { name: tf-test, mode: paper, cycleSeconds: 3600, pace: max, from: '2026-06-01', to: '2026-06-02' }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${SAMPLE_DIR}, timeframes: [M5, H1, H4] } }
broker: { use: '@tradekit/core/paper', with: { balance: 10000 } }
agents:
  - use: '@tradekit/agents/institutional'
    with: { timeframe: H1, model: ${out} }
state: { url: 'memory:' }
logging: { level: silent }
`,
    );
    const run = await Run.load({ configFile, searchPaths: [import.meta.url], logger: silentLogger() });
    await assert.rejects(
      run.start(),
      (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_PLUGIN_SETUP' && isTradekitError(e.cause) && e.cause.code === 'TK_ERR_AGENTS_MODEL_FILE',
    );
    await run.close();
  });

  it('too little history or a bad split is refused with a coded error', async () => {
    const series = await loadCsvHistory({
      dir: SAMPLE_DIR,
      symbols: ['EURUSD'],
      timeframe: 'M5',
      from: Date.parse('2026-06-01T00:00:00Z'),
      to: Date.parse('2026-06-01T12:00:00Z'),
    });
    assert.throws(
      () => trainModel(series),
      (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_TRAIN_DATA',
    );
    assert.throws(
      () => trainModel(series, { split: 1 }),
      (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_AGENTS_CONFIG',
    );
  });
});

describe('tradekit train (the CLI command)', function () {
  this.timeout(60_000);
  const bin = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'tradekit.js');

  it('fits on CSV history, prints the walk-forward scores and writes a model the agent loads', async () => {
    const out = path.join(tempDir(), 'models', 'm.json');
    const r = spawnSync(process.execPath, [bin, 'train', '--data', SAMPLE_DIR, '--symbols', 'EURUSD,GBPUSD', '--out', out, '--folds', '2', '--json'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { out: string; dataset: { samples: number }; validation: { folds: unknown[]; holdout: { auc: number } } };
    assert.equal(report.out, out);
    assert.equal(report.validation.folds.length, 2);
    assert.ok(report.dataset.samples > 10_000);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as ModelFile;
    assert.deepEqual(saved.training.symbols, ['EURUSD', 'GBPUSD']);
    assert.ok(saved.training.createdAt);
    await loadModelFile(out);
    const human = spawnSync(process.execPath, [bin, 'train', '--data', SAMPLE_DIR, '--symbols', 'USDJPY', '--out', out, '--folds', '2'], { encoding: 'utf8' });
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /walk-forward folds/);
    assert.match(human.stdout, /hold-out \(last 20 %, never seen in fitting\)/);
  });

  it('bad flags exit 2, missing data exits 1 with the data error code', () => {
    const out = path.join(tempDir(), 'm.json');
    const bad = spawnSync(process.execPath, [bin, 'train', '--data', SAMPLE_DIR, '--symbols', 'EURUSD', '--out', out, '--split', 'lots'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--split must be a number/);
    assert.match(bad.stderr, /TK_ERR_CLI_ARG/);
    const missing = spawnSync(process.execPath, [bin, 'train', '--data', path.join(tempDir(), 'nothing'), '--symbols', 'EURUSD', '--out', out], {
      encoding: 'utf8',
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /TK_ERR_DATA_NOT_FOUND/);
    const noArgs = spawnSync(process.execPath, [bin, 'train'], { encoding: 'utf8' });
    assert.equal(noArgs.status, 2, 'missing required options is a usage error');
  });
});
