/**
 * A YAML config parsed with positions kept: every value can be traced back to file, line and column
 * by its JSON path. `${NAME}` and `${NAME:-default}` are interpolated from the environment on the
 * syntax tree (so positions survive); `$${` writes a literal `${`; keys are never interpolated. Which
 * variable made which value is recorded, so error messages can say "the value of ${NAME}" instead of
 * echoing it. Resource limits (size, depth, aliases, nodes: `yaml-limits.ts`) are checked before and
 * after parsing.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { TradekitError } from '../errors.js';
import { DEFAULT_YAML_LIMITS, checkDocumentLimits, describeLimitHit, scanYamlLimits, type LimitHit, type YamlLimits } from './yaml-limits.js';

export type PathSegment = string | number;

export interface ConfigSource {
  file: string;
  dir: string;
  text: string;
  /** Plain JS value after interpolation. */
  value: unknown;
  /** Values that came from the environment under secret-looking names, and everything under `secrets:`. */
  secretValues: Set<string>;
  /** Errors found while reading (YAML syntax, missing env). Empty when clean. */
  errors: TradekitError[];
  /** Position of the value (or, with `key`, of the key) at `path`. */
  locate(path: readonly PathSegment[], opts?: { key?: boolean }): { line: number; column: number } | undefined;
  /** Every `${NAME}` expanded, with its value (to keep values out of error messages). */
  expansions: readonly Expansion[];
  /** The variables whose values make up the scalar at `path`, or undefined when none does. */
  expandedAt(path: readonly PathSegment[]): string[] | undefined;
}

export interface Expansion {
  name: string;
  value: string;
}

export interface ParseOptions {
  /**
   * Only these environment variables may be referenced; `${OTHER}` is TK_ERR_CONFIG_ENV_FORBIDDEN
   * (a config from an untrusted client must not read the host's environment). Undefined: all.
   */
  envAllow?: readonly string[];
  /** Size, depth, alias and node limits (default DEFAULT_YAML_LIMITS, no size limit). */
  limits?: YamlLimits;
}

const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE/i;

export function formatPath(p: readonly PathSegment[]): string {
  let out = '';
  for (const s of p) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '$';
}

export function readConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): ConfigSource {
  const abs = path.resolve(file);
  let text: string;
  try {
    const max = opts.limits?.maxBytes;
    if (max !== undefined && statSync(abs).size > max) return limitSource(file, { limit: 'maxBytes', max, line: 1, column: 1 });
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new TradekitError('TK_ERR_CONFIG_FILE', `cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file,
      cause: e,
    });
  }
  return parseConfigText(text, file, env, opts);
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): ConfigSource {
  const limits = opts.limits ?? DEFAULT_YAML_LIMITS;
  // Cheap first: a text over the limits is never handed to the parser.
  const early = scanYamlLimits(text, limits);
  if (early) return limitSource(file, early, text);

  const lc = new LineCounter();
  // Duplicate keys are found below in one pass (the parser's own check compares every pair of keys).
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false, strict: true });
  const errors: TradekitError[] = [];
  const secretValues = new Set<string>();
  const expansions: Expansion[] = [];
  const expandedNodes = new WeakMap<Node, string[]>();
  const pos = (offset: number): { line: number; column: number } => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };

  for (const e of doc.errors) {
    const at = e.linePos?.[0] ?? { line: 1, col: 1 };
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    errors.push(
      new TradekitError('TK_ERR_CONFIG_YAML', `malformed YAML: ${first}`, {
        file,
        line: at.line,
        column: at.col,
        path: '$',
        details: { yamlCode: e.code },
      }),
    );
  }

  if (errors.length === 0) {
    const hit = checkDocumentLimits(doc, limits, pos);
    if (hit) errors.push(limitError(file, hit));
  }
  if (errors.length === 0) duplicateKeys(doc, file, pos, errors);
  if (errors.length === 0) interpolate(doc, file, env, opts.envAllow, pos, errors, secretValues, expansions, expandedNodes);

  let value: unknown;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliases });
    } catch (e) {
      // The yaml package refuses an alias expansion that grows too large (a "billion laughs").
      const first = firstAlias(doc);
      errors.push(limitError(file, { limit: 'maxAliases', max: limits.maxAliases, ...(first ? pos(first) : { line: 1, column: 1 }) }, e));
    }
  }
  if (errors.length === 0 && value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    errors.push(
      new TradekitError('TK_ERR_CONFIG_TYPE', 'the config must be a mapping of keys (run:, data:, broker:, …)', { file, line: 1, column: 1, path: '$' }),
    );
  }
  // Everything under `secrets:` is redacted wherever it appears.
  const secrets = (value as { secrets?: Record<string, unknown> } | undefined)?.secrets;
  if (secrets && typeof secrets === 'object') for (const v of Object.values(secrets)) if (typeof v === 'string' && v) secretValues.add(v);

  return {
    file,
    dir: path.dirname(path.resolve(file)),
    text,
    value: value ?? {},
    secretValues,
    errors,
    expansions,
    locate(p, o) {
      return locateIn(doc, p, o?.key ?? false, pos);
    },
    expandedAt(p) {
      const node = nodeAt(doc, p);
      return node ? expandedNodes.get(node) : undefined;
    },
  };
}

function limitError(file: string, hit: LimitHit, cause?: unknown): TradekitError {
  return new TradekitError('TK_ERR_CONFIG_LIMIT', describeLimitHit(hit), {
    file,
    line: hit.line,
    column: hit.column,
    path: '$',
    details: { limit: hit.limit, max: hit.max },
    cause,
  });
}

/** A source with nothing but the limit error (the text was not parsed). */
function limitSource(file: string, hit: LimitHit, text = ''): ConfigSource {
  return {
    file,
    dir: path.dirname(path.resolve(file)),
    text,
    value: {},
    secretValues: new Set(),
    errors: [limitError(file, hit)],
    expansions: [],
    locate: () => ({ line: hit.line, column: hit.column }),
    expandedAt: () => undefined,
  };
}

function firstAlias(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Alias(_k, node) {
      at = node.range?.[0];
      return visit.BREAK;
    },
  });
  return at;
}

/** Keys repeated within one mapping (TK_ERR_CONFIG_YAML at the repeat), in one pass per mapping. */
function duplicateKeys(doc: Document, file: string, pos: (o: number) => { line: number; column: number }, errors: TradekitError[]): void {
  visit(doc, {
    Map(_k, map) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        const id = `${typeof key.value}:${String(key.value)}`;
        const first = seen.get(id);
        if (first) {
          const at = key.range ? pos(key.range[0]) : { line: 1, column: 1 };
          const was = first.range ? pos(first.range[0]).line : undefined;
          errors.push(
            new TradekitError(
              'TK_ERR_CONFIG_YAML',
              `malformed YAML: Map keys must be unique ("${String(key.value)}" is already set${was ? ` at line ${was}` : ''})`,
              {
                file,
                ...at,
                path: '$',
                details: { yamlCode: 'DUPLICATE_KEY' },
              },
            ),
          );
        } else seen.set(id, key);
      }
    },
  });
}

function interpolate(
  doc: Document,
  file: string,
  env: NodeJS.ProcessEnv,
  allow: readonly string[] | undefined,
  pos: (o: number) => { line: number; column: number },
  errors: TradekitError[],
  secretValues: Set<string>,
  expansions: Expansion[],
  expandedNodes: WeakMap<Node, string[]>,
): void {
  const allowed = allow ? new Set(allow) : undefined;
  visit(doc, {
    Scalar(key, node, ancestors) {
      // Keys are names, not values: never expanded (an expanded key would be echoed by "unknown key").
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const at = () => (node.range ? pos(node.range[0]) : { line: 1, column: 1 });
      const names: string[] = [];
      node.value = node.value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g, (m: string, name: string, dflt: string | undefined) => {
        if (m.startsWith('$$')) return m.slice(1);
        if (allowed && !allowed.has(name)) {
          const where = at();
          errors.push(
            new TradekitError(
              'TK_ERR_CONFIG_ENV_FORBIDDEN',
              `\${${name}} is not available here: a config started through the server sees only the variables listed in env.allow of the server config (${allowed.size ? [...allowed].join(', ') : 'none'}); write the value into the config or ask the server's admin`,
              { file, ...where, path: formatPath(pathOf(ancestors, node)), details: { variable: name } },
            ),
          );
          return '';
        }
        const v = env[name];
        if (v === undefined || v === '') {
          if (dflt !== undefined) return dflt;
          const where = at();
          errors.push(
            new TradekitError(
              'TK_ERR_CONFIG_ENV_MISSING',
              `environment variable ${name} is not set: set ${name} in the environment, or write \${${name}:-default}, or remove it from ${path.basename(file)}:${where.line}`,
              {
                file,
                ...where,
                path: formatPath(pathOf(ancestors, node)),
                details: { variable: name },
              },
            ),
          );
          return '';
        }
        names.push(name);
        expansions.push({ name, value: v });
        if (SECRET_NAME.test(name) || topKeyOf(ancestors) === 'secrets') secretValues.add(v);
        return v;
      });
      if (names.length) expandedNodes.set(node, names);
    },
  });
}

