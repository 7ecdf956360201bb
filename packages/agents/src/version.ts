/** Version of @tradekit/agents (kept in step with package.json). */
export const AGENTS_VERSION = '0.1.0';
/** The @tradekit/core range every plugin in this package is written against. */
export const CORE_RANGE = '^0.1.0';
