/** Parsing of command-line values shared by `backtest` and `sweep`; a bad value is TK_ERR_CLI_ARG. */
import { parse as parseYaml } from 'yaml';
import { cliError } from './errors.js';

/** A config path as `--set` and sweep grids take it: `agents[0].with.fast`. */
export const CONFIG_PATH = /^[A-Za-z_$][\w$-]*(\[\d+\]|\.[A-Za-z_$][\w$-]*)*$/;

/** `--set path=value` (repeatable): the value is read as YAML, so `5`, `true`, `[M5, H1]` keep their types. */
export function parseSets(list: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    if (!key || !CONFIG_PATH.test(key)) {
      throw cliError('TK_ERR_CLI_ARG', `--set expects path=value with a config path like agents[0].with.fast=5, got "${item}"`, { path: key || undefined });
    }
    let value: unknown;
    try {
      value = parseYaml(item.slice(eq + 1));
    } catch (e) {
      throw cliError('TK_ERR_CLI_ARG', `--set ${key}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`, { path: key, cause: e });
    }
    out[key] = value;
  }
  return out;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseSymbols(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) throw cliError('TK_ERR_CLI_ARG', `--symbols expects a comma-separated list like EURUSD,GBPUSD, got "${v}"`);
  return list;
}

export function parseCount(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw cliError('TK_ERR_CLI_ARG', `${flag} expects an integer ≥ ${min}, got "${v}"`);
  return Number(v);
}

const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/;

export function parseDate(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!DATE.test(v) || Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v))) {
    throw cliError('TK_ERR_CLI_ARG', `${flag} expects a UTC date like 2026-06-01 or 2026-06-01T12:00Z, got "${v}"`);
  }
  return v;
}
