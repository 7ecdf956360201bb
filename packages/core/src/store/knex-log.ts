/**
 * knex prints its own warnings with `console.log`, i.e. on stdout, where `tradekit run --json` writes
 * one event per line and a report goes: every knex message goes to a logger, or to stderr.
 */
import { inspect } from 'node:util';
import type { Knex } from 'knex';

type Sink = (line: string) => void;

/** knex's `log` option: each message as one line to `sink` (default stderr), prefixed `knex: `. */
export function knexLog(sink: Sink = (line) => void process.stderr.write(`${line}\n`)): NonNullable<Knex.Config['log']> {
  const out = (m: unknown) => sink(`knex: ${typeof m === 'string' ? m : inspect(m, { depth: 3 })}`);
  return { warn: out, error: out, deprecate: out, debug: out };
}
