/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised inputs: exact,
 * deterministic, a handful of iterations, no dependency. `predict` is a dot product.
 */
export interface LogisticFit {
  weights: number[];
  bias: number;
  mean: number[];
  std: number[];
  iterations: number;
  converged: boolean;
}

export interface FitOptions {
  /** L2 penalty on the (standardised) weights, not on the bias. */
  l2: number;
  maxIterations: number;
  tolerance: number;
}

export const FIT_DEFAULTS: FitOptions = { l2: 1, maxIterations: 50, tolerance: 1e-8 };

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** `rows`: n × d inputs (row-major), `y`: 0/1 labels. */
export function fitLogistic(rows: Float64Array, y: Uint8Array, d: number, opts: Partial<FitOptions> = {}): LogisticFit {
  const o: FitOptions = { ...FIT_DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as unknown as Record<string, number>)[k] = v as number;
  const n = y.length;
  if (rows.length !== n * d) throw new RangeError(`rows has ${rows.length} values, expected ${n} × ${d}`);
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += rows[i * d + j]! / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = rows[i * d + j]! - mean[j]!;
      std[j]! += (v * v) / n;
    }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) || 1;
  // Parameters: [bias, w1..wd] on standardised x.
  const k = d + 1;
  const beta = new Float64Array(k);
  const x = new Float64Array(k);
  const H = new Float64Array(k * k);
  const g = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  for (; iterations < o.maxIterations; iterations++) {
    H.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      x[0] = 1;
      for (let j = 0; j < d; j++) x[j + 1] = (rows[i * d + j]! - mean[j]!) / std[j]!;
      let z = 0;
      for (let j = 0; j < k; j++) z += beta[j]! * x[j]!;
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      const r = y[i]! - p;
      for (let a = 0; a < k; a++) {
        g[a]! += r * x[a]!;
        const wa = w * x[a]!;
        for (let b = a; b < k; b++) H[a * k + b]! += wa * x[b]!;
      }
    }
    for (let a = 1; a < k; a++) {
      g[a]! -= o.l2 * beta[a]!;
      H[a * k + a]! += o.l2;
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) H[a * k + b] = H[b * k + a]!;
    const step = choleskySolve(H, g, k);
    let maxStep = 0;
    for (let j = 0; j < k; j++) {
      beta[j]! += step[j]!;
      maxStep = Math.max(maxStep, Math.abs(step[j]!));
    }
    if (maxStep < o.tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { bias: beta[0]!, weights: Array.from(beta.subarray(1)), mean, std, iterations, converged };
}

/** Solves A x = b for a symmetric positive-definite A (k × k, row-major). */
export function choleskySolve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j]!;
      for (let m = 0; m < j; m++) s -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) L[i * k + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * k + j] = s / L[j * k + j]!;
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= L[i * k + m]! * z[m]!;
    z[i] = s / L[i * k + i]!;
  }
  const out = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < k; m++) s -= L[m * k + i]! * out[m]!;
    out[i] = s / L[i * k + i]!;
  }
  return out;
}

/** P(y = 1 | x). */
export function predictLogistic(m: Pick<LogisticFit, 'weights' | 'bias' | 'mean' | 'std'>, x: ArrayLike<number>): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) z += m.weights[j]! * ((x[j]! - m.mean[j]!) / m.std[j]!);
  return sigmoid(z);
}
