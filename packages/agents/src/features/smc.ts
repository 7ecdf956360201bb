/**
 * Smart-money features, computed causally and incrementally (one call per closed bar):
 * - structure level: highest high / lowest low of the previous `lookback` bars, excluding the bar
 *   being tested, so a break of structure can fire on the newest bar (the original's centred swing window
 *   looked `lookback/2` bars into the future and, live, could never fire);
 * - liquidity sweep: a bar that trades beyond the structure level and closes back inside it;
 * - fair-value gap: a three-bar imbalance (bar t's low above bar t−2's high, or the mirror), live until
 *   price fills it;
 * - order block: the last opposite candle before a displacement candle (body ≥ `displacement` × the
 *   average body) that closes beyond it, live until price closes through it;
 * - break of structure: a close beyond the structure level with a momentum body.
 */
import { Ring } from '../indicators/ring.js';
import { RollingExtreme } from '../indicators/rolling-extreme.js';

export interface SmcParams {
  /** Bars that define the structure level (the original: BOS_SWEEP_LOOKBACK 20). */
  lookback: number;
  /** Displacement / momentum body multiple of the average body (the original: BOS_MOMENTUM_MULTIPLIER 1.5). */
  momentum: number;
  /** A sweep counts for this many bars after it happened. */
  sweepRecentBars: number;
  /** Gaps smaller than this × ATR are ignored. */
  fvgMinAtr: number;
  /** Zones kept per kind and side. */
  maxZones: number;
}

/** Slots of a bar in a row (`SmcTracker.updateBar`, the feature track's scratch row). */
export const BAR_TIME = 0;
export const BAR_OPEN = 1;
export const BAR_HIGH = 2;
export const BAR_LOW = 3;
export const BAR_CLOSE = 4;
export const BAR_VOLUME = 5;
export const BAR_FIELDS = 6;

export const SMC_DEFAULTS: SmcParams = { lookback: 20, momentum: 1.5, sweepRecentBars: 3, fvgMinAtr: 0.1, maxZones: 10 };

export interface Zone {
  side: 'bull' | 'bear';
  top: number;
  bottom: number;
  /** Open time of the bar that created it. */
  time: number;
}

