/**
 * `engleGranger` (cointegration.ts) without its allocations and repeated work, giving the same bits:
 *  - every ADF lag candidate is fitted on the same rows, and entry (a, b) of XᵀX is the same
 *    sequential sum over those rows whatever the lag, so XᵀX and Xᵀy are accumulated once for the
 *    largest lag and each smaller lag reads their leading block;
 *  - the Cholesky factor of a leading block is the leading block of the full factor (entry (i, j)
 *    only reads entries above and left of it, in the same order), and so is the forward-substituted
 *    vector: one factorisation and one forward pass serve every lag, each lag only back-substitutes;
 *  - only the standard error the statistic needs (γ's) is computed, once, for the chosen lag;
 *  - residuals, differences and matrices live in scratch arrays reused across fits.
 * Every floating-point operation is the reference's, in the reference's order; a test checks the
 * results are identical (Object.is) to `engleGranger` on random and real series.
 */
import { mackinnonP2, type Cointegration } from './cointegration.js';

export class EngleGrangerFit {
  private n = -1;
  private res = new Float64Array(0);
  private dx = new Float64Array(0);
  /** XᵀX (row-major, stride `K`), its Cholesky factor, Xᵀy, the forward vector, coefficients, a unit vector. */
  private xtx = new Float64Array(0);
  private chol = new Float64Array(0);
  private xty = new Float64Array(0);
  private z = new Float64Array(0);
  private coef = new Float64Array(0);
  private unit = new Float64Array(0);
  /** One row's regressors. */
  private reg = new Float64Array(0);

  /** Engle-Granger of `a` on `b` over their first `n` values (default: all of `a`). */
  fit(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): Cointegration {
    this.size(n);
    // OLS of a on [1, b] (k = 2), accumulated as `ols` does: (a, b) pairs row by row.
    const xtx = this.xtx;
    const xty = this.xty;
    xtx[0] = 0;
    xtx[1] = 0;
    xtx[3] = 0;
    xty[0] = 0;
    xty[1] = 0;
    for (let i = 0; i < n; i++) {
      const bi = b[i]!;
      const yi = a[i]!;
      xty[0]! += 1 * yi;
      xtx[0]! += 1 * 1;
      xtx[1]! += 1 * bi;
      xty[1]! += bi * yi;
      xtx[3]! += bi * bi;
    }
    // stride 2 for this small system
    choleskyFactor(xtx, 2, 2, this.chol);
    forward(this.chol, 2, 2, xty, this.z);
    back(this.chol, 2, 2, this.z, this.coef);
    const alpha = this.coef[0]!;
    const beta = this.coef[1]!;
    const res = this.res;
    for (let i = 0; i < n; i++) {
      let fit = 0;
      fit += alpha * 1;
      fit += beta * b[i]!;
      res[i] = a[i]! - fit;
    }
    const adf = this.adf(n);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += res[i]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (res[i]! - mean) ** 2;
    const std = Math.sqrt(ss / Math.max(1, n - 1));
    const last = res[n - 1]!;
    return { alpha, beta, adf, pValue: mackinnonP2(adf.stat), mean, std, z: std > 0 ? (last - mean) / std : 0, n };
  }

  /** `adfNoConstant(residuals)` with the default lag bound. */
  private adf(n: number): { stat: number; lag: number; nobs: number } {
    const x = this.res;
    const dx = this.dx;
    for (let i = 1; i < n; i++) dx[i - 1] = x[i]! - x[i - 1]!;
    let maxlag = Math.ceil(12 * (n / 100) ** 0.25);
    maxlag = Math.max(0, Math.min(maxlag, Math.floor(n / 2) - 2));
    let best = 0;
    if (maxlag > 0) {
      const K = maxlag + 1;
      const rows = this.accumulate(n, maxlag, K, K);
      choleskyFactor(this.xtx, K, K, this.chol);
      forward(this.chol, K, K, this.xty, this.z);
      let bestAic = Number.POSITIVE_INFINITY;
      for (let lag = 0; lag <= maxlag; lag++) {
        const k = lag + 1;
        back(this.chol, K, k, this.z, this.coef);
        const ssr = this.ssr(maxlag, rows, k);
        const llf = (-rows / 2) * (Math.log(2 * Math.PI) + Math.log(ssr / rows) + 1);
        const aic = -2 * llf + 2 * (lag + 1);
        if (aic < bestAic) {
          bestAic = aic;
          best = lag;
        }
      }
    }
    // The chosen lag, refitted on all usable rows.
    const k = best + 1;
    const rows = this.accumulate(n, best, k, k);
    choleskyFactor(this.xtx, k, k, this.chol);
    forward(this.chol, k, k, this.xty, this.z);
    back(this.chol, k, k, this.z, this.coef);
    const ssr = this.ssr(best, rows, k);
    const s2 = ssr / Math.max(1, rows - k);
    const gamma = this.coef[0]!;
    const unit = this.unit;
    unit.fill(0, 0, k);
    unit[0] = 1;
    forward(this.chol, k, k, unit, this.z);
    back(this.chol, k, k, this.z, this.coef);
    const se = Math.sqrt(Math.max(0, s2 * this.coef[0]!));
    return { stat: gamma / se, lag: best, nobs: rows };
  }

