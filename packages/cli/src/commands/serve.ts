import path from 'node:path';
import { ConsoleReporter, LiveClock, createLogger, redactUrl, type RunOverrides, type Sink } from '@tradekit/core';
import {
  ServerDb,
  SCOPES,
  TokenAuthority,
  firstTokenNotice,
  isLoopback,
  loadServerConfig,
  serverConfig,
  startOrchestrator,
  type OrchestratorHost,
  type Scope,
  type ServerConfig,
} from '@tradekit/dashboard';
import type { ClusterRunner } from '@tradekit/cluster';
import { cliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  addToken?: string;
  revokeToken?: string;
  scopes?: string;
  allowRemote?: boolean;
  queue?: string;
  state?: string;
  logLevel?: RunOverrides['logLevel'];
}

/** `tradekit serve`: the orchestrator (many runs, API, dashboard) until Ctrl-C. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  let config: ServerConfig;
  try {
    config = loadServerConfig(flags.config);
    if (flags.host) config.server.host = flags.host;
    if (flags.port !== undefined) config.server.port = portOf(flags.port);
    if (flags.dataDir) config.server.dataDir = path.resolve(flags.dataDir);
    if (flags.allowRemote) config.server.allowRemote = true;
  } catch (e) {
    printError(e);
    return EXIT.CONFIG;
  }
  if (flags.addToken) return addToken(config, flags.addToken, flags.scopes);
  if (flags.revokeToken) return revokeToken(config, flags.revokeToken);
  const log = createLogger({ level: flags.logLevel ?? 'info', format: process.stdout.isTTY ? 'pretty' : 'json', redact: redactTokens });
  let cluster: ReturnType<typeof clusterUrls>;
  try {
    cluster = clusterUrls(flags);
  } catch (e) {
    printError(e);
    return EXIT.CONFIG;
  }
  let host: OrchestratorHost;
  let remote: ClusterRunner | undefined;
  try {
    if (cluster) {
      const { ClusterRunner } = await import('@tradekit/cluster');
      remote = await ClusterRunner.open({ url: cluster.queue, stateUrl: cluster.state, log, prefix: cluster.prefix });
    }
    host = await startOrchestrator({ config, log, searchPaths: searchPaths(), remote });
  } catch (e) {
    printError(e);
    await remote?.close().catch(() => undefined);
    return (e as { code?: string }).code === 'TK_ERR_API_BIND' ? EXIT.CONFIG : EXIT.FAILURE;
  }
  announce(host, config);
  if (cluster) process.stderr.write(`tradekit: runs are queued on ${redactUrl(cluster.queue)} for \`tradekit worker\`; state in ${redactUrl(cluster.state)}\n`);
  const code = await waitForSignal(host);
  await remote?.close().catch(() => undefined);
  return code;
}

/** `--queue`/`--state` (or TRADEKIT_QUEUE_URL / TRADEKIT_STATE_URL, which keep passwords off the command line). */
export function clusterUrls(flags: { queue?: string; state?: string }): { queue: string; state: string; prefix?: string } | undefined {
  const queue = flags.queue ?? process.env.TRADEKIT_QUEUE_URL;
  const state = flags.state ?? process.env.TRADEKIT_STATE_URL;
  if (!queue) {
    if (state) throw cliError('TK_ERR_CLI_ARG', '--state needs --queue (runs share a state store when they run on workers)');
    return undefined;
  }
  if (!/^rediss?:\/\//.test(queue)) throw cliError('TK_ERR_CLI_ARG', `--queue must be a redis:// URL, not "${redactUrl(queue)}"`);
  if (!state)
    throw cliError(
      'TK_ERR_CLI_ARG',
      "--queue needs --state postgres://… (or TRADEKIT_STATE_URL): every worker and replica reads and writes the runs' journals there",
    );
  if (!/^(postgres(ql)?|sqlite):/.test(state))
    throw cliError('TK_ERR_CLI_ARG', `--state must be postgres://… (sqlite:// only when every worker is on this machine), not "${redactUrl(state)}"`);
  // TRADEKIT_QUEUE_PREFIX: several clusters (or test suites) on one Redis.
  return { queue, state, prefix: process.env.TRADEKIT_QUEUE_PREFIX || undefined };
}

/** `tradekit run <config> --serve`: one run with the orchestrator's API and dashboard attached. */
export async function serveRunCommand(file: string, flags: { host?: string; port?: string; quiet?: boolean; overrides: RunOverrides }): Promise<number> {
  let host: OrchestratorHost;
  let config: ServerConfig;
  try {
    config = serverConfig({
      server: { host: flags.host ?? '127.0.0.1', port: flags.port !== undefined ? portOf(flags.port) : 8787 },
      runs: { roots: [path.dirname(path.resolve(file)), process.cwd()] },
    });
  } catch (e) {
    printError(e);
    return EXIT.CONFIG;
  }
  try {
    const sinks = (): Sink[] => (flags.quiet ? [] : [new ConsoleReporter({ color: process.stdout.isTTY })]);
    host = await startOrchestrator({ config, searchPaths: searchPaths(), sinks, log: createLogger({ level: 'warn', format: 'pretty', redact: redactTokens }) });
  } catch (e) {
    printError(e);
    return (e as { code?: string }).code === 'TK_ERR_API_BIND' ? EXIT.CONFIG : EXIT.FAILURE;
  }
  announce(host, config);
  let id: string;
  try {
    // The path as the user typed it is relative to their working directory, not to a server root; the
    // config is the user's own, trusted like `tradekit run` (environment, plugins, paths).
    id = (await host.orch.start({ config: path.resolve(file), overrides: flags.overrides }, { local: true })).id;
  } catch (e) {
    printError(e);
    await host.close();
    return EXIT.CONFIG;
  }
  process.stdout.write(`tradekit: run ${id} started; dashboard ${host.url}/#/runs/${encodeURIComponent(id)}\n`);
  void host.orch.settled(id).then(() => {
    const h = host.orch.has(id) ? host.orch.get(id) : undefined;
    process.stdout.write(
      `tradekit: run ${id} ${h?.status ?? 'ended'}${h?.account ? `; equity ${h.account.equity.toFixed(2)} ${h.account.currency}` : ''}. Still serving its journal and chart at ${host.url}/ (Ctrl-C to exit)\n`,
    );
  });
  return waitForSignal(host);
}

/** Defence in depth: nothing that looks like an API token reaches the server log. */
function redactTokens(s: string): string {
  return s.replace(/tk_[A-Za-z0-9_-]{40,}/g, 'tk_***');
}

/** `--port`: an integer 0…65535 (0 = any free port), else TK_ERR_CLI_ARG before anything starts. */
function portOf(flag: string): number {
  if (!/^\d{1,5}$/.test(flag.trim()) || Number(flag) > 65535)
    throw cliError('TK_ERR_CLI_ARG', `--port takes a number from 0 to 65535 (0 = any free port), got "${flag}"`);
  return Number(flag);
}

function announce(host: OrchestratorHost, config: ServerConfig): void {
  // Printed only after the server listens (the token is generated then), so it is never lost to a failed start.
  if (host.generated) process.stderr.write(firstTokenNotice(host.generated.token, config.server.dataDir));
  if (!isLoopback(config.server.host))
    process.stderr.write(
      `tradekit: listening on ${config.server.host} (server.allowRemote): put TLS in front of it, tokens travel in headers (docs/security.md)\n`,
    );
  process.stdout.write(`tradekit: orchestrator at ${host.url}/ (API ${host.url}/api, ${host.authority.size} token${host.authority.size === 1 ? '' : 's'})\n`);
}

function waitForSignal(host: OrchestratorHost): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        process.stderr.write(`\n${sig} again: exiting now\n`);
        process.exit(EXIT.INTERRUPTED);
      }
      stopping = true;
      process.stderr.write(`\n${sig}: stopping runs after their current cycle, then closing (press again to force)\n`);
      void host.close().then(
        () => resolve(EXIT.OK),
        (e: unknown) => {
          printError(e);
          resolve(EXIT.FAILURE);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

async function addToken(config: ServerConfig, name: string, scopesFlag: string | undefined): Promise<number> {
  const scopes = (scopesFlag ?? 'read').split(',').map((s) => s.trim()) as Scope[];
  const bad = scopes.filter((s) => !SCOPES.includes(s));
  if (bad.length || !/^[A-Za-z0-9._-]+$/.test(name)) {
    process.stderr.write(`error: --scopes takes ${SCOPES.join(',')} (got ${scopesFlag}); the name takes letters, digits, . _ -\n`);
    return EXIT.CONFIG;
  }
  // The server's own database: server.db (PostgreSQL, shared by replicas) or <dataDir>/server.db.
  const db = await ServerDb.open(config.server);
  try {
    const authority = await TokenAuthority.open({ db, tokens: [] });
    const t = await authority.issue(name, scopes, 'cli', new LiveClock().now());
    process.stdout.write(`${t.token}\n`);
    process.stderr.write(
      `tradekit: token "${name}" (${scopes.join(', ')}) created; it is shown once and stored only as a hash. A running server accepts it now.\n`,
    );
    return EXIT.OK;
  } finally {
    await db.close();
  }
}

/** `--revoke-token NAME`: deletes the stored tokens of that name; a running server refuses them at once and disconnects their sockets. */
async function revokeToken(config: ServerConfig, name: string): Promise<number> {
  // The server's own database: server.db (PostgreSQL, shared by replicas) or <dataDir>/server.db.
  const db = await ServerDb.open(config.server);
  try {
    const n = await db.revokeTokens(name);
    if (n === 0) {
      const inConfig = config.auth.tokens.some((t) => t.name === name);
      printError(
        cliError(
          'TK_ERR_CLI_ARG',
          inConfig
            ? `token "${name}" comes from the server config: remove it there and restart the server`
            : `no stored token is called "${name}" (in ${config.server.db ? redactUrl(config.server.db) : config.server.dataDir})`,
        ),
      );
      return EXIT.CONFIG;
    }
    process.stderr.write(
      `tradekit: revoked ${n} token${n === 1 ? '' : 's'} called "${name}"; a running server refuses ${n === 1 ? 'it' : 'them'} from its next request\n`,
    );
    return EXIT.OK;
  } finally {
    await db.close();
  }
}
