export { checkReadiness, createHealthServer } from './health-server.ts';
export type { HealthServer, HealthServerOptions, Readiness } from './health-server.ts';
