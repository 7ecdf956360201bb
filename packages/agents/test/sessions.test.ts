/** The default trading sessions export: the risk plugin's default, under its new name and the deprecated one. */
import assert from 'node:assert/strict';
import { DEFAULT_TRADE_SESSIONS, RISK_SCHEMA, SEED_SESSIONS, sessionAt } from '@tradekit/agents';

describe('DEFAULT_TRADE_SESSIONS', () => {
  it("is the risk plugin's tradeSessions default, frozen", () => {
    const schema = RISK_SCHEMA as unknown as { properties: { tradeSessions: { default: unknown } } };
    assert.deepEqual(DEFAULT_TRADE_SESSIONS, schema.properties.tradeSessions.default);
    assert.ok(Object.isFrozen(DEFAULT_TRADE_SESSIONS));
  });

  it('keeps SEED_SESSIONS as a deprecated alias of the same object', () => {
    assert.equal(SEED_SESSIONS, DEFAULT_TRADE_SESSIONS);
  });

  it('places a time in its session (London 7-11 UTC, New York 13-17 UTC)', () => {
    assert.equal(sessionAt(Date.UTC(2026, 4, 20, 8, 30), DEFAULT_TRADE_SESSIONS)?.name, 'london');
    assert.equal(sessionAt(Date.UTC(2026, 4, 20, 12, 0), DEFAULT_TRADE_SESSIONS), undefined);
  });
});
