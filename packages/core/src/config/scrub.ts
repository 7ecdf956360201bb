/**
 * Keeps the values of `${NAME}` out of error messages: a message that would show one (a plugin that
 * cannot be resolved, a data directory that cannot be read, a symbol the data does not have) says
 * "the value of ${NAME}" instead. Values shorter than 3 characters are left alone (they would garble
 * every message and reveal nothing).
 */
import type { Expansion } from './source.js';

const MIN_LENGTH = 3;

/** `message` with every expanded value replaced by the name of its variable (one pass, longest value first). */
export function scrubExpandedValues(message: string, expansions: readonly Expansion[]): string {
  const byValue = new Map<string, string>();
  for (const e of expansions) if (e.value.length >= MIN_LENGTH && !byValue.has(e.value)) byValue.set(e.value, e.name);
  if (byValue.size === 0) return message;
  const values = [...byValue.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return message.replace(re, (v) => `the value of \${${byValue.get(v)!}}`);
}

/**
 * A copy of `err` (same prototype, same fields: code, location, nested `errors`) whose message, stack
 * and causes carry no expanded value; `err` itself when there is nothing to replace.
 */
export function withoutExpandedValues<E>(err: E, expansions: readonly Expansion[]): E {
  if (!expansions.some((e) => e.value.length >= MIN_LENGTH) || !(err instanceof Error)) return err;
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error & { errors?: unknown };
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(err));
  copy.message = scrubExpandedValues(err.message, expansions);
  if (typeof err.stack === 'string') copy.stack = scrubExpandedValues(err.stack, expansions);
  if (err.cause !== undefined)
    copy.cause = err.cause instanceof Error ? withoutExpandedValues(err.cause, expansions) : scrubExpandedValues(String(err.cause), expansions);
  if (Array.isArray(copy.errors)) copy.errors = copy.errors.map((x: unknown) => withoutExpandedValues(x, expansions));
  return copy as E;
}
