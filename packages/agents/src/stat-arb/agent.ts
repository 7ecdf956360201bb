/**
 * Pairs trading on Engle-Granger cointegration (the original's StatArbManager). Per pair and cycle: both
 * legs' closed bars (aligned by time) → OLS hedge ratio → ADF p-value → z-score of the last residual.
 *   flat, p < maxPValue and |z| > entryZ → propose both legs (A and β·A of B, opposite sides for β > 0);
 *   open and |z| < exitZ (or > stopZ) → close both legs;
 *   one leg filled and the other not after `brokenLegMinutes`, or one leg closed by the broker → close the other.
 * The spread's state (legs, direction, β) is persisted in the run's state store, so a restart manages
 * it (the original kept open spreads in memory only).
 */
import {
  andThen,
  floorToStep,
  isPromiseLike,
  runFlow,
  type Action,
  type Agent,
  type BarSeries,
  type Candidate,
  type CycleContext,
  type Flow,
  type KeyValueStore,
  type Logger,
  type MaybePromise,
  type Position,
  type ScanContext,
  type ScanResult,
  type SymbolInfo,
  type Tick,
} from '@tradekit/core';
import type { Cointegration } from './cointegration.js';
import { EngleGrangerFit } from './engle-granger-fit.js';
import type { StatArbConfig } from './config.js';

export interface SpreadState {
  status: 'flat' | 'opening' | 'open';
  /** long = buy A / sell B (z below −entry); short = the reverse. */
  direction?: 'long' | 'short';
  beta?: number;
  openedAt?: number;
  legs: { a?: string; b?: string };
}

export type PairEvaluation = (Cointegration & { priceA: number; priceB: number }) | { error: string };

/** What a flat pair's evaluation means for a scan (worked out once per fit, not per scan). */
interface Verdict {
  /** The skip status when there is no signal. */
  status?: string;
  direction: 'long' | 'short';
  beta: number;
  why: string;
  /** Leg volumes for `beta` (filled on first use: they need both legs' symbol info). */
  legs?: { volA: number; volB: number; tooSmall?: string };
}

export class PairState {
  readonly key: string;
  /** `A/B`. */
  readonly name: string;
  state: SpreadState = { status: 'flat', legs: {} };
  /** Clock time of the last evaluation. */
  evalAt = Number.NEGATIVE_INFINITY;
  last?: PairEvaluation;
  /** The input windows `last` was fitted on: open time of the newest bar and bar count, per leg. */
  fitA = Number.NaN;
  fitB = Number.NaN;
  lenA = -1;
  lenB = -1;
  /** `last` read as a scan verdict. */
  verdict?: Verdict;
  /** An evaluation waiting for an asynchronous source (shared by every caller of that clock time). */
  pending?: Promise<PairEvaluation>;
  /** The "Spread Open/Opening" status and the state it was written for. */
  heldStatus = '';
  private heldKind = '';
  private heldDirection: string | undefined;

  constructor(
    readonly a: string,
    readonly b: string,
    instance: string,
  ) {
    this.name = `${a}/${b}`;
    this.key = `${instance}:pair:${this.name}`;
  }

  /** `Spread Open (A/B long)`, rebuilt only when the spread's state changes. */
  held(): string {
    const s = this.state;
    if (this.heldKind !== s.status || this.heldDirection !== s.direction || !this.heldStatus) {
      this.heldKind = s.status;
      this.heldDirection = s.direction;
      this.heldStatus = `Spread ${s.status === 'open' ? 'Open' : 'Opening'} (${this.name} ${s.direction})`;
    }
    return this.heldStatus;
  }
}

export class StatArbAgent implements Agent {
  readonly symbols: readonly string[];
  readonly pairs: PairState[];
  private readonly infos = new Map<string, SymbolInfo>();
  private readonly fitter = new EngleGrangerFit();
  /** The legs' closes aligned by bar time (scratch, reused by every fit). */
  private xa: Float64Array;
  private xb: Float64Array;

  constructor(
    readonly cfg: StatArbConfig,
    private readonly d: { store: KeyValueStore; log: Logger; instance: string },
  ) {
    this.pairs = cfg.pairs.map((p) => new PairState(p.a, p.b, d.instance));
    this.symbols = [...new Set(cfg.pairs.flatMap((p) => [p.a, p.b]))];
    this.xa = new Float64Array(cfg.bars);
    this.xb = new Float64Array(cfg.bars);
  }

  async load(): Promise<void> {
    for (const p of this.pairs) p.state = (await this.d.store.get<SpreadState>(p.key)) ?? { status: 'flat', legs: {} };
  }

