import { ConfigErrors, isTradekitError, type TradekitError } from '@tradekit/core';

/** Prints config errors (one per line, with location and code) or a runtime error with its cause chain. */
export function printError(err: unknown, json = false): void {
  const list: TradekitError[] = err instanceof ConfigErrors ? err.errors : isTradekitError(err) ? [err] : [];
  if (json) {
    process.stderr.write(`${JSON.stringify({ errors: list.length ? list.map((e) => e.toJSON()) : [{ message: String((err as Error)?.message ?? err) }] })}\n`);
    return;
  }
  if (!list.length) {
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return;
  }
  for (const e of list) {
    process.stderr.write(`${e.format()}\n`);
    let cause = e.cause;
    let depth = 0;
    while (cause instanceof Error && depth++ < 4) {
      process.stderr.write(`  caused by: ${cause.message}\n`);
      cause = cause.cause;
    }
  }
}
