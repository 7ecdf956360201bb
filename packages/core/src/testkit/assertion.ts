/**
 * The test kit's failures: a `TradekitError` with a `TK_ERR_TESTKIT_*` code that test runners also
 * read as an assertion failure. mocha, `node --test` and vitest print `actual`/`expected` as a diff
 * when an error named `AssertionError` carries them (mocha also wants `showDiff`); nothing here
 * depends on a runner.
 */
import { TradekitError } from '../errors.js';

export type TestkitCode = 'TK_ERR_TESTKIT_LOOKAHEAD' | 'TK_ERR_TESTKIT_WARMUP' | 'TK_ERR_TESTKIT_GOLDEN' | 'TK_ERR_TESTKIT_WEAK';

export class TestkitAssertionError extends TradekitError {
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string;
  /** mocha: show `actual` vs `expected` as a diff. */
  readonly showDiff: boolean;
  readonly generatedMessage = false;

  constructor(
    code: TestkitCode,
    message: string,
    o: { actual?: unknown; expected?: unknown; operator?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, { details: o.details, cause: o.cause });
    this.name = 'AssertionError';
    this.actual = o.actual;
    this.expected = o.expected;
    this.operator = o.operator ?? 'deepStrictEqual';
    this.showDiff = o.actual !== undefined || o.expected !== undefined;
  }
}

/** Bad input to the test kit (not a failed check): a plain coded error. */
export function testkitInput(message: string, details?: Record<string, unknown>): TradekitError {
  return new TradekitError('TK_ERR_TESTKIT_INPUT', message, { details });
}

export function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : String(t);
}
