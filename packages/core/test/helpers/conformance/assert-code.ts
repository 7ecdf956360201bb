import assert from 'node:assert/strict';
import { TradekitError } from '../../../src/index.js';

/** Awaits `p` and returns its TradekitError, which must carry `code`. */
export async function rejectsWith(p: unknown, code: string): Promise<TradekitError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TradekitError, `expected a TradekitError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}
