export const money = (v: number | undefined | null, cur = '') =>
  v === undefined || v === null || !Number.isFinite(v)
    ? '—'
    : `${v < 0 ? '−' : ''}${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${cur ? ` ${cur}` : ''}`;
export const signed = (v: number | undefined | null) => (v === undefined || v === null ? '—' : `${v > 0 ? '+' : ''}${money(v)}`);
export const pct = (v: number | undefined | null, digits = 1) => (v === undefined || v === null ? '—' : `${(v * 100).toFixed(digits)} %`);
export const num = (v: number | undefined | null, digits = 2) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const price = (v: number | undefined | null) => (v === undefined || v === null ? '—' : v >= 100 ? v.toFixed(2) : v.toFixed(5));
/** A chart price scale with the symbol's digits (EURUSD 5: 1.17123, XAUUSD 2: 4702.53), as MT5 shows prices. */
export const priceFormatOf = (digits: number) => ({ type: 'price' as const, precision: digits, minMove: Number((10 ** -digits).toFixed(digits)) });
export const utc = (t: number | undefined | null, withDate = true) => {
  if (!t) return '—';
  const iso = new Date(t).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
};
export const tone = (v: number | undefined | null) => (!v ? '' : v > 0 ? 'pos' : 'neg');
