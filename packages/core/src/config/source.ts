/**
 * A YAML config parsed with positions kept: every value can be traced back to file, line and column
 * by its JSON path. `${NAME}` and `${NAME:-default}` are interpolated from the environment on the
 * syntax tree (so positions survive); `$${` writes a literal `${`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { TradekitError } from '../errors.js';

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

export function readConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new TradekitError('TK_ERR_CONFIG_FILE', `cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, cause: e });
  }
  return parseConfigText(text, file, env);
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, strict: true });
  const errors: TradekitError[] = [];
  const secretValues = new Set<string>();
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

  if (errors.length === 0) interpolate(doc, file, env, pos, errors, secretValues);

  const value = errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  if (errors.length === 0 && value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    errors.push(new TradekitError('TK_ERR_CONFIG_TYPE', 'the config must be a mapping of keys (run:, data:, broker:, …)', { file, line: 1, column: 1, path: '$' }));
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
    locate(p, opts) {
      return locateIn(doc, p, opts?.key ?? false, pos);
    },
  };
}

function interpolate(
  doc: Document,
  file: string,
  env: NodeJS.ProcessEnv,
  pos: (o: number) => { line: number; column: number },
  errors: TradekitError[],
  secretValues: Set<string>,
): void {
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const jsonPath = pathOf(ancestors, node);
      node.value = node.value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g, (m: string, name: string, dflt: string | undefined) => {
        if (m.startsWith('$$')) return m.slice(1);
        const v = env[name];
        if (v === undefined || v === '') {
          if (dflt !== undefined) return dflt;
          const at = node.range ? pos(node.range[0]) : { line: 1, column: 1 };
          errors.push(
            new TradekitError('TK_ERR_CONFIG_ENV_MISSING', `environment variable ${name} is not set: set ${name} in the environment, or write \${${name}:-default}, or remove it from ${path.basename(file)}:${at.line}`, {
              file,
              ...at,
              path: formatPath(jsonPath),
              details: { variable: name },
            }),
          );
          return '';
        }
        if (SECRET_NAME.test(name) || jsonPath[0] === 'secrets') secretValues.add(v);
        return v;
      });
    },
  });
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

function locateIn(doc: Document, p: readonly PathSegment[], key: boolean, pos: (o: number) => { line: number; column: number }): { line: number; column: number } | undefined {
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
