/**
 * A size overlay that can only reduce. A plugin marks a candidate with a factor in [0, 1] during
 * `research`; at `beforeExecute` stage +100 (after every risk policy at stage 0 sized the order) the
 * volume becomes floor(volume × factor) to the symbol's step. The risk policy's volume is the ceiling:
 * nothing here can raise it, skip its checks or get past the engine's trading-state gate.
 */
import {
  floorToStep,
  isPromiseLike,
  type Candidate,
  type CycleContext,
  type MaybePromise,
  type OrderIntent,
  type PluginContext,
  type SymbolInfo,
} from '@tradekit/core';

type Veto = { veto: string };

export const OVERLAY_STAGE = 100;

export class SizeOverlay {
  private readonly marks = new WeakMap<Candidate, { factor: number; why: string }>();

  /** Marks a candidate; factors of one plugin multiply, anything above 1 counts as 1 (never an increase). */
  reduce(c: Candidate, factor: number, why: string): void {
    const f = Number.isFinite(factor) ? Math.min(1, Math.max(0, factor)) : 1;
    if (f >= 1) return;
    const prev = this.marks.get(c);
    this.marks.set(c, prev ? { factor: prev.factor * f, why: `${prev.why}; ${why}` } : { factor: f, why });
  }

  factorOf(c: Candidate): number {
    return this.marks.get(c)?.factor ?? 1;
  }

  tap(ctx: PluginContext): void {
    ctx.hooks.beforeExecute.tapPromise({ name: ctx.plugin.instance, stage: OVERLAY_STAGE }, ((
      intent: OrderIntent | Veto,
      cycle: CycleContext,
      cand: Candidate,
    ): MaybePromise<OrderIntent | Veto> => {
      if ('veto' in intent) return intent;
      const mark = this.marks.get(cand);
      if (!mark || !(intent.volume > 0)) return intent; // NaN (unsized) stays NaN: the engine refuses it
      const info = cycle.data.symbolInfo(intent.symbol);
      if (isPromiseLike(info)) return info.then((i) => apply(intent, mark, i));
      return apply(intent, mark, info);
    }) as never);
  }
}

export function apply(intent: OrderIntent, mark: { factor: number; why: string }, info: SymbolInfo): OrderIntent | Veto {
  const v = Math.min(intent.volume, floorToStep(intent.volume * mark.factor, info.volumeStep));
  if (!(v >= info.volumeMin - 1e-9)) return { veto: `${mark.why}: ${intent.volume} × ${round(mark.factor)} is below the minimum volume ${info.volumeMin}` };
  return { ...intent, volume: v };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