  save(p: PairState): Promise<void> {
    return this.d.store.set(p.key, p.state);
  }

  private *info(cycle: CycleContext, s: string): Flow<SymbolInfo> {
    let i = this.infos.get(s);
    if (!i) {
      const r = cycle.data.symbolInfo(s);
      i = isPromiseLike(r) ? ((yield r) as SymbolInfo) : r;
      this.infos.set(s, i);
    }
    return i;
  }

  /**
   * Cointegration of a pair at the cycle's time. Its inputs are the legs' last `bars` closed bars,
   * which change once per bar of `timeframe` (hourly by default) while cycles run every few minutes:
   * the fit is kept until either leg's newest bar (or bar count) changes. Reading the windows is all
   * a cycle costs in between.
   */
  evaluate(cycle: CycleContext, p: PairState): MaybePromise<PairEvaluation | undefined> {
    const now = cycle.clock.now();
    if (p.evalAt === now) return p.last;
    if (p.pending) return p.pending;
    const n = this.cfg.bars;
    const a = cycle.data.bars(p.a, this.cfg.timeframe, n);
    const b = isPromiseLike(a) ? undefined : cycle.data.bars(p.b, this.cfg.timeframe, n);
    if (!isPromiseLike(a) && b !== undefined && !isPromiseLike(b)) return this.evaluateWith(p, now, a, b);
    const pending = (async () => {
      try {
        const sa = await a;
        const sb = await (b ?? cycle.data.bars(p.b, this.cfg.timeframe, n));
        return this.evaluateWith(p, now, sa, sb);
      } finally {
        p.pending = undefined;
      }
    })();
    p.pending = pending;
    return pending;
  }

  private evaluateWith(p: PairState, now: number, a: BarSeries, b: BarSeries): PairEvaluation {
    p.evalAt = now;
    const lastA = a.length ? a.time[a.length - 1]! : Number.NEGATIVE_INFINITY;
    const lastB = b.length ? b.time[b.length - 1]! : Number.NEGATIVE_INFINITY;
    if (p.last !== undefined && lastA === p.fitA && lastB === p.fitB && a.length === p.lenA && b.length === p.lenB) return p.last;
    p.fitA = lastA;
    p.fitB = lastB;
    p.lenA = a.length;
    p.lenB = b.length;
    p.last = this.fit(a, b);
    p.verdict = this.verdictOf(p, p.last);
    return p.last;
  }

  /** Both legs' closes at the bar times they share, then Engle-Granger on them. */
  private fit(a: BarSeries, b: BarSeries): PairEvaluation {
    const n = this.cfg.bars;
    const m = alignCloses(a, b, this.xa, this.xb);
    if (m < n * 0.9) return { error: `Insufficient Data (${m} common < ${n} bars)` };
    const xa = this.xa;
    const xb = this.xb;
    return { ...this.fitter.fit(xa, xb, m), priceA: xa[m - 1]!, priceB: xb[m - 1]! };
  }

  private verdictOf(p: PairState, ev: PairEvaluation): Verdict | undefined {
    const c = this.cfg;
    if ('error' in ev) return undefined;
    const direction = ev.z < 0 ? 'long' : 'short';
    const v: Verdict = { direction, beta: ev.beta, why: '' };
    if (!(ev.pValue < c.maxPValue)) v.status = `Not Cointegrated (${p.name} p ${ev.pValue.toFixed(3)} ≥ ${c.maxPValue})`;
    else if (Math.abs(ev.z) <= c.entryZ) v.status = `No Signal (${p.name} z ${ev.z.toFixed(2)} within ±${c.entryZ})`;
    else v.why = `stat-arb ${p.name} z ${ev.z.toFixed(2)} (${direction} spread, β ${ev.beta.toFixed(4)}, p ${ev.pValue.toFixed(4)})`;
    return v;
  }

  scan(sc: ScanContext): MaybePromise<ScanResult> {
    return this.scanFrom(sc.cycle, sc.symbol, 0, undefined);
  }

