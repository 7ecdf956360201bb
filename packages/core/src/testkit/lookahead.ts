/**
 * The look-ahead check: a strategy's decisions, candidates, orders and trades up to a time T must
 * not depend on the bars after T. For several checkpoints T (half of them at cycles where the
 * reference run proposed a trade), the strategy runs again over bars that end at T (the bar in
 * progress at T reduced to its open, which a quote at T shows) and over bars replaced after T
 * (noise, a mirrored path, a drift — prices not rounded to the symbol's digits), and everything it
 * did up to T is compared with the reference run over the original bars. The whole path is real: the
 * CSV files are written and read by the CSV source, so a leak in the data layer shows too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestkitAssertionError, iso, testkitInput } from './assertion.js';
import { compareRuns, describeDiff, type RecordDiff } from './compare.js';
import { cutAfter, mutateAfter, seededRandom, writeFixtureBars, type MutationKind } from './fixture-bars.js';
import { prepareStrategy, runPrepared, setupBars, type StrategyRun, type StrategyRunOptions } from './run-strategy.js';

export interface LookaheadOptions extends StrategyRunOptions {
  /**
   * How many checkpoints (default 4: half at cycles where the reference run proposed a trade, half
   * spread evenly over the replay), or the times themselves (ISO or epoch ms; each is moved back to
   * the cycle at or before it).
   */
  checkpoints?: number | (number | string)[];
  /** Replacements of the bars after T (default `['noise', 'reverse']`). */
  mutations?: MutationKind[];
  /** Also run with the bars after T cut off (default true). */
  cut?: boolean;
  /** Seed of the mutations (default 1). */
  seed?: number;
  /** `assertNoLookahead`: fewer candidates than this up to the last checkpoint is TK_ERR_TESTKIT_WEAK (default 1). */
  minSignals?: number;
}

export interface LookaheadVariant {
  checkpoint: number;
  variant: 'cut' | MutationKind;
  /** Compared up to here: the checkpoint, or for a cut the replay's last cycle when a symbol's data ended before it. */
  until: number;
  /** Records of the reference run up to the checkpoint that were compared. */
  compared: number;
  diff?: RecordDiff;
}

export interface LookaheadReport {
  ok: boolean;
  checkpoints: number[];
  variants: LookaheadVariant[];
  /** Candidates the reference run proposed up to the last checkpoint. */
  signals: number;
  /** Records compared over all variants. */
  compared: number;
  reference: StrategyRun;
}

const toMs = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t));

/** Picks `n` checkpoints: half at signal cycles, half spread evenly (never the first cycle). */
function pickCheckpoints(cycles: number[], signalTimes: number[], n: number): number[] {
  const out = new Set<number>();
  const spread = (list: number[], k: number): void => {
    for (let i = 1; i <= k && list.length; i++) out.add(list[Math.min(list.length - 1, Math.floor((i * list.length) / (k + 1)))]!);
  };
  const atSignals = [...new Set(signalTimes)].filter((t) => t > cycles[0]!).sort((a, b) => a - b);
  spread(atSignals, Math.ceil(n / 2));
  spread(cycles.slice(1), n - out.size);
  return [...out].sort((a, b) => a - b);
}

