/**
 * `@tradekit/test-support`: helpers for tradekit's own test suite (private, never published). Not a
 * user-facing test kit: that is `@tradekit/core/testkit`.
 */
export { ensureChromium, CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
