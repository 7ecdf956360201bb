/**
 * The figures' statistics form (issue 12): every figure is measured `runs` times (≥ 5; default 5,
 * `TK_BENCH_RUNS` to change) and reported as `{ median, min, max, runs }`, never as a best-of. A
 * throughput or wall-time figure is measured interleaved with a reference in the same process
 * (figure, reference, figure, reference, …), and the ratio of each pair is summarised the same way:
 * on a machine whose speed drifts (a shared 2-core box), the two halves of a pair see the same
 * machine, so the ratio holds where the absolute figure does not.
 *
 * Used by the benchmarks of every package (packages/agents and packages/cli load the compiled module
 * through `core-bench.ts`, since a relative import cannot reach another package's dist/).
 */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** One measurement: `units` of work (bars, backtests…) done in `ms`, plus anything else worth keeping. */
export interface Sample {
  ms: number;
  units: number;
  extra?: Record<string, unknown>;
}

/** A figure measured against the reference, pair by pair. */
export interface PairedFigure {
  /** Units per second of the figure (e.g. bars/s). */
  perSec: Summary;
  ms: Summary;
  reference: { perSec: Summary; ms: Summary };
  /**
   * Per pair: figure units/s ÷ reference units/s (the share of the reference's speed; 0.05 = the
   * reference is 20× faster). For wall times use `msRatio`: figure ms ÷ reference ms.
   */
  ratio: Summary;
  msRatio: Summary;
  /** `extra` of the last figure sample and the last reference sample. */
  last: Record<string, unknown>;
  referenceLast: Record<string, unknown>;
  samples: Sample[];
  referenceSamples: Sample[];
}

export const MIN_RUNS = 5;

/** Runs per figure: `TK_BENCH_RUNS` (an integer ≥ 5) or 5. */
export function benchRuns(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TK_BENCH_RUNS;
  if (raw === undefined || raw === '') return MIN_RUNS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < MIN_RUNS)
    throw new Error(`TK_BENCH_RUNS must be an integer ≥ ${MIN_RUNS} (got "${raw}"): a median of fewer runs does not hold on a noisy machine`);
  return n;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `{ median, min, max, runs }`, each rounded to `digits` significant digits. */
export function summarize(xs: readonly number[], digits = 4): Summary {
  if (!xs.length) throw new Error('summarize: no samples');
  return { median: sig(median(xs), digits), min: sig(Math.min(...xs), digits), max: sig(Math.max(...xs), digits), runs: xs.length };
}

/** Rounds to `d` significant digits (integers above 10^d are rounded to whole units). */
export function sig(x: number, d = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const p = Math.ceil(Math.log10(Math.abs(x)));
  if (p >= d) return Math.round(x);
  const f = 10 ** (d - p);
  return Math.round(x * f) / f;
}

/** Collects garbage between measurements when the process runs with --expose-gc (bench/run.mjs does). */
export function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Measures `fn` `runs` times (after `warmup` unmeasured calls); `fn` returns its own sample. */
export async function repeat(
  fn: () => Sample | Promise<Sample>,
  o: { runs?: number; warmup?: number } = {},
): Promise<{ ms: Summary; perSec: Summary; samples: Sample[] }> {
  const runs = o.runs ?? benchRuns();
  for (let i = 0; i < (o.warmup ?? 1); i++) {
    settle();
    await fn();
  }
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    settle();
    samples.push(await fn());
  }
  return { ms: summarize(samples.map((s) => s.ms)), perSec: summarize(samples.map(rate)), samples };
}

/**
 * Measures `figure` and `reference` alternately, `runs` pairs (after `warmup` unmeasured pairs), and
 * summarises each and the per-pair ratio.
 */
export async function paired(
  figure: () => Sample | Promise<Sample>,
  reference: () => Sample | Promise<Sample>,
  o: { runs?: number; warmup?: number } = {},
): Promise<PairedFigure> {
  const runs = o.runs ?? benchRuns();
  for (let i = 0; i < (o.warmup ?? 1); i++) {
    settle();
    await figure();
    settle();
    await reference();
  }
  const a: Sample[] = [];
  const r: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    settle();
    a.push(await figure());
    settle();
    r.push(await reference());
  }
  return {
    perSec: summarize(a.map(rate)),
    ms: summarize(a.map((s) => s.ms)),
    reference: { perSec: summarize(r.map(rate)), ms: summarize(r.map((s) => s.ms)) },
    ratio: summarize(a.map((s, i) => rate(s) / rate(r[i]!))),
    msRatio: summarize(a.map((s, i) => s.ms / r[i]!.ms)),
    last: a[a.length - 1]!.extra ?? {},
    referenceLast: r[r.length - 1]!.extra ?? {},
    samples: a,
    referenceSamples: r,
  };
}

export function rate(s: Sample): number {
  return s.units / (s.ms / 1000);
}

/** `extra[key]` of every sample, summarised (e.g. the setup time each backtest reported). */
export function summarizeExtra(samples: readonly Sample[], key: string): Summary {
  return summarize(samples.map((s) => Number(s.extra?.[key])));
}

/**
 * A paired throughput figure as reported: `<unit>` (e.g. barsPerSec) median/min–max, the reference's
 * in the same run, and `ratioToReference` = figure ÷ reference per pair (the share of the
 * reference's speed).
 */
export function throughputFigure(p: PairedFigure, unit = 'barsPerSec'): Record<string, unknown> {
  return { [unit]: p.perSec, ms: p.ms, reference: { [unit]: p.reference.perSec }, ratioToReference: p.ratio };
}

/**
 * A paired wall-time figure as reported: `ms` median/min–max, the reference's in the same run, and
 * `ratioToReference` = figure ms ÷ reference ms per pair (how many times longer than the reference).
 */
export function wallFigure(p: PairedFigure): Record<string, unknown> {
  return { ms: p.ms, reference: { ms: p.reference.ms }, ratioToReference: p.msRatio };
}
