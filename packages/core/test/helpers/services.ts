/**
 * The PostgreSQL the test command started (scripts/services.mjs starts it and passes TK_TEST_PG_URL).
 * A test that needs it and finds none fails with the reason: nothing is skipped.
 */
export function pgTestUrl(): string {
  const url = process.env.TK_TEST_PG_URL;
  if (url) return url;
  const why = process.env.TK_TEST_SERVICES_ERROR;
  throw new Error(
    `this test needs PostgreSQL: run it through scripts/test.mjs (it starts PostgreSQL and sets TK_TEST_PG_URL)${why ? `; starting it failed: ${why}` : '; TK_TEST_PG_URL is not set'}`,
  );
}
