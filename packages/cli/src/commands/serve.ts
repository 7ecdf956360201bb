import path from 'node:path';
import { ConsoleReporter, LiveClock, createLogger, type RunOverrides, type Sink } from '@tradekit/core';
import { ServerDb, SCOPES, TokenAuthority, firstTokenNotice, loadServerConfig, serverConfig, startOrchestrator, type OrchestratorHost, type Scope, type ServerConfig } from '@tradekit/dashboard';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  addToken?: string;
  scopes?: string;
  logLevel?: RunOverrides['logLevel'];
}

/** `tradekit serve`: the orchestrator (many runs, API, dashboard) until Ctrl-C. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  let config: ServerConfig;
  try {
    config = loadServerConfig(flags.config);
    if (flags.host) config.server.host = flags.host;
    if (flags.port !== undefined) config.server.port = Number(flags.port);
    if (flags.dataDir) config.server.dataDir = path.resolve(flags.dataDir);
  } catch (e) {
    printError(e);
    return EXIT.CONFIG;
  }
  if (flags.addToken) return addToken(config, flags.addToken, flags.scopes);
  const log = createLogger({ level: flags.logLevel ?? 'info', format: process.stdout.isTTY ? 'pretty' : 'json', redact: redactTokens });
  let host: OrchestratorHost;
  try {
    host = await startOrchestrator({ config, log, searchPaths: searchPaths() });
  } catch (e) {
    printError(e);
    return EXIT.FAILURE;
  }
  announce(host, config);
  return waitForSignal(host);
}

/** `tradekit run <config> --serve`: one run with the orchestrator's API and dashboard attached. */
export async function serveRunCommand(file: string, flags: { host?: string; port?: string; quiet?: boolean; overrides: RunOverrides }): Promise<number> {
  let host: OrchestratorHost;
  const config = serverConfig({ server: { host: flags.host ?? '127.0.0.1', port: flags.port !== undefined ? Number(flags.port) : 8787 }, runs: { roots: [path.dirname(path.resolve(file)), process.cwd()] } });
  try {
    const sinks = (): Sink[] => (flags.quiet ? [] : [new ConsoleReporter({ color: process.stdout.isTTY })]);
    host = await startOrchestrator({ config, searchPaths: searchPaths(), sinks, log: createLogger({ level: 'warn', format: 'pretty', redact: redactTokens }) });
  } catch (e) {
    printError(e);
    return EXIT.FAILURE;
  }
  announce(host, config);
  let id: string;
  try {
    // The path as the user typed it is relative to their working directory, not to a server root.
    id = (await host.orch.start({ config: path.resolve(file), overrides: flags.overrides })).id;
  } catch (e) {
    printError(e);
    await host.close();
    return EXIT.CONFIG;
  }
  process.stdout.write(`tradekit: run ${id} started; dashboard ${host.url}/#/runs/${encodeURIComponent(id)}\n`);
  void host.orch.settled(id).then(() => {
    const h = host.orch.has(id) ? host.orch.get(id) : undefined;
    process.stdout.write(`tradekit: run ${id} ${h?.status ?? 'ended'}${h?.account ? `; equity ${h.account.equity.toFixed(2)} ${h.account.currency}` : ''}. Still serving its journal and chart at ${host.url}/ (Ctrl-C to exit)\n`);
  });
  return waitForSignal(host);
}

/** Defence in depth: nothing that looks like an API token reaches the server log. */
function redactTokens(s: string): string {
  return s.replace(/tk_[A-Za-z0-9_-]{40,}/g, 'tk_***');
}

function announce(host: OrchestratorHost, config: ServerConfig): void {
  if (host.generated) process.stderr.write(firstTokenNotice(host.generated.token, config.server.dataDir));
  const loopback = /^(127\.|::1$|localhost$)/.test(config.server.host);
  if (!loopback) process.stderr.write(`tradekit: WARNING: listening on ${config.server.host}, not loopback: put TLS in front of it (tokens travel in headers)\n`);
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
  const db = await ServerDb.open(config.server.dataDir);
  try {
    const { authority } = await TokenAuthority.open({ db, tokens: [], generate: false, clock: new LiveClock() });
    const t = await authority.issue(name, scopes, 'cli', new LiveClock().now());
    process.stdout.write(`${t.token}\n`);
    process.stderr.write(`tradekit: token "${name}" (${scopes.join(', ')}) created; it is shown once and stored only as a hash\n`);
    return EXIT.OK;
  } finally {
    await db.close();
  }
}
