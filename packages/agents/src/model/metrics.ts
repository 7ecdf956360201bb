/** Out-of-sample scores for a probabilistic classifier. */
export interface ClassifierMetrics {
  samples: number;
  /** Share of positive labels. */
  baseRate: number;
  accuracy: number;
  /** Area under the ROC curve (0.5 = no skill). */
  auc: number;
  /** Mean negative log-likelihood (ln 2 ≈ 0.693 = a coin). */
  logLoss: number;
  /** Brier score (0.25 = a coin at 50 %). */
  brier: number;
}

export function classifierMetrics(p: ArrayLike<number>, y: ArrayLike<number>): ClassifierMetrics {
  const n = y.length;
  let pos = 0;
  let correct = 0;
  let ll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const pi = Math.min(1 - 1e-12, Math.max(1e-12, p[i]!));
    const yi = y[i]!;
    pos += yi;
    if ((pi >= 0.5 ? 1 : 0) === yi) correct++;
    ll -= yi ? Math.log(pi) : Math.log(1 - pi);
    brier += (pi - yi) ** 2;
  }
  return { samples: n, baseRate: n ? pos / n : 0, accuracy: n ? correct / n : 0, auc: auc(p, y), logLoss: n ? ll / n : 0, brier: n ? brier / n : 0 };
}

/** Mann-Whitney AUC with average ranks for ties. */
export function auc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[idx[j + 1]!] === p[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++)
      if (y[idx[m]!]) {
        pos++;
        rankSum += avg;
      }
    i = j + 1;
  }
  const neg = n - pos;
  if (!pos || !neg) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