/** Runs the look-ahead check and reports every variant (throws only on bad input). */
export async function checkLookahead(o: LookaheadOptions): Promise<LookaheadReport> {
  const setup = await prepareStrategy(o);
  const tmp = await mkdtemp(path.join(tmpdir(), 'tk-lookahead-'));
  try {
    const bars = await setupBars(setup);
    const run = { ...o, closeAtEnd: false };
    const reference = await runPrepared(setup, run);
    const cycles = [...new Set(reference.decisions.map((d) => d.time))].sort((a, b) => a - b);
    if (cycles.length < 2) throw testkitInput(`the reference run made ${cycles.length} cycle(s): nothing to check`);
    let checkpoints: number[];
    if (Array.isArray(o.checkpoints)) {
      checkpoints = o.checkpoints.map((c) => {
        const t = toMs(c);
        let i = cycles.length - 1;
        while (i >= 0 && cycles[i]! > t) i--;
        if (!(i >= 1))
          throw testkitInput(`checkpoint ${String(c)} is not after the first cycle of the replay (${iso(cycles[0]!)} … ${iso(cycles[cycles.length - 1]!)})`);
        return cycles[i]!;
      });
    } else
      checkpoints = pickCheckpoints(
        cycles,
        reference.signals.map((s) => s.time),
        o.checkpoints ?? 4,
      );
    const kinds: ('cut' | MutationKind)[] = [...(o.cut === false ? [] : ['cut' as const]), ...(o.mutations ?? ['noise', 'reverse'])];
    const random = seededRandom(o.seed ?? 1);
    const variants: LookaheadVariant[] = [];
    let k = 0;
    for (const t of checkpoints) {
      for (const kind of kinds) {
        const dir = path.join(tmp, `v${k++}`);
        await writeFixtureBars(bars, dir, (f) => (kind === 'cut' ? cutAfter(f, t) : mutateAfter(f, t, kind, random)));
        const r = await runPrepared(setup, { ...run, to: t }, dir);
        // A replay ends where the first symbol's data ends: cut at T inside one symbol's gap, it ends
        // at that symbol's last bar (a property of the replay window, not of the strategy).
        const until = kind === 'cut' ? Math.min(t, r.decisions.length ? r.decisions[r.decisions.length - 1]!.time : -Infinity) : t;
        const c = compareRuns(reference, r, -Infinity, until);
        variants.push({ checkpoint: t, variant: kind, until, compared: c.compared, diff: c.diff });
        await rm(dir, { recursive: true, force: true });
      }
    }
    const last = checkpoints[checkpoints.length - 1] ?? -Infinity;
    return {
      ok: variants.every((v) => !v.diff),
      checkpoints,
      variants,
      signals: reference.signals.filter((s) => s.time <= last).length,
      compared: variants.reduce((n, v) => n + v.compared, 0),
      reference,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await setup.dispose();
  }
}

const VARIANT_WORDS: Record<'cut' | MutationKind, string> = {
  cut: 'cut off',
  noise: 'replaced with noisy prices (unrounded)',
  reverse: 'replaced with a mirrored path (unrounded)',
  drift: 'replaced with a drifting path (unrounded)',
};

/**
 * The look-ahead check as an assertion: throws TK_ERR_TESTKIT_LOOKAHEAD (an AssertionError for test
 * runners, with the first difference as actual/expected) or TK_ERR_TESTKIT_WEAK; returns the report.
 */
export async function assertNoLookahead(o: LookaheadOptions): Promise<LookaheadReport> {
  const report = await checkLookahead(o);
  const bad = report.variants.filter((v) => v.diff);
  if (bad.length) {
    const v = bad[0]!;
    const d = v.diff!;
    throw new TestkitAssertionError(
      'TK_ERR_TESTKIT_LOOKAHEAD',
      `look-ahead: with the bars after ${iso(v.checkpoint)} ${VARIANT_WORDS[v.variant]}, what the strategy did up to then changed; ${describeDiff(d)}\n  (${bad.length} of ${report.variants.length} variants differ: ${bad.map((b) => `${b.variant}@${iso(b.checkpoint)}`).join(', ')})`,
      { actual: d.actual, expected: d.expected, details: { checkpoint: v.checkpoint, variant: v.variant, kind: d.kind, time: d.time, failing: bad.length } },
    );
  }
  const min = o.minSignals ?? 1;
  if (report.signals < min) {
    throw new TestkitAssertionError(
      'TK_ERR_TESTKIT_WEAK',
      `look-ahead check too weak: the strategy proposed ${report.signals} trade(s) up to the last checkpoint (${iso(report.checkpoints[report.checkpoints.length - 1]!)}), at least ${min} wanted; use more data, other parameters, or minSignals: 0`,
      { details: { signals: report.signals, compared: report.compared } },
    );
  }
  return report;
}
