import { Command, Option } from 'commander';
import { CORE_VERSION } from '@tradekit/core';
import { CLI_VERSION } from './version.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { trainCommand } from './commands/train.js';

export function buildProgram(): Command {
  const program = new Command('tradekit')
    .description('Run, validate and backtest tradekit trading configs')
    .version(`tradekit ${CLI_VERSION} (@tradekit/core ${CORE_VERSION})`, '-v, --version')
    .showHelpAfterError();

  program
    .command('run')
    .description('run a config: live, paper (replay at a pace) or backtest, after validating it')
    .argument('<config>', 'YAML config file')
    .option('-n, --cycles <n>', 'stop after N cycles')
    .option('--pace <pace>', 'replay speed: 600x, max or live (overrides run.pace)')
    .option('--db <url>', 'state store url (overrides state.url), e.g. sqlite://./x.db or memory:')
    .option('--from <date>', 'replay start (UTC, YYYY-MM-DD)')
    .option('--to <date>', 'replay end (UTC, YYYY-MM-DD)')
    .addOption(new Option('--mode <mode>', 'override run.mode').choices(['live', 'paper', 'backtest']))
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .option('-q, --quiet', 'no cycle report on stdout')
    .option('--json', 'print every event as a JSON line on stdout')
    .action(async (config: string, flags) => {
      process.exitCode = await runCommand(config, flags);
    });

  program
    .command('validate')
    .description('check a config and every plugin it names without running anything')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print the result as JSON')
    .action(async (config: string, flags) => {
      process.exitCode = await validateCommand(config, flags);
    });

  program
    .command('train')
    .description('fit the institutional agent\'s probability model on CSV history (walk-forward) and save it as JSON')
    .requiredOption('--data <dir>', 'directory of {symbol}_{timeframe}.csv files')
    .requiredOption('--symbols <list>', 'comma-separated symbols, e.g. EURUSD,GBPUSD')
    .requiredOption('-o, --out <file>', 'model JSON to write')
    .option('--timeframe <tf>', 'bars to train on (default M5)')
    .option('--horizon <bars>', 'bars a label may look ahead (default 24)')
    .option('--barrier-atr <n>', 'target and stop distance of the label, in ATRs (default 1)')
    .option('--folds <n>', 'walk-forward folds (default 4)')
    .option('--split <f>', 'fraction used for fitting; the rest is the hold-out (default 0.8)')
    .option('--l2 <n>', 'L2 penalty (default 1)')
    .option('--utc-offset <h>', 'broker server UTC offset of the CSV times (default 2)')
    .option('--dst <rule>', 'server DST rule: us, eu or none (default us)')
    .option('--from <date>', 'first bar (UTC, YYYY-MM-DD)')
    .option('--to <date>', 'last bar (UTC, YYYY-MM-DD)')
    .option('--json', 'print the result as JSON')
    .action(async (flags) => {
      process.exitCode = await trainCommand(flags);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride((err) => {
    // commander's own errors (unknown option, missing argument) are usage errors.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  await program.parseAsync(argv);
}