  /**
   * XᵀX (upper triangle, stride `stride`) and Xᵀy of the ADF regression with `k` regressors over rows
   * t = start … n − 2: y = dx[t], regressors x[t], dx[t − 1] … dx[t − k + 1]. Returns the row count.
   */
  private accumulate(n: number, start: number, k: number, stride: number): number {
    const x = this.res;
    const dx = this.dx;
    const xtx = this.xtx;
    const xty = this.xty;
    const reg = this.reg;
    const rows = n - 1 - start;
    for (let a = 0; a < k; a++) {
      xty[a] = 0;
      for (let b = a; b < k; b++) xtx[a * stride + b] = 0;
    }
    for (let r = 0; r < rows; r++) {
      const t = start + r;
      const y = dx[t]!;
      reg[0] = x[t]!;
      for (let a = 1; a < k; a++) reg[a] = dx[t - a]!;
      for (let a = 0; a < k; a++) {
        const xa = reg[a]!;
        xty[a]! += xa * y;
        const row = a * stride;
        for (let b = a; b < k; b++) xtx[row + b]! += xa * reg[b]!;
      }
    }
    return rows;
  }

  /** Residual sum of squares of the first `k` regressors with `this.coef`, over the rows from `start`. */
  private ssr(start: number, rows: number, k: number): number {
    const x = this.res;
    const dx = this.dx;
    const coef = this.coef;
    const c0 = coef[0]!;
    let ssr = 0;
    for (let r = 0; r < rows; r++) {
      const t = start + r;
      let fit = 0;
      fit += c0 * x[t]!;
      for (let a = 1; a < k; a++) fit += coef[a]! * dx[t - a]!;
      const e = dx[t]! - fit;
      ssr += e * e;
    }
    return ssr;
  }

  private size(n: number): void {
    if (n <= this.n) return;
    this.n = n;
    const K = Math.max(2, Math.ceil(12 * (n / 100) ** 0.25) + 1);
    this.res = new Float64Array(n);
    this.dx = new Float64Array(Math.max(0, n - 1));
    this.xtx = new Float64Array(K * K);
    this.chol = new Float64Array(K * K);
    this.xty = new Float64Array(K);
    this.z = new Float64Array(K);
    this.coef = new Float64Array(K);
    this.unit = new Float64Array(K);
    this.reg = new Float64Array(K);
  }
}

/**
 * Lower Cholesky factor of the leading k×k block of the symmetric matrix whose upper triangle is in
 * `A` (stride `s`), as `choleskySolve` computes it (diagonal clamped at 1e-12).
 */
function choleskyFactor(A: Float64Array, s: number, k: number, L: Float64Array): void {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let v = A[j * s + i]!;
      for (let m = 0; m < j; m++) v -= L[i * s + m]! * L[j * s + m]!;
      if (i === j) L[i * s + i] = Math.sqrt(Math.max(v, 1e-12));
      else L[i * s + j] = v / L[j * s + j]!;
    }
  }
}

/** Solves L z = b for the first k entries. */
function forward(L: Float64Array, s: number, k: number, b: Float64Array, z: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let v = b[i]!;
    for (let m = 0; m < i; m++) v -= L[i * s + m]! * z[m]!;
    z[i] = v / L[i * s + i]!;
  }
}

/** Solves Lᵀ out = z for the first k entries. */
function back(L: Float64Array, s: number, k: number, z: Float64Array, out: Float64Array): void {
  for (let i = k - 1; i >= 0; i--) {
    let v = z[i]!;
    for (let m = i + 1; m < k; m++) v -= L[m * s + i]! * out[m]!;
    out[i] = v / L[i * s + i]!;
  }
}
