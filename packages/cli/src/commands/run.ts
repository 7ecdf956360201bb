import { ConsoleReporter, Run, type RunOverrides, type Sink, type TradekitEvent } from '@tradekit/core';
import type { MetricsServer, TradekitMetrics } from '@tradekit/core/metrics';
import { cliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';
import { searchPaths } from '../search-paths.js';
import { serveRunCommand } from './serve.js';

export interface RunFlags {
  cycles?: string;
  pace?: string;
  db?: string;
  from?: string;
  to?: string;
  mode?: RunOverrides['mode'];
  quiet?: boolean;
  json?: boolean;
  logLevel?: RunOverrides['logLevel'];
  serve?: boolean;
  port?: string;
  host?: string;
  metricsPort?: string;
  metricsHost?: string;
}

/** `tradekit run`: validates, composes, recovers, then cycles until --cycles, end of data or Ctrl-C. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const overrides: RunOverrides = {
    cycles: flags.cycles !== undefined ? Number(flags.cycles) : undefined,
    pace: flags.pace,
    stateUrl: flags.db,
    from: flags.from,
    to: flags.to,
    mode: flags.mode,
    logLevel: flags.logLevel,
  };
  if (flags.metricsPort === undefined && flags.metricsHost !== undefined) {
    printError(cliError('TK_ERR_CLI_ARG', '--metrics-host needs --metrics-port'));
    return EXIT.CONFIG;
  }
  let metricsPort: number | undefined;
  if (flags.metricsPort !== undefined) {
    if (flags.serve) {
      printError(
        cliError(
          'TK_ERR_CLI_ARG',
          "--metrics-port is for a run without --serve: with --serve, scrape the server's /metrics with an API token (docs/observability.md)",
        ),
      );
      return EXIT.CONFIG;
    }
    if (!/^\d{1,5}$/.test(flags.metricsPort.trim()) || Number(flags.metricsPort) > 65535) {
      printError(cliError('TK_ERR_CLI_ARG', `--metrics-port takes a number from 0 to 65535 (0 = any free port), got "${flags.metricsPort}"`));
      return EXIT.CONFIG;
    }
    metricsPort = Number(flags.metricsPort);
  }
  if (flags.serve) {
    return serveRunCommand(file, { host: flags.host, port: flags.port, quiet: flags.quiet || flags.json, overrides });
  }
  const sinks: Sink[] = [];
  if (flags.json) sinks.push({ name: 'json-lines', publish: (e: TradekitEvent) => void process.stdout.write(`${JSON.stringify(e)}\n`) });
  else if (!flags.quiet) sinks.push(new ConsoleReporter({ color: process.stdout.isTTY }));
  let run: Run;
  try {
    run = await Run.load({
      configFile: file,
      searchPaths: searchPaths(),
      sinks,
      overrides,
    });
  } catch (e) {
    printError(e);
    return EXIT.CONFIG;
  }
  const say = (line: string) => void (flags.json ? process.stderr : process.stdout).write(line);
  // The metrics endpoint listens before the run starts (a busy port stops here, before anything trades)
  // and observes the run once it is composed. prom-client is loaded only with --metrics-port.
  let metrics: { registry: TradekitMetrics; server: MetricsServer } | undefined;
  if (metricsPort !== undefined) {
    try {
      const m = await import('@tradekit/core/metrics');
      const registry = new m.TradekitMetrics();
      metrics = { registry, server: await m.serveMetrics(registry, { port: metricsPort, host: flags.metricsHost }) };
    } catch (e) {
      printError(e);
      return EXIT.CONFIG;
    }
    if (!isLoopbackHost(metrics.server.host))
      process.stderr.write(`tradekit: metrics listen on ${metrics.server.host} without a token: keep that port behind a firewall\n`);
    // Always printed (also with --quiet): a scraper or a test needs the port that --metrics-port 0 got.
    process.stderr.write(`tradekit: metrics at ${metrics.server.url}\n`);
  }
  let interrupts = 0;
  const onSignal = (sig: string) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.exit(EXIT.INTERRUPTED);
    }
    process.stderr.write(`\n${sig}: finishing the current cycle, then stopping (press again to force)\n`);
    run.stop(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await run.start();
    metrics?.registry.observe(run);
    const w = run.replayWindow;
    if (!flags.quiet) {
      say(
        `tradekit: run ${run.id} (${run.config.run.mode}${w ? `, replay ${new Date(w.start).toISOString().slice(0, 16)} → ${new Date(w.end).toISOString().slice(0, 16)} UTC at ${run.config.run.pace}` : ''}), ${run.config.symbols.length} symbols, state ${run.store.url}\n`,
      );
    }
    const summary = await run.loop();
    if (!flags.quiet) {
      const a = summary.account;
      say(
        `tradekit: stopped (${summary.reason}) after ${summary.cycles} cycles${a ? `; balance ${a.balance.toFixed(2)} equity ${a.equity.toFixed(2)} ${a.currency}` : ''}\n`,
      );
    }
    await run.close();
    return EXIT.OK;
  } catch (e) {
    printError(e);
    await run.close().catch(() => undefined);
    return (e as { code?: string }).code === 'TK_ERR_RUN_LOCKED' ? EXIT.LOCKED : EXIT.FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await metrics?.server.close();
  }
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}
