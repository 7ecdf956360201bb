import { ConsoleReporter, Run, type RunOverrides, type Sink, type TradekitEvent } from '@tradekit/core';
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
}

/** `tradekit run`: validates, composes, recovers, then cycles until --cycles, end of data or Ctrl-C. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const overrides: RunOverrides = { cycles: flags.cycles !== undefined ? Number(flags.cycles) : undefined, pace: flags.pace, stateUrl: flags.db, from: flags.from, to: flags.to, mode: flags.mode, logLevel: flags.logLevel };
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
    const w = run.replayWindow;
    const say = (line: string) => void (flags.json ? process.stderr : process.stdout).write(line);
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
  }
}
