/**
 * `@tradekit/dashboard/socketio`: the event stream as a sink plugin.
 * - Under `tradekit serve` (or `tradekit run --serve`) the host offers its stream through the run's
 *   container (StreamHostToken): the plugin hands the run's events to it and opens nothing.
 * - In a plain `tradekit run`, it starts its own orchestrator API server for this one run (REST +
 *   socket.io + dashboard, same auth: a token generated at first start and printed once to stderr),
 *   bound to 127.0.0.1 by default. Such a server cannot start or stop runs; pause/reduce/resume work.
 */
import { BrokerToken, DataSourceToken, definePlugin, RunConfigToken } from '@tradekit/core';
import { serverConfig, type Scope } from '../server/config.js';
import { startOrchestrator } from '../server/host.js';
import { StreamHostToken } from '../server/tokens.js';
import { LLM_CALLS_TOKEN, mergeLlmCalls, type LlmCallsSource } from '../server/orchestrator.js';
import { DASHBOARD_VERSION } from '../version.js';

export interface SocketIoSinkConfig {
  host: string;
  port: number;
  /** Listen beyond loopback (see docs/security.md). */
  allowRemote: boolean;
  allowedHosts: string[];
  dataDir: string;
  origins: string[];
  clientBuffer: number;
  tokens: { name: string; scopes: Scope[]; sha256: string }[];
}

export default definePlugin<SocketIoSinkConfig>({
  name: '@tradekit/dashboard/socketio',
  version: DASHBOARD_VERSION,
  description: 'Streams run events over socket.io (joins the orchestrator when hosted, else serves the API for this run)',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['sink'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8787 },
      allowRemote: { type: 'boolean', default: false },
      allowedHosts: { type: 'array', items: { type: 'string' }, default: [] },
      dataDir: { type: 'string', default: './.tradekit/server' },
      origins: { type: 'array', items: { type: 'string' }, default: [] },
      clientBuffer: { type: 'integer', minimum: 10, default: 2000 },
      tokens: {
        type: 'array',
        default: [],
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes', 'sha256'],
          properties: {
            name: { type: 'string' },
            scopes: { type: 'array', items: { enum: ['read', 'trade'] } },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      },
    },
  },
  async setup(ctx, config) {
    if (ctx.isRegistered(StreamHostToken)) {
      ctx.addSink(ctx.resolve(StreamHostToken).sink);
      ctx.log.debug({}, 'streaming through the hosting orchestrator');
      return;
    }
    const cfg = serverConfig(
      {
        server: {
          host: config.host,
          port: config.port,
          allowRemote: config.allowRemote,
          allowedHosts: config.allowedHosts,
          dataDir: ctx.resolvePath(config.dataDir, 'dataDir'),
          origins: config.origins,
        },
        auth: { tokens: config.tokens },
        runs: { roots: [ctx.configDir] },
        stream: { clientBuffer: config.clientBuffer },
      },
      ctx.configDir,
    );
    const host = await startOrchestrator({ config: cfg, log: ctx.log, canStart: false, autostart: false, metrics: false });
    const runConfig = ctx.resolve(RunConfigToken);
    const handle = host.orch.adopt({
      info: ctx.run,
      config: runConfig,
      clock: ctx.clock,
      store: ctx.state,
      data: ctx.resolve(DataSourceToken),
      broker: ctx.resolve(BrokerToken),
      tradingState: ctx.tradingState,
      // Looked up per request: LLM plugins may be set up after this one.
      llmCalls: (q) => mergeLlmCalls(ctx.isRegistered(LLM_CALLS_TOKEN) ? ctx.resolveAll<LlmCallsSource>(LLM_CALLS_TOKEN) : [], q),
    });
    ctx.addSink(handle.sink);
    if (host.generated) process.stderr.write(firstTokenNotice(host.generated.token, cfg.server.dataDir));
    process.stderr.write(`tradekit: dashboard for run ${ctx.run.id} at ${host.url}/\n`);
    return () => host.close();
  },
});

/** The one time a generated token is shown (stderr, never the logger). */
export function firstTokenNotice(token: string, dataDir: string): string {
  return `\ntradekit: generated an API token (scopes read, trade). It is shown once and stored only as a hash in ${dataDir}:\n\n    ${token}\n\n`;
}
