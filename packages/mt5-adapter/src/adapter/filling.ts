/**
 * Filling mode per symbol, chosen from the `filling_mode` bits (1 → FOK, 2 → IOC, neither → RETURN;
 * exchange execution → RETURN), cached, and used for opens AND closes (closing with a hard-coded FOK
 * is a classic 10030, EA31337#349). A 10030 moves the symbol one step down its fallback list and the
 * new choice is cached.
 */
import { ORDER_FILLING, SYMBOL_FILLING, SYMBOL_TRADE_EXECUTION } from '../mt5/constants.js';
import type { Mt5SymbolInfo } from '../mt5/types.js';

export type FillingName = 'FOK' | 'IOC' | 'RETURN';

export const FILLING_VALUE: Record<FillingName, number> = { FOK: ORDER_FILLING.FOK, IOC: ORDER_FILLING.IOC, RETURN: ORDER_FILLING.RETURN };

/** Modes the symbol's bits allow, in the preferred order. */
export function allowedFillings(info: Pick<Mt5SymbolInfo, 'filling_mode' | 'trade_exemode'>, preference: readonly FillingName[]): FillingName[] {
  const bits = info.filling_mode;
  const ok = (m: FillingName): boolean =>
    m === 'FOK'
      ? (bits & SYMBOL_FILLING.FOK) !== 0
      : m === 'IOC'
        ? (bits & SYMBOL_FILLING.IOC) !== 0
        : info.trade_exemode === SYMBOL_TRADE_EXECUTION.EXCHANGE || (bits & (SYMBOL_FILLING.FOK | SYMBOL_FILLING.IOC)) === 0;
  const first = preference.filter(ok);
  // Then the rest of the preference list as fallbacks (the bits can be wrong on some servers).
  return [...first, ...preference.filter((m) => !first.includes(m))];
}

export class FillingPolicy {
  private readonly chosen = new Map<string, { list: FillingName[]; i: number }>();

  constructor(private readonly preference: readonly FillingName[] = ['FOK', 'IOC', 'RETURN']) {}

  /** The cached mode for a symbol (computed from its bits on first use). */
  current(symbol: string, info: Pick<Mt5SymbolInfo, 'filling_mode' | 'trade_exemode'>): FillingName {
    let c = this.chosen.get(symbol);
    if (!c) this.chosen.set(symbol, (c = { list: allowedFillings(info, this.preference), i: 0 }));
    return c.list[c.i]!;
  }

  /** After a 10030 with `failed`: the next mode (cached), or undefined when every mode was tried. */
  fallback(symbol: string, failed: FillingName, tried: ReadonlySet<FillingName>): FillingName | undefined {
    const c = this.chosen.get(symbol);
    if (!c) return undefined;
    const idx = c.list.indexOf(failed);
    for (let i = Math.max(idx, c.i) + 1; i < c.list.length; i++) {
      if (!tried.has(c.list[i]!)) {
        c.i = i;
        return c.list[i];
      }
    }
    return undefined;
  }
}