  /**
   * The pairs with `symbol` as a leg, from pair `from` on; the first pair that can trade proposes its
   * leg, else the first pair's status is the symbol's. Synchronous while the data source is: an
   * answer that has to be awaited resumes the scan at the pair that asked (what ran before it only
   * read state).
   */
  private scanFrom(cycle: CycleContext, symbol: string, from: number, status: string | undefined): MaybePromise<ScanResult> {
    const pairs = this.pairs;
    for (let i = from; i < pairs.length; i++) {
      const p = pairs[i]!;
      if (p.a !== symbol && p.b !== symbol) continue;
      const isA = symbol === p.a;
      const s = p.state;
      if (s.status === 'open' || (s.status === 'opening' && s.legs[isA ? 'a' : 'b'])) {
        status ??= p.held();
        continue;
      }
      let ev: Cointegration | undefined;
      let verdict: Verdict | undefined;
      if (s.status !== 'opening') {
        const r = this.evaluate(cycle, p);
        if (isPromiseLike(r)) {
          const st = status;
          return r.then(() => this.scanFrom(cycle, symbol, i, st));
        }
        if (!r || 'error' in r) {
          status ??= r ? r.error : 'No Data';
          continue;
        }
        verdict = p.verdict!;
        if (verdict.status !== undefined) {
          status ??= verdict.status;
          continue;
        }
        ev = r;
      }
      const ia = this.infos.get(p.a);
      const ib = this.infos.get(p.b);
      if (!ia || !ib) {
        const st = status;
        const loaded = runFlow(this.loadInfos(cycle, p));
        return isPromiseLike(loaded) ? loaded.then(() => this.scanFrom(cycle, symbol, i, st)) : this.scanFrom(cycle, symbol, i, st);
      }
      // Opening: the partner leg filled; complete the hedge with the ratio it was opened with.
      const direction = verdict ? verdict.direction : s.direction!;
      const beta = verdict ? verdict.beta : s.beta!;
      const legs = verdict ? (verdict.legs ??= this.legVolumes(p, beta, ia, ib)) : this.legVolumes(p, beta, ia, ib);
      if (legs.tooSmall !== undefined) {
        status ??= legs.tooSmall;
        continue;
      }
      const sideA = direction === 'long' ? 'buy' : 'sell';
      const sideB = (direction === 'long') === beta > 0 ? 'sell' : 'buy';
      const side = isA ? sideA : sideB;
      const why = verdict ? verdict.why : `stat-arb ${p.name}: completing the ${direction} spread`;
      const volume = isA ? legs.volA : legs.volB;
      const tick = cycle.data.tick(symbol);
      if (isPromiseLike(tick)) return tick.then((t) => this.candidate(p, symbol, isA, side, volume, direction, beta, why, ev, t));
      return this.candidate(p, symbol, isA, side, volume, direction, beta, why, ev, tick);
    }
    return status === undefined ? undefined : { skip: status };
  }

  private *loadInfos(cycle: CycleContext, p: PairState): Flow<void> {
    yield* this.info(cycle, p.a);
    yield* this.info(cycle, p.b);
  }

  /** Leg A is `lotSize`; leg B = |β| × A × contract(A) / contract(B), each floored to its step. */
  private legVolumes(p: PairState, beta: number, ia: SymbolInfo, ib: SymbolInfo): NonNullable<Verdict['legs']> {
    const volA = floorToStep(this.cfg.lotSize, ia.volumeStep);
    const volB = floorToStep((Math.abs(beta) * volA * ia.contractSize) / ib.contractSize, ib.volumeStep);
    return volA < ia.volumeMin || volB < ib.volumeMin ? { volA, volB, tooSmall: `Leg Too Small (${p.name}: A ${volA}, B ${volB} lots)` } : { volA, volB };
  }

  private candidate(
    p: PairState,
    symbol: string,
    isA: boolean,
    side: 'buy' | 'sell',
    volume: number,
    direction: 'long' | 'short',
    beta: number,
    why: string,
    ev: Cointegration | undefined,
    tick: Tick,
  ): Candidate {
    const c = this.cfg;
    const limitPrice = c.entry === 'limit' ? (side === 'buy' ? tick.bid : tick.ask) : undefined;
    const details: Record<string, unknown> = { statArb: p.name, leg: isA ? 'a' : 'b', probabilitySource: 'neutral' };
    if (ev) {
      details.z = ev.z;
      details.pValue = ev.pValue;
      details.adfLag = ev.adf.lag;
    }
    details.direction = direction;
    details.beta = beta;
    return {
      symbol,
      side,
      score: c.score,
      probability: 0.5,
      entry: limitPrice !== undefined ? 'limit' : 'market',
      limitPrice,
      expiresInMs: limitPrice !== undefined ? c.limitExpirationMinutes * 60_000 : undefined,
      volume,
      reason: why,
      details,
    };
  }

  /** Called by the plugin for every fill of this agent's orders. */
  onLegFill(pairKey: string, leg: 'a' | 'b', positionId: string, time: number, direction: 'long' | 'short', beta: number): Promise<void> {
    const p = this.pairs.find((x) => x.name === pairKey);
    if (!p) return Promise.resolve();
    p.state.legs[leg] = positionId;
    if (p.state.status === 'flat') {
      p.state.status = 'opening';
      p.state.direction = direction;
      p.state.beta = beta;
      p.state.openedAt = time;
    }
    if (p.state.legs.a && p.state.legs.b) p.state.status = 'open';
    return this.save(p);
  }

