import { Command, Option } from 'commander';
import { CORE_VERSION } from '@tradekit/core';
// Commands are imported when they run: `tradekit run` does not load the dashboard, the MT5 adapter or
// the sweep pool (start-up time is what a user feels first).
import { CLI_VERSION } from './version.js';
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
    .option('--serve', 'attach the orchestrator API and dashboard to this run (127.0.0.1, token auth)')
    .option('--port <port>', 'with --serve: port (default 8787, 0 = any free port)')
    .option('--host <host>', 'with --serve: address to bind (default 127.0.0.1)')
    .option('--metrics-port <port>', 'serve Prometheus metrics of this run at http://127.0.0.1:<port>/metrics (0 = any free port; docs/observability.md)')
    .option('--metrics-host <host>', 'with --metrics-port: address to bind (default 127.0.0.1; the endpoint has no token)')
    .action(async (config: string, flags) => {
      process.exitCode = await (await import('./commands/run.js')).runCommand(config, flags);
    });

  const init = program
    .command('init')
    .description('scaffold a project (tradekit.yaml, an agent in src/, a test, sample bars); `init plugin <name>` scaffolds a publishable plugin package')
    .argument('[dir]', 'folder to create or fill (default: the current folder); it must be empty unless --force')
    .option('--name <name>', "package and run name (default: the folder's name)")
    .option('--force', "write into a folder that is not empty (the scaffold's files are overwritten, others kept)")
    .option('--json', 'print the result as JSON')
    .action(async (dir: string | undefined, flags) => {
      process.exitCode = await (await import('./commands/init.js')).initCommand(dir, flags);
    });
  init
    .command('plugin')
    .description('scaffold a publishable agent plugin package: manifest, config schema, peerDependencies on @tradekit/core, test, README')
    .argument('<name>', 'npm package name, e.g. tradekit-plugin-momentum or @acme/tradekit-momentum')
    .argument('[dir]', 'folder (default: the name without its scope); it must be empty unless --force')
    .option('--force', "write into a folder that is not empty (the scaffold's files are overwritten, others kept)")
    .option('--json', 'print the result as JSON')
    .action(async (name: string, dir: string | undefined, flags) => {
      process.exitCode = await (await import('./commands/init.js')).initPluginCommand(name, dir, flags);
    });

  program
    .command('validate')
    .description('check a config and every plugin it names without running anything')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print the result as JSON')
    .action(async (config: string, flags) => {
      process.exitCode = await (await import('./commands/validate.js')).validateCommand(config, flags);
    });

  program
    .command('backtest')
    .description('backtest a config over its data: trades, equity curve, statistics and an HTML report in an output folder')
    .argument('<config>', 'YAML config file')
    .option('--from <date>', 'first day (UTC, YYYY-MM-DD or ISO time); default: after the warm-up bars')
    .option('--to <date>', 'last day (UTC, YYYY-MM-DD or ISO time); default: the end of the data')
    .option('--symbols <list>', "comma-separated symbols (replaces the config's)")
    .option('--timeframe <tf>', 'primary timeframe: one cycle per closed bar (default run.timeframe or the finest loaded)')
    .option('--set <path=value>', 'set a config value before validation, e.g. agents[0].with.fast=5 (repeatable)', collect)
    .option('-o, --out <dir>', 'output folder (default backtests/<name>-<time>)')
    .option('--no-html', 'skip report.html')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .addOption(new Option('--log-level <level>', 'log level (default warn)').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .option('--json', 'print the statistics and file paths as JSON on stdout')
    .addOption(
      new Option(
        '--llm <mode>',
        'LLM plugins (@tradekit/llm): call the model (live), call and store every answer (record), or answer only from the stored calls, with no network (replay)',
      ).choices(['live', 'record', 'replay']),
    )
    .action(async (config: string, flags) => {
      process.exitCode = await (await import('./commands/backtest.js')).backtestCommand(config, flags);
    });

  program
    .command('sweep')
    .description('run one backtest per parameter combination of a grid file, in parallel worker threads (or on worker processes with --queue), and rank them')
    .argument('<config>', 'YAML config file')
    .requiredOption('-g, --grid <file>', 'YAML grid: config paths to value lists, e.g. agents[0].with.fast: [5, 10, 20]')
    .option('-w, --workers <n>', 'worker threads (default: all cores)')
    .option('--samples <n>', 'run N random combinations instead of all of them')
    .option('--seed <seed>', 'seed for --samples (same seed, same samples in the same order)')
    .option('--rank-by <metric>', 'sharpe, sortino, return, cagr, drawdown, profit-factor, win-rate, expectancy, trades', 'sharpe')
    .option('--top <n>', 'rows of the ranked table to print (default 20)')
    .option('--from <date>', 'first day (UTC)')
    .option('--to <date>', 'last day (UTC)')
    .option('--symbols <list>', "comma-separated symbols (replaces the config's)")
    .option('--timeframe <tf>', 'primary timeframe')
    .option('--set <path=value>', 'set a config value for every combination (repeatable)', collect)
    .option('-o, --out <dir>', 'write results.csv and results.json here')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the ranked results as JSON on stdout')
    .option('--queue <url>', 'run the combinations as jobs on BullMQ (redis://host:port) for `tradekit worker` processes')
    .option('--sweep-id <id>', 'with --queue: resume this sweep (only combinations without a result are queued)')
    .action(async (config: string, flags) => {
      process.exitCode = await (await import('./commands/sweep.js')).sweepCommand(config, flags);
    });

  program
    .command('worker')
    .description(
      'take runs and sweep combinations off the queue (BullMQ on Redis) until SIGINT/SIGTERM; runs are handed to other workers, jobs in flight finished',
    )
    .option('--queue <url>', 'Redis URL: redis://[:password@]host:port (rediss:// for TLS; or TRADEKIT_QUEUE_URL)')
    .option('--state <url>', 'the state store runs share (postgres://…; or TRADEKIT_STATE_URL); without it this worker takes sweep jobs only')
    .option('-c, --config <file>', 'server config (server.yaml): runs.roots, plugins.allow and env.allow hold API-started runs here as on the server')
    .option('--concurrency <n>', 'work items at once (default: the cores)')
    .option('--jobs-concurrency <n>', 'sweep combinations at once (default --concurrency)')
    .option('--runs-concurrency <n>', 'live and paper runs held at once (default 20)')
    .option('--lock-seconds <n>', "job lock (default 30; checked every third of it): a lost worker's runs and jobs move within about 1.33 times this")
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .action(async (flags) => {
      process.exitCode = await (await import('./commands/worker.js')).workerCommand(flags);
    });

  program
    .command('serve')
    .description('host many runs behind an authenticated HTTP + socket.io API and the web dashboard')
    .option('-c, --config <file>', 'server config (server.yaml); defaults apply without one')
    .option('--host <host>', 'address to bind (overrides server.host; default 127.0.0.1)')
    .option('--port <port>', 'port (overrides server.port; default 8787)')
    .option('--data-dir <dir>', 'server state: tokens (hashed), audit log, run registry (overrides server.dataDir)')
    .option('--allow-remote', 'allow a --host that is not loopback (sets server.allowRemote; put TLS in front)')
    .option('--add-token <name>', 'create an API token, print it once, and exit (a running server accepts it at once)')
    .option('--scopes <list>', 'with --add-token: read or read,trade (default read)')
    .option('--revoke-token <name>', 'delete the stored tokens of that name and exit (a running server refuses them at once)')
    .option('--queue <url>', 'queue runs for `tradekit worker` processes on this Redis (redis://…; or TRADEKIT_QUEUE_URL) instead of running them here')
    .option('--state <url>', 'with --queue: the state store every run and replica shares (postgres://…; or TRADEKIT_STATE_URL)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .action(async (flags) => {
      process.exitCode = await (await import('./commands/serve.js')).serveCommand(flags);
    });

  program
    .command('train')
    .description("fit the institutional agent's probability model on CSV history (walk-forward) and save it as JSON")
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
      process.exitCode = await (await import('./commands/train.js')).trainCommand(flags);
    });

  program
    .command('mt5-sim')
    .description('serve a simulated MetaTrader 5 terminal over the bridge protocol (see examples/mt5-sim.yaml, docs/mt5.md)')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '18812')
    .option('--token-env <name>', 'environment variable holding the shared token', 'MT5_BRIDGE_TOKEN')
    .option('--data <dir>', 'MT5 CSV bars ({symbol}_{timeframe}.csv); random walks without it')
    .option('--symbols <list>', 'comma-separated canonical symbols', 'EURUSD,GBPUSD,XAUUSD')
    .option('--history-bars <n>', 'bars of history before the terminal clock starts', '300')
    .addOption(
      new Option('--clock <clock>', 'driven: replays move it (tradekit run, pace ≠ live); wall: real time').choices(['driven', 'wall']).default('driven'),
    )
    .option('--seed <seed>', 'random seed (spreads, slippage, walks)', '1')
    .option('--suffix <suffix>', 'broker suffix on every symbol (e.g. m → EURUSDm)', '')
    .addOption(new Option('--filling <profile>', 'filling bits of every symbol').choices(['IOC_ONLY', 'FOK_ONLY', 'FOK_IOC', 'RETURN_ONLY']))
    .option('--hidden <list>', 'symbols not in Market Watch at start')
    .option('--balance <usd>', 'account balance', '10000')
    .option('--leverage <n>', 'account leverage', '100')
    .option('--netting', 'netting account (default hedging)')
    .option('--rate-limit <n>', 'order_send per second before 10024 (0 = off)', '0')
    .option('--history-lag-ms <ms>', 'delay before closed deals appear in history', '0')
    .option('--slippage-points <n>', 'max adverse slippage on market fills', '0')
    .option('--commission-per-lot <usd>', 'commission per lot per side', '0')
    .option('--always-open', 'every symbol trades through weekends (wall-clock tests on any day)')
    .option('--tick-ms <ms>', 'random walks: mean ms between ticks', '10000')
    .option('--walk-history-hours <h>', 'random walks: hours of history before the terminal clock', '48')
    .action(async (flags) => {
      process.exitCode = await (await import('./commands/mt5-sim.js')).mt5SimCommand(flags);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
