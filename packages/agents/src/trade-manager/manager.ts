/**
 * The original's smart exit, as one coherent decision per position per pass:
 *   1. early cut — loss beyond `earlyCutLossAtr` ATR with ≥ N adverse signals → close (and nothing else);
 *   2. stop — the most protective of the break-even stop (profit ≥ 0.5 ATR) and the progressive trail
 *      (1.0 → 0.4 ATR behind the best price as profit grows), applied only when it tightens the stop
 *      by more than `minStepPips`: it only ratchets;
 *   3. partial close — once break-even is reached (in this pass or before), close
 *      `partialCloseFraction` once: the stop change and the partial go out in the same pass, as in the original.
 * The original could emit conflicting MODIFYs in one pass and ran a second, independent ATR trail on the
 * same ticket; here there is one trail and at most one stop change plus one partial close per position.
 *
 * Exit state is persisted per position in the run's state store (`<instance>:pos:<id>`): the initial
 * volume, the best price and what was done. Whether the partial close happened is also read from the
 * broker (the position's volume below its initial volume), so a restart can never repeat it, even if
 * the process died between the close and the state write.
 */
import {
  roundTo,
  runFlow,
  wait,
  type Action,
  type CycleContext,
  type Flow,
  type KeyValueStore,
  type Logger,
  type MaybePromise,
  type Position,
  type SymbolInfo,
  floorToStep,
} from '@tradekit/core';
import type { FeatureHub, HubEntry } from '../features/hub.js';
import { FEATURE_DEFAULTS } from '../features/track.js';
import { pipSize } from '../market/pips.js';
import type { TradeManagerConfig } from './config.js';

export interface ExitState {
  initialVolume: number;
  /** Best price seen since entry (highest for a buy, lowest for a sell). */
  best: number;
  beDone: boolean;
  partialDone: boolean;
  /** Clock time of the last partial-close request (retried only if the volume did not drop). */
  partialAskedAt?: number;
  openPrice: number;
  side: 'buy' | 'sell';
}

export class TradeManager {
  private readonly states = new Map<string, ExitState>();
  private readonly infos = new Map<string, SymbolInfo>();
  /** Position id → agent instance (from the journal), for the `agents` filter. */
  private readonly owners = new Map<string, string | null>();
  private readonly barMs: number;
  /** The hub's entry per symbol (the lookup builds a key string). */
  private readonly tracks = new Map<string, HubEntry>();

  constructor(
    readonly cfg: TradeManagerConfig,
    private readonly d: { hub: FeatureHub; store: KeyValueStore; log: Logger; instance: string; barMs: number },
  ) {
    this.barMs = d.barMs;
  }

  stateKey(positionId: string): string {
    return `${this.d.instance}:pos:${positionId}`;
  }

  manage(cycle: CycleContext, p: Position): MaybePromise<Action[]> {
    return runFlow(this.manageFlow(cycle, p));
  }