  /** Called when one of the legs closed (by us, the broker or by hand). */
  onLegClosed(positionId: string): Promise<void> {
    for (const p of this.pairs) {
      if (p.state.legs.a === positionId) delete p.state.legs.a;
      else if (p.state.legs.b === positionId) delete p.state.legs.b;
      else continue;
      if (!p.state.legs.a && !p.state.legs.b) p.state = { status: 'flat', legs: {} };
      return this.save(p);
    }
    return Promise.resolve();
  }

  /** Manage hook: flatten on exit/stop z, and never leave one leg alone. */
  manageAll(cycle: CycleContext, positions: readonly Position[]): MaybePromise<Action[]> {
    const out: Action[] = [];
    return andThen(this.manageInto(cycle, positions, out), () => out);
  }

  /** `manageAll`, appending the actions to `out` (the cycle's own list: nothing is allocated per cycle). */
  manageInto(cycle: CycleContext, positions: readonly Position[], out: Action[], from = 0): MaybePromise<void> {
    const c = this.cfg;
    const now = cycle.clock.now();
    const pairs = this.pairs;
    for (let i = from; i < pairs.length; i++) {
      const p = pairs[i]!;
      const s = p.state;
      if (s.status === 'flat') continue;
      const a = liveLeg(positions, s.legs.a);
      const b = liveLeg(positions, s.legs.b);
      if (s.status === 'opening') {
        if (s.openedAt !== undefined && now - s.openedAt > c.brokenLegMinutes * 60_000)
          closeLegs(out, a, b, `stat-arb ${p.name}: other leg did not fill in ${c.brokenLegMinutes} min`);
        continue;
      }
      if (a === undefined || b === undefined) {
        closeLegs(out, a, b, `stat-arb ${p.name}: the other leg closed`);
        continue;
      }
      const ev = this.evaluate(cycle, p);
      if (isPromiseLike(ev)) return ev.then(() => this.manageInto(cycle, positions, out, i));
      if (!ev || 'error' in ev) continue;
      if (Math.abs(ev.z) < c.exitZ) closeLegs(out, a, b, `stat-arb ${p.name} flatten: z ${ev.z.toFixed(2)} within ±${c.exitZ}`);
      else if (c.stopZ > 0 && Math.abs(ev.z) > c.stopZ) closeLegs(out, a, b, `stat-arb ${p.name} stop: z ${ev.z.toFixed(2)} beyond ±${c.stopZ}`);
    }
    return undefined;
  }
}

/** `id` when one of `positions` has it. */
function liveLeg(positions: readonly Position[], id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  for (let i = 0; i < positions.length; i++) if (positions[i]!.id === id) return id;
  return undefined;
}

function closeLegs(out: Action[], a: string | undefined, b: string | undefined, reason: string): void {
  if (a !== undefined) out.push({ type: 'close', positionId: a, reason });
  if (b !== undefined) out.push({ type: 'close', positionId: b, reason });
}

/**
 * Closes of `a` and `b` at the bar times both have, oldest first, into `xa` / `xb`; returns how many.
 * Bar times ascend, so one merge pass pairs them; a series that does not ascend is matched through a
 * map (each bar of `a` with the last bar of `b` at its time).
 */
export function alignCloses(a: BarSeries, b: BarSeries, xa: Float64Array, xb: Float64Array): number {
  const ta = a.time;
  const tb = b.time;
  const ca = a.close;
  const cb = b.close;
  if (!ascending(ta) || !ascending(tb)) {
    const bt = new Map<number, number>();
    for (let i = 0; i < b.length; i++) bt.set(tb[i]!, cb[i]!);
    let m = 0;
    for (let i = 0; i < a.length && m < xa.length; i++) {
      const v = bt.get(ta[i]!);
      if (v !== undefined) {
        xa[m] = ca[i]!;
        xb[m++] = v;
      }
    }
    return m;
  }
  let m = 0;
  let j = 0;
  for (let i = 0; i < a.length && m < xa.length; i++) {
    const t = ta[i]!;
    while (j < b.length && tb[j]! < t) j++;
    if (j < b.length && tb[j] === t) {
      xa[m] = ca[i]!;
      xb[m++] = cb[j]!;
    }
  }
  return m;
}

function ascending(t: ArrayLike<number>): boolean {
  for (let i = 1; i < t.length; i++) if (!(t[i]! > t[i - 1]!)) return false;
  return true;
}
