/**
 * Growable columns for the compact journal: a table keeps one typed array per numeric field and a
 * plain array per string field, grown by half when full, so a backtest's tens of thousands of rows are a
 * few dozen allocations instead of an object (and its boxed numbers) each.
 */

type Typed = Float64Array | Int32Array | Uint8Array;

/** A copy of `a` with room for `cap` elements (the new ones are 0 and untouched: a row's writer sets every field). */
export function grown<T extends Typed>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** Strings seen many times (symbols, agents, exit reasons) stored once; −1 stands for undefined. */
export class StringTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.ids.set(s, i);
    }
    return i;
  }

  at(i: number): string | undefined {
    return i < 0 ? undefined : this.list[i];
  }
}

/** `undefined` ⇄ NaN for optional numbers kept in a float column. */
export const optNum = (v: number | undefined): number => (v === undefined ? Number.NaN : v);
export const numOpt = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);
