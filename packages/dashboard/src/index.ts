/** @tradekit/dashboard public API: the orchestrator (many runs, HTTP + socket.io API, web UI) and its parts. */
export { startOrchestrator, type HostOptions, type OrchestratorHost } from './server/host.js';
export { Orchestrator, type OrchestratorOptions, type StartRequest, type StartTrust, type ControlAction } from './server/orchestrator.js';
export { hostedRunPolicy, type HostedRunPolicy } from './server/run-policy.js';
export { isLoopback, hostAllowed, allowedHostnames } from './server/host-check.js';
export { ApiServer, DEFAULT_UI_DIR, type ApiServerOptions } from './server/api-server.js';
export { loadServerConfig, serverConfig, SCOPES, type ServerConfig, type Scope, type TokenEntry } from './server/config.js';
export { TokenAuthority, sha256Hex, newToken, type Principal, type IssuedToken } from './server/auth.js';
export { ServerDb, type AuditEntry, type RunRegistryRow } from './server/server-db.js';
export { RunHandle, type RunParts, type RunStatus, type RunSummaryView, type AccountView } from './server/run-handle.js';
export { EventHub, type HubOptions, type HubCounters } from './server/event-hub.js';
export { BoundedQueue } from './server/bounded-queue.js';
export { journalStats, factorsOf, factorPresent, type JournalStats, type FactorEdge } from './server/stats.js';
export { classifyStatus, type ScanKind } from './shared/scan-status.js';
export { StreamHostToken, type StreamHost } from './server/tokens.js';
export { DashboardErrorCodes, statusOf, type DashboardErrorCode } from './errors.js';
export { firstTokenNotice } from './plugins/socketio.js';
export { DASHBOARD_VERSION } from './version.js';
