/**
 * The original's pre-trade analyzer (`PreTradeAnalyzer.analyze_entry_opportunity`, original-system.md §1
 * `_execute_trade` step 2): a weighted score in [0, 1] of five components, each in [0, 1],
 *
 *   score = trend × 0.30 + model × 0.25 + memory × 0.20 + momentum × 0.15 + (1 − volatility) × 0.10
 *
 * times a regime multiplier (1.0 in the original, not reproduced). Under `minScore` (0.25) the entry is
 * blocked; ≥ 0.65 is STRONG_ENTRY, ≥ 0.40 ENTRY, ≥ 0.25 CAUTION (these still enter).
 *
 * Components, from what the agent already computed for the newest closed bar (no extra reads):
 *  - trend: each known trend (primary, and H1/H4 when their filters read them) scores 1 with the trade,
 *    0.5 flat, 0 against; their mean (0.5 when none is known). The original fetched M1/M5/M15/H1/H4;
 *  - model: the directional model probability (0.5 without a model);
 *  - memory: the original's RAG pattern memory is not reproduced: neutral 0.5, so it adds a constant 0.10;
 *  - momentum: the mean of RSI in the trade's direction (RSI/100 for a buy, 1 − RSI/100 for a sell) and
 *    the MACD histogram's sign (1 with the trade, 0.5 zero, 0 against);
 *  - volatility: ATR / SMA20(ATR) over the regime's VOLATILE_HIGH ratio, clamped to [0, 1].
 */
import type { Trend } from './trend.js';

export interface PreTradeWeights {
  trend: number;
  model: number;
  memory: number;
  momentum: number;
  calm: number;
}

export interface PreTradeParams {
  enabled: boolean;
  minScore: number;
  weights: PreTradeWeights;
}

export interface PreTradeInput {
  side: 'buy' | 'sell';
  trends: readonly Trend[];
  /** Directional model probability (for the trade's side). */
  probability: number;
  rsi: number;
  macdHist: number;
  /** ATR / SMA20(ATR). */
  volRatio: number;
  /** The ratio counted as fully volatile (the regime detector's VOLATILE_HIGH threshold). */
  volHighRatio: number;
}

export type PreTradeVerdict = 'STRONG_ENTRY' | 'ENTRY' | 'CAUTION' | 'BLOCK';

export interface PreTradeScore {
  score: number;
  verdict: PreTradeVerdict;
  trend: number;
  model: number;
  memory: number;
  momentum: number;
  volatility: number;
}

const clamp01 = (v: number) => Math.min(Math.max(v, 0), 1);
const or = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

export function preTradeScore(x: PreTradeInput, p: PreTradeParams): PreTradeScore {
  let sum = 0;
  let n = 0;
  for (const t of x.trends) {
    if (t === 'unknown') continue;
    n++;
    sum += t === 'flat' ? 0.5 : (t === 'up') === (x.side === 'buy') ? 1 : 0;
  }
  const trend = n ? sum / n : 0.5;
  const model = clamp01(or(x.probability, 0.5));
  const memory = 0.5;
  const rsi = clamp01(or(x.rsi, 50) / 100);
  const rsiDir = x.side === 'buy' ? rsi : 1 - rsi;
  const h = or(x.macdHist, 0);
  const macdDir = h === 0 ? 0.5 : h > 0 === (x.side === 'buy') ? 1 : 0;
  const momentum = (rsiDir + macdDir) / 2;
  const volatility = clamp01(or(x.volRatio / x.volHighRatio, 0.5));
  const w = p.weights;
  const score = w.trend * trend + w.model * model + w.memory * memory + w.momentum * momentum + w.calm * (1 - volatility);
  const verdict: PreTradeVerdict = score < p.minScore ? 'BLOCK' : score >= 0.65 ? 'STRONG_ENTRY' : score >= 0.4 ? 'ENTRY' : 'CAUTION';
  return { score, verdict, trend, model, memory, momentum, volatility };
}
