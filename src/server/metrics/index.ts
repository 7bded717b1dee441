export { createMetricsServer } from './metrics-server.ts';
export type { MetricsServer, MetricsServerOptions } from './metrics-server.ts';
export { createServerMetrics } from './server-metrics.ts';
export type { GaugeSources, ServerMetrics, ServerMetricsOptions } from './server-metrics.ts';
