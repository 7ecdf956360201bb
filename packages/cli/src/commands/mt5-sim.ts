/**
 * `tradekit mt5-sim`: serves the MT5 simulator over the bridge protocol, so `tradekit run` can trade a
 * simulated MetaTrader 5 terminal through the real adapter and wire (examples/mt5-sim.yaml). The
 * token comes from the environment (never the command line, which other users can read).
 */
import { LiveClock, TradekitError } from '@tradekit/core';
import { buildSimulator, SimServer, SimTerminal, type FillingProfile } from '@tradekit/mt5-adapter';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';

export interface Mt5SimFlags {
  host: string;
  port: string;
  tokenEnv: string;
  data?: string;
  symbols: string;
  historyBars: string;
  clock: 'driven' | 'wall';
  seed: string;
  suffix: string;
  filling?: FillingProfile;
  hidden?: string;
  balance: string;
  leverage: string;
  netting?: boolean;
  rateLimit: string;
  historyLagMs: string;
  slippagePoints: string;
  commissionPerLot: string;
  alwaysOpen?: boolean;
  tickMs: string;
  walkHistoryHours: string;
}

export async function mt5SimCommand(flags: Mt5SimFlags): Promise<number> {
  const token = process.env[flags.tokenEnv] ?? '';
  if (token.length < 8) {
    printError(
      new TradekitError(
        'TK_ERR_MT5_CONFIG',
        `set ${flags.tokenEnv} to a shared secret of at least 8 characters (e.g. export ${flags.tokenEnv}=$(openssl rand -hex 16)); the adapter's bridge.token must match`,
      ),
    );
    return EXIT.CONFIG;
  }
  let server: SimServer;
  const wall = new LiveClock();
  try {
    const sim = await buildSimulator({
      dataDir: flags.data,
      symbols: flags.symbols
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      historyBars: Number(flags.historyBars),
      start: flags.data ? undefined : wall.now(),
      // Wall clock over old bars: move the bars by whole weeks so the terminal's "now" is real now.
      alignStartTo: flags.clock === 'wall' ? wall.now() : undefined,
      seed: flags.seed,
      suffix: flags.suffix,
      filling: flags.filling,
      hidden: flags.hidden?.split(','),
      account: { balance: Number(flags.balance), leverage: Number(flags.leverage), marginMode: flags.netting ? 'netting' : 'hedging' },
      execution: { slippagePoints: Number(flags.slippagePoints), commissionPerLot: Number(flags.commissionPerLot) },
      historyLagMs: Number(flags.historyLagMs),
      rateLimitPerSecond: Number(flags.rateLimit),
      alwaysOpen: flags.alwaysOpen,
      meanTickMs: Number(flags.tickMs),
      historyMs: Number(flags.walkHistoryHours) * 3_600_000,
    });
    server = new SimServer({ terminal: new SimTerminal(sim), token, host: flags.host, port: Number(flags.port), control: true, clock: flags.clock });
    const { host, port } = await server.listen();
    process.stdout.write(`LISTENING ${host} ${port}\n`);
    process.stderr.write(
      `mt5-sim: simulated MT5 terminal on ${host}:${port} (${flags.clock} clock at ${new Date(sim.now()).toISOString()}, ${[...sim.symbols.keys()].join(', ')}${flags.data ? ` from ${flags.data}` : ', random walks'}); Ctrl-C to stop\n`,
    );
  } catch (e) {
    printError(e);
    return EXIT.FAILURE;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return EXIT.OK;
}
