/**
 * The Redis and PostgreSQL the test command started (scripts/services.mjs). A test that needs one and
 * finds none fails, with the reason: nothing is skipped silently.
 */
export function serviceUrl(name: 'redis' | 'postgres'): string {
  const url = name === 'redis' ? process.env.TK_TEST_REDIS_URL : process.env.TK_TEST_PG_URL;
  if (url) return url;
  const why = process.env.TK_TEST_SERVICES_ERROR;
  throw new Error(
    `this test needs ${name}: run it through \`npm test\` (scripts/test.mjs starts Redis and PostgreSQL)${why ? `; starting them failed: ${why}` : ''}`,
  );
}
