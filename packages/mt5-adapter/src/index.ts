/**
 * @tradekit/mt5-adapter public API. The default export is the `@tradekit/mt5-adapter` plugin (terminal
 * as DataSource + Broker); `@tradekit/mt5-adapter/data` and `/broker` are the single-purpose plugins.
 * Anything not exported here may change without notice.
 */
export { default } from './plugins/terminal.js';
export { ADAPTER_VERSION } from './version.js';
export { Mt5ErrorCodes, mt5Error, transportError, outcomeOf, fencedError, type Mt5ErrorCode, type Outcome } from './errors.js';

export * from './mt5/constants.js';
export {
  RETCODE,
  SUCCESS_RETCODES,
  classifyRetcode,
  isSuccessRetcode,
  retcodeName,
  retcodeDescription,
  type RetcodeAction,
  type RetcodeClass,
  type RetcodeName,
} from './mt5/retcodes.js';
export type * from './mt5/types.js';
export { tableRows, TICKET_FIELDS } from './mt5/types.js';
export { ServerClock, DEFAULT_SERVER_TIME } from './mt5/server-clock.js';

export type { Mt5Gateway, CallResult, CallOptions, GatewayState, GatewayEvents, LostWrite } from './transport/gateway.js';
export { RpcGateway, type RpcGatewayOptions } from './transport/rpc-gateway.js';
export { SimGateway } from './transport/sim-gateway.js';
export { systemTimer, type WallTimer } from './transport/wall-clock.js';
export {
  PROTOCOL_VERSION,
  RPC_ERROR,
  WRITE_METHODS,
  FENCE_METHOD,
  type BridgeHello,
  type PingValue,
  type FenceValue,
  type WireFence,
  type SimStatus,
  type RpcRequest,
  type RpcResponse,
} from './wire/protocol.js';
export { FenceTable } from './wire/fence-table.js';
export { SimServer, type SimServerOptions } from './wire/sim-server.js';

export { Mt5Session, SESSION_DEFAULTS, type SessionOptions } from './adapter/session.js';
export { Mt5Broker, BROKER_DEFAULTS, type Mt5BrokerOptions } from './adapter/broker.js';
export { Mt5DataSource, type Mt5DataOptions } from './adapter/data.js';
export { AsyncRateLimiter, type RateLimit } from './adapter/rate-limiter.js';
export { FillingPolicy, allowedFillings, type FillingName } from './adapter/filling.js';
export { normalizePrice, normalizeVolume, stopsProblem, volumeProblem } from './adapter/normalize.js';
export { encodeComment, decodeComment, DEFAULT_COMMENT_LENGTH } from './adapter/comment.js';
export { noneProvesNotSent } from './adapter/ambiguity.js';

export {
  Simulator,
  ACCOUNT_DEFAULTS,
  EXECUTION_DEFAULTS,
  type SimulatorOptions,
  type SimSymbolOptions,
  type SimAccountOptions,
  type SimExecutionOptions,
  type SimFeedOptions,
  type SimEvent,
} from './sim/simulator.js';
export { SimTerminal, MT5_METHODS, type Mt5Method } from './sim/terminal-api.js';
export { catalogSpec, catalogNames, FX28, FILLING_PROFILES, type SymbolSpec, type FillingProfile } from './sim/catalog.js';
export { FaultPlan, IPC_TIMEOUT, type Fault, type FaultKind } from './sim/faults.js';
export { Rng } from './sim/rng.js';
export { barsFromCsv, loadCsvBars } from './sim/csv-bars.js';
export { buildSimulator, type BuildSimulatorOptions } from './sim/build.js';
export { Mt5SessionRegistry, Mt5SessionsToken } from './plugins/sessions.js';
