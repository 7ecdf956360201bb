// Spec output for humans, plus a machine-readable tally for scripts/test.mjs (which prints the
// suite's total as the last line: "N passed, N failed").
const fs = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL } = Mocha.Runner.constants;

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const tally = { passed: 0, failed: 0, done: false };
    const out = process.env.TK_TEST_TALLY;
    const save = () => out && fs.writeFileSync(out, JSON.stringify(tally));
    runner.on(EVENT_TEST_PASS, () => {
      tally.passed++;
      save();
    });
    // Hook failures count as failures too (a failing before() fails its whole suite).
    runner.on(EVENT_TEST_FAIL, () => {
      tally.failed++;
      save();
    });
    runner.once(EVENT_RUN_END, () => {
      tally.done = true;
      save();
    });
    save();
  }
}
module.exports = TallyReporter;
