import { Command, Option } from 'commander';
import { CORE_VERSION } from '@tradekit/core';
import { CLI_VERSION } from './version.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { serveCommand } from './commands/serve.js';

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
    .option('--serve', 'attach the orchestrator API and dashboard to this run (127.0.0.1, token auth)')
    .option('--port <port>', 'with --serve: port (default 8787, 0 = any free port)')
    .option('--host <host>', 'with --serve: address to bind (default 127.0.0.1)')
    .action(async (config: string, flags) => {
      process.exitCode = await runCommand(config, flags);
    });

  program
    .command('serve')
    .description('host many runs behind an authenticated HTTP + socket.io API and the web dashboard')
    .option('-c, --config <file>', 'server config (server.yaml); defaults apply without one')
    .option('--host <host>', 'address to bind (overrides server.host; default 127.0.0.1)')
    .option('--port <port>', 'port (overrides server.port; default 8787)')
    .option('--data-dir <dir>', 'server state: tokens (hashed), audit log, run registry (overrides server.dataDir)')
    .option('--add-token <name>', 'create an API token, print it once, and exit')
    .option('--scopes <list>', 'with --add-token: read or read,trade (default read)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .action(async (flags) => {
      process.exitCode = await serveCommand(flags);
    });

  program
    .command('validate')
    .description('check a config and every plugin it names without running anything')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print the result as JSON')
    .action(async (config: string, flags) => {
      process.exitCode = await validateCommand(config, flags);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
