/**
 * Pairs trading on Engle-Granger cointegration (the seed's StatArbManager). Per pair and cycle: both
 * legs' closed bars (aligned by time) → OLS hedge ratio → ADF p-value → z-score of the last residual.
 *   flat, p < maxPValue and |z| > entryZ → propose both legs (A and β·A of B, opposite sides for β > 0);
 *   open and |z| < exitZ (or > stopZ) → close both legs;
 *   one leg filled and the other not after `brokenLegMinutes`, or one leg closed by the broker → close the other.
 * The spread's state (legs, direction, β) is persisted in the run's state store, so a restart manages
 * it (the seed kept open spreads in memory only).
 */
import { floorToStep, runFlow, wait, type Action, type Agent, type Candidate, type CycleContext, type Flow, type KeyValueStore, type Logger, type MaybePromise, type Position, type ScanContext, type ScanResult, type BarSeries, type SymbolInfo } from '@tradekit/core';
import { engleGranger, type Cointegration } from './cointegration.js';
import type { StatArbConfig } from './config.js';

export interface SpreadState {
  status: 'flat' | 'opening' | 'open';
  /** long = buy A / sell B (z below −entry); short = the reverse. */
  direction?: 'long' | 'short';
  beta?: number;
  openedAt?: number;
  legs: { a?: string; b?: string };
}

export class PairState {
  readonly key: string;
  state: SpreadState = { status: 'flat', legs: {} };
  evalAt = Number.NEGATIVE_INFINITY;
  last?: (Cointegration & { priceA: number; priceB: number }) | { error: string };

  constructor(
    readonly a: string,
    readonly b: string,
    instance: string,
  ) {
    this.key = `${instance}:pair:${a}/${b}`;
  }
}

export class StatArbAgent implements Agent {
  readonly symbols: readonly string[];
  readonly pairs: PairState[];
  private readonly infos = new Map<string, SymbolInfo>();

  constructor(
    readonly cfg: StatArbConfig,
    private readonly d: { store: KeyValueStore; log: Logger; instance: string },
  ) {
    this.pairs = cfg.pairs.map((p) => new PairState(p.a, p.b, d.instance));
    this.symbols = [...new Set(cfg.pairs.flatMap((p) => [p.a, p.b]))];
  }

  async load(): Promise<void> {
    for (const p of this.pairs) p.state = (await this.d.store.get<SpreadState>(p.key)) ?? { status: 'flat', legs: {} };
  }

  save(p: PairState): Promise<void> {
    return this.d.store.set(p.key, p.state);
  }

  private *info(cycle: CycleContext, s: string): Flow<SymbolInfo> {
    let i = this.infos.get(s);
    if (!i) this.infos.set(s, (i = yield* wait(cycle.data.symbolInfo(s))));
    return i;
  }

