/**
 * Position sizing: quarter Kelly blended with the model probability when it applies (no edge: skip,
 * or a small probe with `kellyNoEdge: probe`), score tiers otherwise; × the candidate's scaling (clamped to RISK_FACTOR_MAX); capped at MAX_RISK_PERCENT; the
 * tail-risk clamp on tail symbols (matched by base name, so broker suffixes count); then the volume is
 * floored to the step and clamped to the maximum. A volume below the minimum is a skip: raising it to
 * the minimum would risk more than intended (the original clamped up).
 */
import { floorToStep, type SymbolInfo } from '@tradekit/core';
import type { RiskConfig } from './config.js';
import type { TradeStats } from './deal-stats.js';

export interface RiskPlan {
  /** % of balance, after tiers/Kelly, scaling and caps. */
  riskPercent: number;
  /** Account-currency amount at risk at the stop. */
  riskMoney: number;
  /** How the % was chosen. */
  basis: string;
  tailClamped: boolean;
}

export function plannedRisk(
  c: RiskConfig,
  balance: number,
  score: number,
  probability: number,
  neutralProbability: boolean,
  scaling: number,
  hist: TradeStats,
  tailSymbol: boolean,
): RiskPlan | { skip: string } {
  let pct: number | undefined;
  let basis = '';
  let probe = false;
  if (c.useKelly) {
    const hasHistory = hist.trades >= c.kellyMinTrades && hist.avgWin > 0 && hist.avgLoss > 0;
    const histRate = hist.trades ? hist.wins / hist.trades : 0;
    let p: number | undefined;
    let b: number | undefined;
    if (hasHistory) {
      // No model: the history alone (blending a neutral 0.5 in would only drag it to a coin).
      p = neutralProbability ? histRate : c.kellyModelWeight * probability + (1 - c.kellyModelWeight) * histRate;
      b = hist.avgWin / hist.avgLoss;
    } else if (!neutralProbability && probability > c.kellyMinProbability) {
      p = c.kellyNoHistoryDiscount * probability;
      b = c.kellyPriorRewardRisk;
    }
    if (p !== undefined && b !== undefined) {
      const f = p - (1 - p) / b;
      if (!(f > 0)) {
        const over = hasHistory ? `, last ${hist.trades} trades` : ', no history';
        if (c.kellyNoEdge !== 'probe') return { skip: `Kelly: no edge (f = ${f.toFixed(3)}, win rate ${p.toFixed(2)}, payoff ${b.toFixed(2)}${over})` };
        pct = Math.min(c.kellyProbeRiskPercent, c.maxRiskPercent);
        basis = `kelly no edge (f=${f.toFixed(3)}${over}): probe`;
        probe = true;
      } else {
        pct = Math.min(f * c.kellyFraction * 100, c.maxRiskPercent);
        basis = `kelly f=${f.toFixed(3)}`;
      }
    }
  }
  if (pct === undefined) {
    pct = c.riskPercent;
    basis = 'base';
    for (const t of [...c.scoreTiers].sort((a, b2) => b2.minScore - a.minScore)) {
      if (score >= t.minScore) {
        pct = t.riskPercent;
        basis = `score ≥ ${t.minScore}`;
        break;
      }
    }
  }
  // A probe never scales up: it is there to keep measuring, not to bet on the setup.
  const s = Math.max(0, Math.min(Number.isFinite(scaling) ? scaling : 1, probe ? 1 : c.riskFactorMax));
  pct = Math.min(pct * s, c.maxRiskPercent);
  let money = (balance * pct) / 100;
  let tailClamped = false;
  if (tailSymbol && money > c.maxTailRiskLoss) {
    money = c.maxTailRiskLoss;
    pct = (money / balance) * 100;
    tailClamped = true;
  }
  return { riskPercent: pct, riskMoney: money, basis: `${basis} × scaling ${s}`, tailClamped };
}

/** Volume for `riskMoney` at `slDistance` (price units), or a skip reason. */
export function volumeFor(info: SymbolInfo, riskMoney: number, slDistance: number, valuePerPriceUnit: number): { volume: number } | { skip: string } {
  if (!(slDistance > 0)) return { skip: 'No stop loss: cannot size by risk' };
  if (!(valuePerPriceUnit > 0) || !(riskMoney > 0)) return { skip: 'Cannot size: no risk budget' };
  const raw = riskMoney / (slDistance * valuePerPriceUnit);
  let v = floorToStep(raw, info.volumeStep);
  if (v > info.volumeMax) v = floorToStep(info.volumeMax, info.volumeStep);
  if (v < info.volumeMin - 1e-9) {
    const minRisk = info.volumeMin * slDistance * valuePerPriceUnit;
    return { skip: `Size below minimum (${raw.toFixed(4)} < ${info.volumeMin} lots: the minimum would risk ${minRisk.toFixed(2)} > ${riskMoney.toFixed(2)})` };
  }
  return { volume: v };
}
