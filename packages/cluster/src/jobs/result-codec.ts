/**
 * Results as JSON text in Redis, with the numbers JSON cannot hold kept exact: a profit factor of
 * Infinity, a NaN and -0 round-trip as tagged values (the local sweep hands results over by
 * structured clone, which keeps them; the queue must not rank differently).
 */
const TAG = '$tk:num';

export function encodeResult(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _k: string, v: unknown) {
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { [TAG]: Object.is(v, -0) ? '-0' : String(v) };
    return v;
  });
}

export function decodeResult<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[TAG];
      if (typeof tagged === 'string' && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  }) as T;
}