/** The top-level key a node sits under (`secrets`, `data`…). */
function topKeyOf(ancestors: readonly unknown[]): string | undefined {
  for (const a of ancestors) if (isPair(a)) return String((a.key as Scalar | undefined)?.value ?? a.key);
  return undefined;
}

/** JSON path of a node from the visitor's ancestors. */
function pathOf(ancestors: readonly unknown[], node: Node): PathSegment[] {
  const out: PathSegment[] = [];
  let child: unknown = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (isPair(a)) {
      if (a.value === child) out.unshift(String((a.key as Scalar | undefined)?.value ?? a.key));
      child = a;
    } else if (isSeq(a)) {
      out.unshift(a.items.indexOf(child as Node));
      child = a;
    } else child = a;
  }
  return out;
}

/** The node at a JSON path (aliases followed), or undefined. */
function nodeAt(doc: Document, p: readonly PathSegment[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const seg of p) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as Scalar | undefined)?.value ?? it.key) === String(seg));
      if (!pair) return undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else return undefined;
  }
  if (isAlias(node)) node = node.resolve(doc);
  return (node ?? undefined) as Node | undefined;
}

function locateIn(
  doc: Document,
  p: readonly PathSegment[],
  key: boolean,
  pos: (o: number) => { line: number; column: number },
): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let lastPair: Pair | undefined;
  let best: { line: number; column: number } | undefined = rangeOf(node, pos);
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as Scalar | undefined)?.value ?? it.key) === String(seg));
      if (!pair) return best;
      lastPair = pair;
      node = pair.value;
      best = rangeOf(pair.value, pos) ?? rangeOf(pair.key, pos) ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      lastPair = undefined;
      if (node === undefined) return best;
      best = rangeOf(node, pos) ?? best;
    } else return best;
  }
  if (key && lastPair) return rangeOf(lastPair.key, pos) ?? best;
  return best;
}

function rangeOf(n: unknown, pos: (o: number) => { line: number; column: number }): { line: number; column: number } | undefined {
  if (n && typeof n === 'object' && 'range' in n && Array.isArray((n as { range?: number[] }).range)) {
    return pos((n as { range: number[] }).range[0]!);
  }
  if (isScalar(n) && n.range) return pos(n.range[0]);
  return undefined;
}