export interface StructureBreak {
  side: 'bull' | 'bear';
  /** The structure level that was broken. */
  level: number;
  /** Open time of the breaking bar. */
  time: number;
  /** Bar index (count of bars seen − 1) of the break. */
  index: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export class SmcTracker {
  private readonly hiMax: RollingExtreme;
  private readonly loMin: RollingExtreme;
  /** Recent candle bodies; their mean is the "average body" (over what is there, up to 20). */
  private readonly bodies = new Ring(20);
  private bodySum = 0;
  private readonly row = new Float64Array(BAR_FIELDS);
  /** The previous bar (NaN before it) and the one before it (highs and lows only). */
  private prevOpen = Number.NaN;
  private prevHigh = Number.NaN;
  private prevLow = Number.NaN;
  private prevClose = Number.NaN;
  private prevHigh2 = Number.NaN;
  private prevLow2 = Number.NaN;
  private n = 0;
  lastBullSweep = -Infinity;
  lastBearSweep = -Infinity;
  readonly fvgs: Zone[] = [];
  readonly orderBlocks: Zone[] = [];
  /** Break of structure on the newest bar, if any. */
  bos: StructureBreak | undefined;
  /** The most recent break (kept for context). */
  lastBos: StructureBreak | undefined;

  constructor(readonly p: SmcParams = SMC_DEFAULTS) {
    this.hiMax = new RollingExtreme(p.lookback, 'max');
    this.loMin = new RollingExtreme(p.lookback, 'min');
  }

  get count(): number {
    return this.n;
  }

  update(time: number, o: number, h: number, l: number, c: number, atr: number): void {
    const r = this.row;
    r[BAR_TIME] = time;
    r[BAR_OPEN] = o;
    r[BAR_HIGH] = h;
    r[BAR_LOW] = l;
    r[BAR_CLOSE] = c;
    this.updateBar(r, atr);
  }

  /** `update` with the bar in a row (slots BAR_TIME … BAR_CLOSE): no number per field crosses the call. */
  updateBar(bar: Float64Array, atr: number): void {
    const time = bar[BAR_TIME]!;
    const o = bar[BAR_OPEN]!;
    const h = bar[BAR_HIGH]!;
    const l = bar[BAR_LOW]!;
    const c = bar[BAR_CLOSE]!;
    const index = this.n++;
    // Structure from the previous `lookback` bars only (never the bar being tested).
    const ready = this.hiMax.ready;
    const sh = ready ? this.hiMax.value : Number.NaN;
    const sl = ready ? this.loMin.value : Number.NaN;
    const avgBody = this.bodies.length ? this.bodySum / this.bodies.length : Number.NaN;
    const bodySize = Math.abs(c - o);
    const momentum = avgBody > 0 && bodySize >= this.p.momentum * avgBody;

    this.bos = undefined;
    if (ready) {
      if (l < sl && c > sl) this.lastBullSweep = index;
      if (h > sh && c < sh) this.lastBearSweep = index;
      if (momentum && c > sh && c > o) this.bos = { side: 'bull', level: sh, time, index, open: o, high: h, low: l, close: c };
      else if (momentum && c < sl && c < o) this.bos = { side: 'bear', level: sl, time, index, open: o, high: h, low: l, close: c };
      if (this.bos) this.lastBos = this.bos;
    }

    // Invalidate zones with this bar, before adding the ones it creates.
    if (this.fvgs.length) pruneFilledGaps(this.fvgs, h, l);
    if (this.orderBlocks.length) pruneBrokenBlocks(this.orderBlocks, c);

    const h2 = this.prevHigh2;
    const l2 = this.prevLow2;
    const minGap = atr > 0 ? this.p.fvgMinAtr * atr : 0;
    if (!Number.isNaN(h2)) {
      if (l - h2 > minGap) add(this.fvgs, { side: 'bull', top: l, bottom: h2, time }, this.p.maxZones);
      else if (l2 - h > minGap) add(this.fvgs, { side: 'bear', top: l2, bottom: h, time }, this.p.maxZones);
    }
    const po = this.prevOpen;
    const pc = this.prevClose;
    const ph = this.prevHigh;
    const pl = this.prevLow;
    if (!Number.isNaN(po) && momentum) {
      if (pc < po && c > o && c > ph) add(this.orderBlocks, { side: 'bull', top: ph, bottom: pl, time }, this.p.maxZones);
      else if (pc > po && c < o && c < pl) add(this.orderBlocks, { side: 'bear', top: ph, bottom: pl, time }, this.p.maxZones);
    }

    this.hiMax.update(h);
    this.loMin.update(l);
    const out = this.bodies.push(bodySize);
    this.bodySum += bodySize - (Number.isNaN(out) ? 0 : out);
    this.prevHigh2 = this.prevHigh;
    this.prevLow2 = this.prevLow;
    this.prevHigh = h;
    this.prevLow = l;
    this.prevOpen = o;
    this.prevClose = c;
  }

  /** A sweep of sell-side liquidity (for buys) or buy-side liquidity (for sells) in the last bars. */
  recentSweep(side: 'buy' | 'sell'): boolean {
    const last = this.n - 1;
    const at = side === 'buy' ? this.lastBullSweep : this.lastBearSweep;
    return last - at < this.p.sweepRecentBars;
  }

  /** Price is inside, or within `nearAtr` × ATR on the trade side of, a live zone of that side. */
  nearZone(zones: readonly Zone[], side: 'buy' | 'sell', price: number, atr: number, nearAtr: number): boolean {
    const pad = atr > 0 ? nearAtr * atr : 0;
    for (const z of zones) {
      if (side === 'buy' && z.side === 'bull' && price >= z.bottom && price <= z.top + pad) return true;
      if (side === 'sell' && z.side === 'bear' && price <= z.top && price >= z.bottom - pad) return true;
    }
    return false;
  }
}

/** Drops the gaps this bar filled (a bull gap once the low reaches its bottom, a bear gap the mirror). */
function pruneFilledGaps(zones: Zone[], h: number, l: number): void {
  let w = 0;
  for (let i = 0; i < zones.length; i++) {
    const z = zones[i]!;
    if (!(z.side === 'bull' ? l <= z.bottom : h >= z.top)) zones[w++] = z;
  }
  if (w !== zones.length) zones.length = w;
}

/** Drops the order blocks this bar closed through. */
function pruneBrokenBlocks(zones: Zone[], c: number): void {
  let w = 0;
  for (let i = 0; i < zones.length; i++) {
    const z = zones[i]!;
    if (!(z.side === 'bull' ? c < z.bottom : c > z.top)) zones[w++] = z;
  }
  if (w !== zones.length) zones.length = w;
}

function add(zones: Zone[], z: Zone, max: number): void {
  zones.push(z);
  if (zones.length > max) zones.shift();
}