  private *manageFlow(cycle: CycleContext, p: Position): Flow<Action[]> {
    const c = this.cfg;
    if (c.agents.length) {
      let owner = this.owners.get(p.id);
      if (owner === undefined) {
        const t = yield* wait(cycle.state.journal.getTrade(p.id));
        owner = t?.agent ?? null;
        this.owners.set(p.id, owner);
      }
      if (!owner || !c.agents.includes(owner)) return [];
    }
    let info = this.infos.get(p.symbol);
    if (!info) {
      info = yield* wait(cycle.data.symbolInfo(p.symbol));
      this.infos.set(p.symbol, info);
    }
    const st = yield* this.stateFlow(cycle, p);
    let entry = this.tracks.get(p.symbol);
    if (!entry) this.tracks.set(p.symbol, (entry = this.d.hub.entry(p.symbol, c.timeframe, FEATURE_DEFAULTS)));
    const track = yield* wait(this.d.hub.update(entry, cycle.data, cycle.clock.now()));
    const f = track.features;
    const atr = f.atr;
    if (!(atr > 0)) return [];
    const dir = p.side === 'buy' ? 1 : -1;
    const price = p.currentPrice;
    const changed = { v: false };
    const better = dir > 0 ? price > st.best : price < st.best;
    if (better) {
      st.best = price;
      changed.v = true;
    }
    const profitAtr = (dir * (price - p.openPrice)) / atr;
    const actions: Action[] = [];

    // Partial close confirmed by the broker (volume dropped)?
    if (!st.partialDone && p.volume < st.initialVolume - 1e-9) {
      st.partialDone = true;
      changed.v = true;
    }

    // 1. early cut
    if (c.earlyCutEnabled && profitAtr < -c.earlyCutLossAtr) {
      let signals = 0;
      const why: string[] = [];
      if (dir > 0 ? f.rsi < c.earlyCutRsiThreshold : f.rsi > 100 - c.earlyCutRsiThreshold) {
        signals++;
        why.push(`RSI ${f.rsi.toFixed(1)}`);
      }
      let against = 0;
      for (let i = 0; i < c.earlyCutMacdBars; i++) {
        const h = track.macdHists.at(i);
        if (dir > 0 ? h < 0 : h > 0) against++;
      }
      if (against === c.earlyCutMacdBars) {
        signals++;
        why.push(`MACD against ${against} bars`);
      }
      if (dir > 0 ? f.close < f.sma20 : f.close > f.sma20) {
        signals++;
        why.push('close beyond SMA20');
      }
      if (signals >= c.earlyCutMinSignals) {
        actions.push({ type: 'close', positionId: p.id, reason: `early cut: ${(-profitAtr).toFixed(2)} ATR loss, ${why.join(', ')}` });
        if (changed.v) yield* this.save(p.id, st);
        return actions;
      }
    }

    // 2. stop: break-even and trail, the most protective wins, ratchet only
    let target: number | undefined;
    const reasons: string[] = [];
    if (!st.beDone && profitAtr >= c.breakevenActivateAtr) {
      target = p.openPrice + dir * c.breakevenBufferAtr * atr;
      reasons.push('break-even');
    }
    const bestProfitAtr = (dir * (st.best - p.openPrice)) / atr;
    if (bestProfitAtr >= c.trailActivateAtr) {
      const k = Math.min(1, Math.max(0, (bestProfitAtr - c.trailActivateAtr) / c.trailTightenOverAtr));
      const dist = atr * (c.trailInitialAtr - (c.trailInitialAtr - c.trailTightAtr) * k);
      const trail = st.best - dir * dist;
      if (target === undefined || (dir > 0 ? trail > target : trail < target)) {
        target = trail;
        reasons.push(`trail ${(dist / atr).toFixed(2)} ATR`);
      }
    }
    if (target !== undefined) {
      const step = c.minStepPips * pipSize(info);
      const sl = roundTo(target, info.digits);
      const current = p.sl;
      const tightens = current === undefined || current === 0 ? true : dir > 0 ? sl > current + step : sl < current - step;
      // Never on the wrong side of the market, and outside the broker's stops level.
      const room = info.stopsLevel * info.point;
      const valid = dir > 0 ? sl < price - room : sl > price + room;
      if (tightens && valid) {
        actions.push({ type: 'modify', positionId: p.id, sl, reason: reasons.join(' + ') });
        if (reasons.includes('break-even') || (dir > 0 ? sl >= p.openPrice : sl <= p.openPrice)) {
          if (!st.beDone) {
            st.beDone = true;
            changed.v = true;
          }
        }
      }
    }
    // A stop already at or beyond break-even (e.g. set before a restart) counts as break-even done.
    if (!st.beDone && p.sl !== undefined && (dir > 0 ? p.sl >= p.openPrice : p.sl <= p.openPrice)) {
      st.beDone = true;
      changed.v = true;
    }
    // 3. partial close once break-even has been reached — in this pass too (the original's BE and partial
    //    came together; a bar that returns to the break-even stop must not skip the partial)
    if (c.partialAtBe && st.beDone && !st.partialDone) {
      const recentlyAsked = st.partialAskedAt !== undefined && cycle.clock.now() - st.partialAskedAt < this.barMs;
      const vol = floorToStep(st.initialVolume * c.partialCloseFraction, info.volumeStep);
      const remaining = p.volume - vol;
      if (vol >= info.volumeMin - 1e-9 && remaining >= info.volumeMin - 1e-9 && !recentlyAsked) {
        st.partialAskedAt = cycle.clock.now();
        changed.v = true;
        actions.push({ type: 'close', positionId: p.id, volume: vol, reason: `partial ${Math.round(c.partialCloseFraction * 100)}% at break-even` });
      } else if (vol < info.volumeMin - 1e-9 || remaining < info.volumeMin - 1e-9) {
        // Too small to split: the original skipped it; remember so it is not re-evaluated every pass.
        st.partialDone = true;
        changed.v = true;
      }
    }
    if (changed.v) yield* this.save(p.id, st);
    return actions;
  }

  private *stateFlow(cycle: CycleContext, p: Position): Flow<ExitState> {
    let st = this.states.get(p.id);
    if (st) return st;
    const saved = yield* wait(this.d.store.get<ExitState>(this.stateKey(p.id)));
    if (saved) st = saved;
    else {
      // No saved state (first sight, or adopted after a restart): the journal knows the opened volume.
      const t = yield* wait(cycle.state.journal.getTrade(p.id));
      const initialVolume = Math.max(t?.volume ?? p.volume, p.volume);
      st = { initialVolume, best: p.openPrice, beDone: false, partialDone: p.volume < initialVolume - 1e-9, openPrice: p.openPrice, side: p.side };
      yield* this.save(p.id, st);
    }
    this.states.set(p.id, st);
    return st;
  }

  private *save(id: string, st: ExitState): Flow<void> {
    yield* wait(this.d.store.set(this.stateKey(id), st));
  }

  /** Drops the state of a position that closed. */
  forget(positionId: string): Promise<boolean> {
    this.states.delete(positionId);
    this.owners.delete(positionId);
    return this.d.store.delete(this.stateKey(positionId));
  }
}
