#!/usr/bin/env node
// Committed entry point: dist/ does not exist on a fresh clone until `tsc -b` has run.
import('../dist/src/main.js').then(
  (m) => m.main(process.argv),
  (err) => {
    console.error(`tradekit is not built (${err.message}). Run: npm run setup`);
    process.exit(1);
  },
);
