/**
 * The Maestro TypeScript SDK: a connection to a Maestro server, and the clients built on it —
 * {@link ManifestWorkClient} (ManifestWork CRUD and watch for one consumer), {@link ConsumerClient} and
 * {@link ResourceBundleClient} — with typed errors.
 *
 * ```ts
 * const connection = createMaestroConnection({ sourceId: 'my-controller' });
 * const works = createManifestWorkClient(connection, 'cluster1');
 * await works.create({ metadata: { name: 'web' }, spec: { workload: { manifests: [deployment] } } });
 * for await (const event of works.watch({ signal })) console.log(event.type, event.object.status);
 * ```
 */
export { createMaestroConnection, DEFAULT_GRPC_ADDRESS, DEFAULT_REST_URL } from './connection.ts';
export type {
  ConnectionDeadlines,
  ConnectionTlsOptions,
  MaestroConnection,
  MaestroConnectionOptions,
  SubscriptionListener,
} from './connection.ts';
export { createManifestWorkClient } from './manifestwork-client.ts';
export type {
  ListOptions,
  ManifestWorkClient,
  ManifestWorkList,
  PatchOptions,
  WatchOptions,
} from './manifestwork-client.ts';
export type { WatchEvent } from './work-watch.ts';
export { createConsumerClient } from './consumer-client.ts';
export type { ConsumerClient, ConsumerInput } from './consumer-client.ts';
export { createResourceBundleClient, MAX_LIST_PAGE_SIZE } from './resource-bundle-client.ts';
export type {
  ApplyResult,
  BundleWatchOptions,
  CallOptions,
  ResourceBundleClient,
  WorkFilter,
} from './resource-bundle-client.ts';
export { toManifestWork } from './resource-bundle.ts';
export type { ResourceBundleInput } from './resource-bundle.ts';
export {
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  MaestroClientError,
  NotFoundError,
  UnavailableError,
} from './errors.ts';
export type { ClientErrorOptions, ServerErrorInfo } from './errors.ts';
export { MaestroError } from '../common/errors.ts';
export type { ErrorCode } from '../common/errors.ts';
export { matchesLabelSelector, parseLabelSelector, toLabelSearch } from './label-selector.ts';
export type { LabelOperator, LabelRequirement } from './label-selector.ts';
export { applyMergePatch } from './merge-patch.ts';
export { REST_API_PATH } from './rest-client.ts';
export type { RestTlsOptions } from './rest-client.ts';
export type {
  Consumer,
  ResourceBundle,
  ResourceBundleStatus,
  RestList,
  RestListOptions,
} from './rest-types.ts';
export { workUid } from '../work/work-uid.ts';
export type {
  Condition,
  DeleteOption,
  Manifest,
  ManifestConfigOption,
  ManifestWork,
  ManifestWorkSpec,
  ManifestWorkStatus,
  ObjectMeta,
} from '../work/types.ts';
export type { GrpcKeepaliveOptions } from '../transport/grpc/client.ts';
export type { BackoffOptions } from '../transport/backoff.ts';
export type { Logger } from '../common/logger.ts';
