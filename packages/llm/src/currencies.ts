/** The currencies a symbol's news is about: its base and profit currency. */
import type { SymbolInfo } from '@tradekit/core';

export function currenciesOf(info: Pick<SymbolInfo, 'baseCurrency' | 'profitCurrency'>): string[] {
  return [...new Set([info.baseCurrency, info.profitCurrency].filter(Boolean).map((c) => c.toUpperCase()))];
}
