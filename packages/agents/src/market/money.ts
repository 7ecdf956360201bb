/**
 * Money per unit of price per lot, in the account currency: what sizing, cost and exposure checks
 * need. Brokers that give `tickValue` are used as is; otherwise the contract size is converted from
 * the profit currency with quotes the run can see (the symbol itself or another run symbol).
 */
import type { SymbolInfo } from '@tradekit/core';
import { agentsError } from '../errors.js';

export interface Quote {
  info: Pick<SymbolInfo, 'symbol' | 'baseCurrency' | 'profitCurrency' | 'assetClass'>;
  mid: number;
}

/** Rate to turn one unit of `from` into the account currency, or undefined. */
export function conversionRate(from: string, account: string, quotes: readonly Quote[]): number | undefined {
  if (from === account) return 1;
  for (const q of quotes) {
    // Only currency pairs quote exchange rates (an index's "base currency" is not a rate).
    if (!(q.mid > 0) || q.info.assetClass !== 'forex') continue;
    if (q.info.baseCurrency === from && q.info.profitCurrency === account) return q.mid;
    if (q.info.baseCurrency === account && q.info.profitCurrency === from) return 1 / q.mid;
  }
  return undefined;
}

/** Account-currency value of a 1.0 price move on one lot. Throws TK_ERR_AGENTS_CONVERSION when unknown. */
export function valuePerPriceUnit(info: SymbolInfo, account: string, quotes: readonly Quote[]): number {
  if (info.tickValue !== undefined && info.tickValue > 0 && info.tickSize > 0) return info.tickValue / info.tickSize;
  const rate = conversionRate(info.profitCurrency, account, quotes);
  if (rate === undefined) {
    throw agentsError(
      'TK_ERR_AGENTS_CONVERSION',
      `cannot value ${info.symbol} in ${account}: no ${info.profitCurrency}${account} or ${account}${info.profitCurrency} quote among the run's symbols; add one or set symbolInfo.tickValue`,
      { symbol: info.symbol },
    );
  }
  return info.contractSize * rate;
}
