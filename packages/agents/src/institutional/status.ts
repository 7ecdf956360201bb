/**
 * The dashboard status strings of the institutional agent's gates, in gate order. Tests assert on
 * these exact strings; the prefix before " (" is stable, the parenthesis carries the numbers.
 */
const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

export const Status = {
  inactive: (until: number) => `Inactive (Circuit Breaker until ${new Date(until).toISOString().slice(0, 16)}Z)`,
  news: (currency: string, title: string) => `News Blackout (${currency} ${title})`,
  cooldown: (secondsLeft: number) => `Cooldown (${Math.ceil(secondsLeft)}s left)`,
  pending: (side: string, type: string, price: number) => `Order Pending (${side} ${type} @ ${price})`,
  spread: (pips: number, max: number) => `Spread too wide (${f1(pips)} > ${f1(max)} pips)`,
  insufficient: (bars: number, min: number) => `Insufficient Data (${bars} < ${min} bars)`,
  stale: (minutes: number) => `Stale Data (last bar closed ${Math.round(minutes)} min ago)`,
  lowScoreTie: (score: number) => `Low Score (${score} both ways)`,
  lowScore: (score: number, min: number, key: string, block?: string) => `Low Score (${score} < ${min} for ${key} regime${block ? `; ${block}` : ''})`,
  lowProb: (p: number, min: number) => `Low ML Prob (${f2(p)} < ${f2(min)})`,
  trendBlock: (setup: string, side: string, tf: string, trend: string) => `Trend Block (${setup} ${side} against ${tf} ${trend})`,
  badRegime: (regime: string) => `Bad Regime (${regime})`,
  weakRegime: (regime: string, score: number, side: string) => `Weak Regime (${regime} scores ${score} for ${side})`,
  dead: (ratio: number, min: number) => `Market Too Dead (ATR ${f2(ratio)}× its mean < ${f2(min)})`,
  regimeDaily: (count: number, max: number, key: string) => `Regime Daily Limit (${count}/${max} in ${key})`,
  tpSpread: (tpPips: number, ratio: number) => `TP too small (${f1(tpPips)} pips < ${ratio}× spread)`,
  minProfit: (tpPips: number, min: number) => `Low Profit Target (${f1(tpPips)} < ${min} pips)`,
  lowRr: (rr: number, min: number) => `Low R:R (${f2(rr)} < ${min})`,
  preTrade: (score: number, min: number, trend: number, model: number, momentum: number, volatility: number) =>
    `Pre-Trade Block (score ${f2(score)} < ${f2(min)}: trend ${f2(trend)}, model ${f2(model)}, momentum ${f2(momentum)}, volatility ${f2(volatility)})`,
} as const;
