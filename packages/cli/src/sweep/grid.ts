/**
 * The grid file of `tradekit sweep`: a YAML mapping from config JSON paths to the values to try.
 *
 *   agents[0].with.fast: [5, 10, 20]                # a list of values (any YAML: numbers, strings, lists…)
 *   agents[0].with.slow: { from: 20, to: 60, step: 10 }   # an inclusive numeric range
 *
 * Every mistake is a coded error with the grid file's line and column.
 */
import { readFileSync } from 'node:fs';
import { parseConfigText, type ConfigSource, type TradekitError } from '@tradekit/core';
import { cliError } from '../errors.js';
import { CONFIG_PATH } from '../options.js';

export interface GridAxis {
  path: string;
  values: unknown[];
  line?: number;
  column?: number;
}

export interface Grid {
  file: string;
  axes: GridAxis[];
  /** Number of combinations (product of the axes' lengths). */
  size: number;
}

/** A full grid above this needs `--samples`. */
export const MAX_FULL_GRID = 100_000;
const MAX_RANGE = 10_000;

export function readGrid(file: string): Grid {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw cliError('TK_ERR_GRID_FILE', `cannot read the grid file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, cause: e });
  }
  return parseGrid(text, file);
}

export function parseGrid(text: string, file: string): Grid {
  const src = parseConfigText(text, file);
  if (src.errors.length) throw regrade(src.errors[0]!, file);
  const root = src.value as Record<string, unknown>;
  const at = (p: (string | number)[], key = false) => src.locate(p, { key }) ?? { line: 1, column: 1 };
  const keys = Object.keys(root ?? {});
  if (!keys.length) {
    throw cliError('TK_ERR_GRID_SHAPE', `the grid file ${file} is empty: map config paths to value lists, e.g. "agents[0].with.fast: [5, 10, 20]"`, {
      file,
      line: 1,
      column: 1,
      path: '$',
    });
  }
  const axes: GridAxis[] = [];
  for (const key of keys) {
    const pos = at([key], true);
    if (!CONFIG_PATH.test(key)) {
      throw cliError('TK_ERR_GRID_PATH', `"${key}" is not a config path: write keys like agents[0].with.fast or broker.with.commissionPerLot`, {
        file,
        ...pos,
        path: key,
      });
    }
    axes.push({ path: key, values: axisValues(src, key, root[key], file), ...pos });
  }
  let size = 1;
  for (const a of axes) size *= a.values.length;
  return { file, axes, size };
}

function axisValues(src: ConfigSource, key: string, v: unknown, file: string): unknown[] {
  const pos = src.locate([key]) ?? { line: 1, column: 1 };
  const shape = (msg: string, where = pos) => cliError('TK_ERR_GRID_SHAPE', `${key}: ${msg}`, { file, ...where, path: key });
  if (Array.isArray(v)) {
    if (!v.length) throw shape('the list of values is empty: give at least one value');
    const seen = new Map<string, number>();
    v.forEach((item, i) => {
      const k = JSON.stringify(item);
      if (seen.has(k)) throw shape(`value ${k} is listed twice (items ${seen.get(k)} and ${i}): each combination would run twice`, src.locate([key, i]) ?? pos);
      seen.set(k, i);
    });
    return v;
  }
  if (v && typeof v === 'object') {
    const r = v as Record<string, unknown>;
    const extra = Object.keys(r).filter((k) => !['from', 'to', 'step'].includes(k));
    if (extra.length)
      throw shape(`a range takes from, to and step; unknown ${extra.map((x) => `"${x}"`).join(', ')}`, src.locate([key, extra[0]!], { key: true }) ?? pos);
    for (const k of ['from', 'to', 'step'] as const) {
      if (typeof r[k] !== 'number' || !Number.isFinite(r[k]))
        throw shape(`range ${k} must be a number, got ${JSON.stringify(r[k] ?? null)}`, src.locate([key, k]) ?? pos);
    }
    const from = r.from as number;
    const to = r.to as number;
    const step = r.step as number;
    if (!(step > 0)) throw shape(`range step must be > 0, got ${step}`, src.locate([key, 'step']) ?? pos);
    if (to < from) throw shape(`range "to" (${to}) is below "from" (${from})`, src.locate([key, 'to']) ?? pos);
    const n = Math.floor((to - from) / step + 1e-9) + 1;
    if (n > MAX_RANGE) throw shape(`the range has ${n} values (more than ${MAX_RANGE}): use a larger step`);
    const digits = Math.max(decimals(from), decimals(step));
    return Array.from({ length: n }, (_, i) => Number((from + i * step).toFixed(digits)));
  }
  throw shape(`expected a list of values like [5, 10, 20] or a range like { from: 5, to: 20, step: 5 }, got ${JSON.stringify(v)}`);
}

function decimals(x: number): number {
  const s = String(x);
  const e = s.match(/e-(\d+)$/);
  if (e) return Number(e[1]);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

function regrade(e: TradekitError, file: string): TradekitError {
  const code = e.code === 'TK_ERR_CONFIG_YAML' ? 'TK_ERR_GRID_YAML' : 'TK_ERR_GRID_SHAPE';
  const msg = e.code === 'TK_ERR_CONFIG_TYPE' ? 'the grid must be a mapping of config paths to value lists' : e.message;
  return cliError(code, msg, { file, line: e.line, column: e.column, path: e.path, cause: e });
}

/** The combination at `index` (mixed radix, the last axis varies fastest). */
export function combinationAt(grid: Grid, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let rest = index;
  for (let a = grid.axes.length - 1; a >= 0; a--) {
    const axis = grid.axes[a]!;
    out[axis.path] = axis.values[rest % axis.values.length];
    rest = Math.floor(rest / axis.values.length);
  }
  // Keep the grid file's key order.
  return Object.fromEntries(grid.axes.map((ax) => [ax.path, out[ax.path]]));
}
