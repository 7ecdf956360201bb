/** `@tradekit/core/metrics`: Prometheus metrics of runs (prom-client), loaded only by what imports it. */
export { TradekitMetrics, ORDER_OUTCOMES, CYCLE_BUCKETS, type ObservedRun, type OrderOutcome, type TradekitMetricsOptions } from './run-metrics.js';
export { serveMetrics, type MetricsServer, type MetricsSource } from './http.js';
export { parseExposition, sampleValue, sumOf, type Exposition, type Sample } from './parse.js';
export { rejectClass, breakerOf, BREAKER_LABELS, type RejectClass } from './labels.js';
