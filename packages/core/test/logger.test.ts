import assert from 'node:assert/strict';
import { createLogger, createRedactor } from '../src/index.js';

describe('logger', () => {
  it('works without a redactor and redacts with one', () => {
    const lines: string[] = [];
    const destination = { write: (s: string) => void lines.push(s) };
    createLogger({ format: 'json', destination }).info({ n: 1 }, 'plain');
    createLogger({ format: 'json', destination, redact: createRedactor(['p4ssw0rd-x']) }).warn('login with p4ssw0rd-x failed');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0]!).msg, 'plain');
    assert.equal(JSON.parse(lines[1]!).msg, 'login with [REDACTED] failed');
  });
});
