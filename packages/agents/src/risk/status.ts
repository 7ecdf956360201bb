/** Reasons the risk policy gives. Cycle gates and pre-scan reasons carry the original's "Risk Block: " prefix. */
const f2 = (v: number) => v.toFixed(2);

export const RiskReason = {
  circuitBreaker: (why: string) => `Risk Block: Circuit Breaker (${why})`,
  dailyTrades: (n: number, max: number) => `Risk Block: Daily trade limit (${n}/${max})`,
  dailyLoss: (net: number, max: number, ccy: string) => `Risk Block: Daily loss limit (${f2(net)} < -${f2(max)} ${ccy})`,
  maxOpen: (n: number, max: number) => `Risk Block: Max open positions (${n}/${max})`,
  session: (hhmm: string) => `Risk Block: Outside trading sessions (${hhmm} UTC)`,
  interval: (minutes: number, min: number) => `Risk Block: Min trade interval (${minutes.toFixed(1)} of ${min} min)`,
  killSwitch: (n: number, sum: number, threshold: number) => `Risk Block: Kill switch (last ${n} deals ${f2(sum)} < ${threshold})`,
  payoff: (ratio: number, max: number) => `Risk Block: Payoff mandate (avg loss ${f2(ratio)}× avg win > ${max})`,
  perSymbol: (n: number, max: number) => `Risk Block: Max positions on symbol (${n}/${max})`,
  tradeMode: (mode: string) => `Trade mode ${mode}`,
  noTick: () => 'No Tick Data',
  spread: (pips: number, max: number) => `Spread too wide (${pips.toFixed(1)} > ${max.toFixed(1)} pips)`,
  news: (ccy: string, title: string) => `News Blackout (${ccy} ${title})`,
  noStops: () => 'No stop loss: cannot size by risk',
  lowRr: (rr: number, min: number) => `Low R:R (${f2(rr)} < ${min})`,
  cost: (share: number, max: number) => `Cost too high (${(share * 100).toFixed(0)}% of TP > ${(max * 100).toFixed(0)}%)`,
  netProfit: (ratio: number, min: number) => `Net profit too small (TP − cost = ${f2(ratio)}× cost < ${min})`,
  maxConcurrent: (n: number, max: number) => `Max concurrent trades (${n}/${max})`,
  correlation: (rho: number, symbol: string, side: string) => `Correlation (ρ ${f2(rho)} with open ${symbol} ${side})`,
  correlationGroup: (group: string, symbol: string, side: string) => `Correlation group ${group} (open ${symbol} ${side})`,
  exposure: (ccy: string, after: number, cap: number) => `Currency exposure (${ccy} ${f2(after)} lots > ${cap})`,
  cannotSize: (why: string) => `Cannot size: ${why}`,
  margin: (perLot: number, allowed: number, min: number) =>
    `Not enough free margin (${min} lots need ${(perLot * min).toFixed(2)}, ${allowed.toFixed(2)} allowed)`,
} as const;