  /** Cointegration of a pair at the cycle's time (computed once per clock time). */
  private *evaluate(cycle: CycleContext, p: PairState): Flow<PairState['last']> {
    const now = cycle.clock.now();
    if (p.evalAt === now) return p.last;
    p.evalAt = now;
    const n = this.cfg.bars;
    const a: BarSeries = yield* wait(cycle.data.bars(p.a, this.cfg.timeframe, n));
    const b: BarSeries = yield* wait(cycle.data.bars(p.b, this.cfg.timeframe, n));
    const bt = new Map<number, number>();
    for (let i = 0; i < b.length; i++) bt.set(b.time[i]!, b.close[i]!);
    const xa: number[] = [];
    const xb: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const v = bt.get(a.time[i]!);
      if (v !== undefined) {
        xa.push(a.close[i]!);
        xb.push(v);
      }
    }
    if (xa.length < n * 0.9) {
      p.last = { error: `Insufficient Data (${xa.length} common < ${n} bars)` };
      return p.last;
    }
    p.last = { ...engleGranger(xa, xb), priceA: xa[xa.length - 1]!, priceB: xb[xb.length - 1]! };
    return p.last;
  }

  scan(sc: ScanContext): MaybePromise<ScanResult> {
    return runFlow(this.scanFlow(sc.cycle, sc.symbol));
  }

  private *scanFlow(cycle: CycleContext, symbol: string): Flow<ScanResult> {
    const c = this.cfg;
    let status: string | undefined;
    for (const p of this.pairs) {
      if (p.a !== symbol && p.b !== symbol) continue;
      const pair = `${p.a}/${p.b}`;
      const isA = symbol === p.a;
      const s = p.state;
      if (s.status === 'open' || (s.status === 'opening' && s.legs[isA ? 'a' : 'b'])) {
        status ??= `Spread ${s.status === 'open' ? 'Open' : 'Opening'} (${pair} ${s.direction})`;
        continue;
      }
      let direction: 'long' | 'short';
      let beta: number;
      let why: string;
      const details: Record<string, unknown> = { statArb: pair, leg: isA ? 'a' : 'b', probabilitySource: 'neutral' };
      if (s.status === 'opening') {
        // The partner leg filled: complete the hedge with the ratio it was opened with.
        direction = s.direction!;
        beta = s.beta!;
        why = `stat-arb ${pair}: completing the ${direction} spread`;
      } else {
        const ev = yield* this.evaluate(cycle, p);
        if (!ev || 'error' in ev) {
          status ??= ev ? ev.error : 'No Data';
          continue;
        }
        if (!(ev.pValue < c.maxPValue)) {
          status ??= `Not Cointegrated (${pair} p ${ev.pValue.toFixed(3)} ≥ ${c.maxPValue})`;
          continue;
        }
        if (Math.abs(ev.z) <= c.entryZ) {
          status ??= `No Signal (${pair} z ${ev.z.toFixed(2)} within ±${c.entryZ})`;
          continue;
        }
        direction = ev.z < 0 ? 'long' : 'short';
        beta = ev.beta;
        why = `stat-arb ${pair} z ${ev.z.toFixed(2)} (${direction} spread, β ${ev.beta.toFixed(4)}, p ${ev.pValue.toFixed(4)})`;
        Object.assign(details, { z: ev.z, pValue: ev.pValue, adfLag: ev.adf.lag });
      }
      const ia = yield* this.info(cycle, p.a);
      const ib = yield* this.info(cycle, p.b);
      const volA = floorToStep(c.lotSize, ia.volumeStep);
      const volB = floorToStep((Math.abs(beta) * volA * ia.contractSize) / ib.contractSize, ib.volumeStep);
      if (volA < ia.volumeMin || volB < ib.volumeMin) {
        status ??= `Leg Too Small (${pair}: A ${volA}, B ${volB} lots)`;
        continue;
      }
      const sideA = direction === 'long' ? 'buy' : 'sell';
      const sideB = (direction === 'long') === beta > 0 ? 'sell' : 'buy';
      const side = isA ? sideA : sideB;
      const tick = yield* wait(cycle.data.tick(symbol));
      const limitPrice = c.entry === 'limit' ? (side === 'buy' ? tick.bid : tick.ask) : undefined;
      const cand: Candidate = {
        symbol,
        side,
        score: c.score,
        probability: 0.5,
        entry: limitPrice !== undefined ? 'limit' : 'market',
        limitPrice,
        expiresInMs: limitPrice !== undefined ? c.limitExpirationMinutes * 60_000 : undefined,
        volume: isA ? volA : volB,
        reason: why,
        details: { ...details, direction, beta },
      };
      return cand;
    }
    return status === undefined ? undefined : { skip: status };
  }

  /** Called by the plugin for every fill of this agent's orders. */
  onLegFill(pairKey: string, leg: 'a' | 'b', positionId: string, time: number, direction: 'long' | 'short', beta: number): Promise<void> {
    const p = this.pairs.find((x) => `${x.a}/${x.b}` === pairKey);
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
    return runFlow(this.manageFlow(cycle, positions));
  }

  private *manageFlow(cycle: CycleContext, positions: readonly Position[]): Flow<Action[]> {
    const c = this.cfg;
    const out: Action[] = [];
    const now = cycle.clock.now();
    const byId = new Map(positions.map((x) => [x.id, x]));
    for (const p of this.pairs) {
      const s = p.state;
      if (s.status === 'flat') continue;
      const legs = [s.legs.a, s.legs.b].filter((id): id is string => id !== undefined);
      const live = legs.filter((id) => byId.has(id));
      const closeAll = (reason: string) => {
        for (const id of live) out.push({ type: 'close', positionId: id, reason });
      };
      if (s.status === 'opening') {
        if (s.openedAt !== undefined && now - s.openedAt > c.brokenLegMinutes * 60_000) closeAll(`stat-arb ${p.a}/${p.b}: other leg did not fill in ${c.brokenLegMinutes} min`);
        continue;
      }
      if (live.length < 2) {
        closeAll(`stat-arb ${p.a}/${p.b}: the other leg closed`);
        continue;
      }
      const ev = yield* this.evaluate(cycle, p);
      if (!ev || 'error' in ev) continue;
      if (Math.abs(ev.z) < c.exitZ) closeAll(`stat-arb ${p.a}/${p.b} flatten: z ${ev.z.toFixed(2)} within ±${c.exitZ}`);
      else if (c.stopZ > 0 && Math.abs(ev.z) > c.stopZ) closeAll(`stat-arb ${p.a}/${p.b} stop: z ${ev.z.toFixed(2)} beyond ±${c.stopZ}`);
    }
    return out;
  }
}
