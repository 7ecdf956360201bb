/**
 * ajv errors → TradekitErrors with file, line, column and JSON path. Unknown keys point at the key
 * and suggest the nearest known one. A value that came from `${NAME}` is named, never shown.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { TradekitError, type ErrorCode } from '../errors.js';
import type { ConfigSource, PathSegment } from './source.js';
import { formatPath } from './source.js';

// verbose: errors carry the offending data and the parent schema (for "did you mean").
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) or throws the ajv schema error. */
export function compileSchema(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Validates `value` (mutated: defaults applied) against `schema`. `base` is where `value` sits in the
 * config, so errors carry the full path.
 */
export function validateAt(schema: object, value: unknown, src: ConfigSource, base: readonly PathSegment[], what = 'config'): TradekitError[] {
  const validate = compileSchema(schema);
  if (validate(value)) return [];
  return toErrors(validate.errors ?? [], value, src, base, what);
}

function pointerToPath(pointer: string, root: unknown): PathSegment[] {
  if (!pointer) return [];
  const out: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function toErrors(errs: ErrorObject[], value: unknown, src: ConfigSource, base: readonly PathSegment[], what: string): TradekitError[] {
  const out: TradekitError[] = [];
  const seen = new Set<string>();
  // anyOf produces one error per branch plus the anyOf itself; keep the anyOf.
  const anyOfPaths = new Set(errs.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errs) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && anyOfPaths.has(e.instancePath)) continue;
    let p = [...base, ...pointerToPath(e.instancePath, value)];
    // A value that came from `${NAME}` is never echoed: the message names the variable instead.
    const vars = src.expandedAt(p);
    const describe = (v: unknown): string => (vars && typeof v === 'string' ? `the value of ${vars.map((n) => `\${${n}}`).join(' and ')}` : describeValue(v));
    let code: ErrorCode = 'TK_ERR_CONFIG_VALUE';
    let msg: string;
    let atKey = false;
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = String((e.params as { additionalProperty: string }).additionalProperty);
        p = [...p, prop];
        code = 'TK_ERR_CONFIG_UNKNOWN_KEY';
        atKey = true;
        const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
        const hint = suggest(prop, known);
        msg = `unknown key "${prop}" in ${what}${hint ? ` (did you mean "${hint}"?)` : known.length ? `; allowed: ${known.join(', ')}` : ''}`;
        break;
      }
      case 'required': {
        const prop = String((e.params as { missingProperty: string }).missingProperty);
        code = 'TK_ERR_CONFIG_REQUIRED';
        msg = `missing required key "${prop}" in ${formatPath(p)}`;
        p = [...p, prop];
        break;
      }
      case 'type':
        code = 'TK_ERR_CONFIG_TYPE';
        msg = `expected ${(e.params as { type: string }).type}, got ${describe(e.data)}`;
        break;
      case 'enum':
        msg = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(e.data)}`;
        break;
      case 'anyOf':
      case 'oneOf': {
        const d = (e.parentSchema as { description?: string } | undefined)?.description;
        msg = `${d ? `must be ${d}` : (e.message ?? 'invalid')}, got ${describe(e.data)}`;
        break;
      }
      default:
        msg = `${e.message ?? 'invalid'}${e.data !== undefined && typeof e.data !== 'object' ? `, got ${describe(e.data)}` : ''}`;
    }
    const key = `${code}|${formatPath(p)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Missing keys have no position of their own: point at their parent.
    const loc = src.locate(code === 'TK_ERR_CONFIG_REQUIRED' ? p.slice(0, -1) : p, { key: atKey });
    out.push(new TradekitError(code, msg, { file: src.file, line: loc?.line, column: loc?.column, path: formatPath(p) }));
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The known key within edit distance 2 (or a third of the length), if any. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
