import { Command, Option } from 'commander';
import { CORE_VERSION } from '@tradekit/core';
import { CLI_VERSION } from './version.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { backtestCommand } from './commands/backtest.js';
import { sweepCommand } from './commands/sweep.js';
import { collect } from './options.js';

export function buildProgram(): Command {
  const program = new Command('tradekit')
    .description('Run, validate and backtest tradekit trading configs')
    .version(`tradekit ${CLI_VERSION} (@tradekit/core ${CORE_VERSION})`, '-v, --version')
    .showHelpAfterError()
    // Usage errors (unknown option, missing argument) exit 2; --help and --version exit 0.
    // Set before the subcommands are added so they inherit it.
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });

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
    .command('backtest')
    .description('backtest a config over its data: trades, equity curve, statistics and an HTML report in an output folder')
    .argument('<config>', 'YAML config file')
    .option('--from <date>', 'first day (UTC, YYYY-MM-DD or ISO time); default: after the warm-up bars')
    .option('--to <date>', 'last day (UTC, YYYY-MM-DD or ISO time); default: the end of the data')
    .option('--symbols <list>', 'comma-separated symbols (replaces the config\'s)')
    .option('--timeframe <tf>', 'primary timeframe: one cycle per closed bar (default run.timeframe or the finest loaded)')
    .option('--set <path=value>', 'set a config value before validation, e.g. agents[0].with.fast=5 (repeatable)', collect)
    .option('-o, --out <dir>', 'output folder (default backtests/<name>-<time>)')
    .option('--no-html', 'skip report.html')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .addOption(new Option('--log-level <level>', 'log level (default warn)').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .option('--json', 'print the statistics and file paths as JSON on stdout')
    .action(async (config: string, flags) => {
      process.exitCode = await backtestCommand(config, flags);
    });

  program
    .command('sweep')
    .description('run one backtest per parameter combination of a grid file, in parallel worker threads, and rank them')
    .argument('<config>', 'YAML config file')
    .requiredOption('-g, --grid <file>', 'YAML grid: config paths to value lists, e.g. agents[0].with.fast: [5, 10, 20]')
    .option('-w, --workers <n>', 'worker threads (default: all cores)')
    .option('--samples <n>', 'run N random combinations instead of all of them')
    .option('--seed <seed>', 'seed for --samples (same seed, same samples in the same order)')
    .option('--rank-by <metric>', 'sharpe, sortino, return, cagr, drawdown, profit-factor, win-rate, expectancy, trades', 'sharpe')
    .option('--top <n>', 'rows of the ranked table to print (default 20)')
    .option('--from <date>', 'first day (UTC)')
    .option('--to <date>', 'last day (UTC)')
    .option('--symbols <list>', 'comma-separated symbols (replaces the config\'s)')
    .option('--timeframe <tf>', 'primary timeframe')
    .option('--set <path=value>', 'set a config value for every combination (repeatable)', collect)
    .option('-o, --out <dir>', 'write results.csv and results.json here')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the ranked results as JSON on stdout')
    .action(async (config: string, flags) => {
      process.exitCode = await sweepCommand(config, flags);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
