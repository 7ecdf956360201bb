/**
 * Engle-Granger cointegration, the way statsmodels' `coint` does it: OLS of A on B with a constant
 * (hedge ratio β, intercept α), then an augmented Dickey-Fuller test without constant on the
 * residuals, lag chosen by AIC up to 12·(n/100)^¼, refitted on all usable observations; the p-value
 * is MacKinnon's (1994) response-surface approximation for two series with a constant.
 */
import { choleskySolve } from '../model/logistic.js';

export interface OlsResult {
  coef: number[];
  /** Standard errors of the coefficients. */
  se: number[];
  ssr: number;
  n: number;
  residuals: Float64Array;
}

/** OLS of y on the columns of X (each column an array of length n). */
export function ols(y: ArrayLike<number>, cols: ArrayLike<number>[]): OlsResult {
  const n = y.length;
  const k = cols.length;
  const XtX = new Float64Array(k * k);
  const Xty = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const xa = cols[a]![i]!;
      Xty[a]! += xa * y[i]!;
      for (let b = a; b < k; b++) XtX[a * k + b]! += xa * cols[b]![i]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) XtX[a * k + b] = XtX[b * k + a]!;
  const coef = Array.from(choleskySolve(XtX, Xty, k));
  const residuals = new Float64Array(n);
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let a = 0; a < k; a++) fit += coef[a]! * cols[a]![i]!;
    const r = y[i]! - fit;
    residuals[i] = r;
    ssr += r * r;
  }
  const s2 = ssr / Math.max(1, n - k);
  const se: number[] = [];
  for (let a = 0; a < k; a++) {
    const e = new Float64Array(k);
    e[a] = 1;
    const col = choleskySolve(XtX, e, k);
    se.push(Math.sqrt(Math.max(0, s2 * col[a]!)));
  }
  return { coef, se, ssr, n, residuals };
}

export interface AdfResult {
  stat: number;
  lag: number;
  nobs: number;
}

/** ADF regression Δx_t = γ x_{t−1} + Σ φ_i Δx_{t−i} (no constant: residuals have mean 0). */
export function adfNoConstant(x: ArrayLike<number>, maxLag?: number): AdfResult {
  const n = x.length;
  const dx = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) dx[i - 1] = x[i]! - x[i - 1]!;
  let maxlag = maxLag ?? Math.ceil(12 * (n / 100) ** 0.25);
  maxlag = Math.max(0, Math.min(maxlag, Math.floor(n / 2) - 2));
  const fit = (lag: number, start: number) => {
    // Rows t = start..n−2 of dx (dx[t] = x[t+1] − x[t]); regressors x[t], dx[t−1..t−lag].
    const rows = n - 1 - start;
    const y = new Float64Array(rows);
    const cols: Float64Array[] = [new Float64Array(rows)];
    for (let j = 1; j <= lag; j++) cols.push(new Float64Array(rows));
    for (let r = 0; r < rows; r++) {
      const t = start + r;
      y[r] = dx[t]!;
      cols[0]![r] = x[t]!;
      for (let j = 1; j <= lag; j++) cols[j]![r] = dx[t - j]!;
    }
    return ols(y, cols);
  };
  let best = 0;
  if (maxlag > 0) {
    let bestAic = Number.POSITIVE_INFINITY;
    for (let lag = 0; lag <= maxlag; lag++) {
      const r = fit(lag, maxlag);
      const llf = (-r.n / 2) * (Math.log(2 * Math.PI) + Math.log(r.ssr / r.n) + 1);
      const aic = -2 * llf + 2 * (lag + 1);
      if (aic < bestAic) {
        bestAic = aic;
        best = lag;
      }
    }
  }
  const r = fit(best, best);
  return { stat: r.coef[0]! / r.se[0]!, lag: best, nobs: r.n };
}

/** Standard normal CDF (W. J. Cody's erfc rational approximation via erf; |error| < 1e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(z / Math.SQRT2));
  // Numerical Recipes erfc (Chebyshev), accurate to 1.2e-7.
  const y =
    t *
    Math.exp(
      -((z / Math.SQRT2) ** 2) -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - y / 2 : y / 2;
}

/** MacKinnon (1994) p-value of a cointegration t-statistic, two series, constant in the cointegrating regression. */
export function mackinnonP2(stat: number): number {
  // Cut-offs and polynomial coefficients of the response surface (N = 2, regression "c").
  const tauMax = 0.92;
  const tauMin = -18.86;
  const tauStar = -2.62;
  if (stat > tauMax) return 1;
  if (stat < tauMin) return 0;
  // statsmodels adfvalues.py stores these rows scaled: small p × [1, 1, 1e-2], large p × [1, 1e-1, 1e-1, 1e-2]
  // (large row for N = 2, "c": [2.1945, 6.4695, -2.9198, -4.2377]).
  const c = stat <= tauStar ? [2.92, 1.5012, 0.039796] : [2.1945, 0.64695, -0.29198, -0.042377];
  let z = 0;
  for (let i = c.length - 1; i >= 0; i--) z = z * stat + c[i]!;
  return normalCdf(z);
}

export interface Cointegration {
  alpha: number;
  beta: number;
  adf: AdfResult;
  pValue: number;
  /** Residual mean and standard deviation (for the z-score). */
  mean: number;
  std: number;
  /** z-score of the last residual. */
  z: number;
  n: number;
}

export function engleGranger(a: ArrayLike<number>, b: ArrayLike<number>): Cointegration {
  const n = a.length;
  const ones = new Float64Array(n).fill(1);
  const r = ols(a, [ones, b]);
  const adf = adfNoConstant(r.residuals);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r.residuals[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (r.residuals[i]! - mean) ** 2;
  const std = Math.sqrt(ss / Math.max(1, n - 1));
  const last = r.residuals[n - 1]!;
  return { alpha: r.coef[0]!, beta: r.coef[1]!, adf, pValue: mackinnonP2(adf.stat), mean, std, z: std > 0 ? (last - mean) / std : 0, n };
}
