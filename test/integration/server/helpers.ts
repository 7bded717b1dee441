/**
 * Shared pieces of the server integration tests: an in-process `maestro server` on a fresh test
 * database with gRPC on 127.0.0.1 port 0, a raw gRPC client that sees the exact protobuf an agent or
 * source receives, upstream-shaped event builders and a polling wait.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import type { MaestroEvent } from '../../../src/cloudevents/event.ts';
import { HEARTBEAT_EVENT_TYPE, manifestBundleEventType } from '../../../src/cloudevents/event-types.ts';
import type { EventAction, SubResource } from '../../../src/cloudevents/event-types.ts';
import { encodePublishRequest, loadCloudEventService } from '../../../src/cloudevents/proto.ts';
import type { PbCloudEvent, PbSubscriptionRequest } from '../../../src/cloudevents/proto.ts';
import { fromProtoEvent, toProtoEvent } from '../../../src/cloudevents/proto-codec.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import type { ServerConfig } from '../../../src/server/config.ts';
import { createMaestroServer } from '../../../src/server/server.ts';
import type { MaestroServer } from '../../../src/server/server.ts';
import { createConsumer } from '../../../src/server/store/consumer-store.ts';
import { createDatabase } from '../../../src/server/store/database.ts';
import type { Database } from '../../../src/server/store/database.ts';
import { migrate } from '../../../src/server/store/migrations.ts';
import { useTestDatabase } from '../../support/postgres.ts';
import { waitFor } from '../../support/wait.ts';

export { waitFor };

/** A server under test. */
export interface TestServer {
  server: MaestroServer;
  config: ServerConfig;
  sourcePort: number;
  brokerPort: number;
  /** A separate pool for assertions and fixtures. */
  pool: pg.Pool;
  dbUrl: string;
}

/** Starts an in-process server on a fresh database; `undefined` when PostgreSQL is unavailable (skipped). */
export async function startTestServer(
  t: TestContext,
  flags: Record<string, string | boolean> = {},
  dbUrl?: string,
): Promise<TestServer | undefined> {
  let url = dbUrl;
  if (url === undefined) {
    const db = await useTestDatabase(t);
    if (db === undefined) return undefined;
    url = db.url;
  }
  const config = resolveServerConfig({
    flags: {
      dbUrl: url,
      serverHostname: '127.0.0.1',
      grpcServerBindport: '0',
      grpcBrokerBindport: '0',
      httpServerBindport: '0',
      healthCheckServerBindport: '0',
      metricsServerBindport: '0',
      heartbeatCheckInterval: '1s',
      dbMaxOpenConnections: '10',
      ...flags,
    },
    env: {},
  });
  const server = createMaestroServer({ config, logger: createSilentLogger() });
  const listening = await server.start();
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => undefined);
  t.after(async () => {
    await server.stop();
    await pool.end();
  });
  const portOf = (name: string): number => listening.find((l) => l.listener === name)?.port ?? 0;
  return {
    server,
    config,
    sourcePort: portOf('grpc-source'),
    brokerPort: portOf('grpc-broker'),
    pool,
    dbUrl: url,
  };
}

/**
 * A migrated fresh test database with `consumers` registered, closed after the test; `undefined` when
 * PostgreSQL is unavailable (skipped). For tests of one server part without a whole server.
 */
export async function openMigratedDatabase(
  t: TestContext,
  consumers: string[] = [],
): Promise<Database | undefined> {
  const db = await useTestDatabase(t);
  if (db === undefined) return undefined;
  const logger = createSilentLogger();
  const database = createDatabase({ url: db.url, maxConnections: 4, logger });
  t.after(() => database.close());
  await migrate(database.pool, logger);
  for (const name of consumers) await addConsumer(database.pool, name);
  return database;
}

/** Registers a consumer through the store. */
export async function addConsumer(pool: pg.Pool, name: string): Promise<void> {
  await createConsumer(pool, { name });
}

/** A raw `CloudEventService` client: what a Go peer would send and receive, byte for byte. */
export interface RawClient {
  /** Publishes an event (or raw `PublishRequest` bytes); rejects with the grpc `ServiceError`. */
  publish(event: MaestroEvent | PbCloudEvent | Buffer): Promise<void>;
  /** Opens a subscription; events (heartbeats excluded) collect in `received`. */
  subscribe(request: PbSubscriptionRequest): Promise<RawSubscription>;
  close(): void;
}

/** An open raw subscription. */
export interface RawSubscription {
  readonly subscriptionId: string;
  readonly received: PbCloudEvent[];
  readonly heartbeats: number;
  /** The decoded events received so far. */
  events(): MaestroEvent[];
  /** Waits for a received event matching `match`. */
  next(match: (e: MaestroEvent) => boolean, what: string, timeoutMs?: number): Promise<MaestroEvent>;
  cancel(): void;
}

/** Connects a {@link RawClient} to 127.0.0.1:`port`. */
export function rawClient(port: number): RawClient {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const { Subscribe } = loadCloudEventService();
  return {
    publish: (event) => {
      const bytes = Buffer.isBuffer(event)
        ? event
        : encodePublishRequest({
            event: 'specversion' in event ? toProtoEvent(event as MaestroEvent) : (event as PbCloudEvent),
          });
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          '/io.cloudevents.v1.CloudEventService/Publish',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          (err: ServiceError | null) => (err ? reject(err) : resolve()),
        );
      });
    },
    subscribe: (request) =>
      new Promise((resolve, reject) => {
        const received: PbCloudEvent[] = [];
        let heartbeats = 0;
        const call: ClientReadableStream<PbCloudEvent> = client.makeServerStreamRequest(
          '/io.cloudevents.v1.CloudEventService/Subscribe',
          Subscribe.requestSerialize,
          Subscribe.responseDeserialize,
          request,
          new Metadata(),
        );
        call.on('data', (event: PbCloudEvent) => {
          if (event.type === HEARTBEAT_EVENT_TYPE) heartbeats += 1;
          else received.push(event);
        });
        call.on('error', (err: ServiceError) => {
          if (err.code !== 1) reject(err);
        });
        call.on('metadata', (metadata: Metadata) => {
          const id = metadata.get('subscription-id')[0];
          if (typeof id !== 'string') {
            reject(new Error('no subscription-id header'));
            return;
          }
          const events = (): MaestroEvent[] => received.map((e) => fromProtoEvent(e));
          resolve({
            subscriptionId: id,
            received,
            get heartbeats() {
              return heartbeats;
            },
            events,
            next: (match, what, timeoutMs) => waitFor(() => events().find(match), what, timeoutMs),
            cancel: () => call.cancel(),
          });
        });
      }),
    close: () => client.close(),
  };
}

/** A small valid ManifestBundle (one ConfigMap). */
export function bundle(name = 'web', value = 'v1'): Record<string, unknown> {
  return {
    manifests: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value } },
    ],
  };
}

/** A spec request as the Go source SDK sends it. */
export function specRequest(
  action: Extract<EventAction, 'create_request' | 'update_request' | 'delete_request'>,
  options: {
    resourceId: string;
    cluster: string;
    version?: number;
    data?: unknown;
    source?: string;
    workName?: string;
    /** Extensions to leave out (to test validation). */
    omit?: string[];
  },
): MaestroEvent {
  const source = options.source ?? 'test-source';
  return createEvent({
    id: randomUUID(),
    source,
    type: manifestBundleEventType('spec', action),
    datacontenttype: action === 'delete_request' ? undefined : 'application/json',
    time: new Date().toISOString(),
    clustername: options.cluster,
    resourceid: options.resourceId,
    resourceversion: options.version ?? 0,
    originalsource: '',
    logtracing: '{}',
    metadata: JSON.stringify({
      name: options.workName ?? 'work-1',
      namespace: options.cluster,
      uid: options.resourceId,
      resourceVersion: '0',
    }),
    ...(action === 'delete_request' ? { deletiontimestamp: new Date().toISOString() } : {}),
    data: action === 'delete_request' ? undefined : (options.data ?? bundle()),
    ...Object.fromEntries((options.omit ?? []).map((name) => [name, undefined])),
  });
}

let sequence = 0n;

/** A fresh snowflake sequence id (node 1), strictly increasing within the test process. */
export function nextSequenceId(): string {
  const fromClock = (BigInt(Date.now() - 1288834974657) << 22n) | (1n << 12n);
  sequence = fromClock > sequence ? fromClock : sequence + 1n;
  return sequence.toString();
}

/** A status event as the Go work agent sends it. */
export function statusUpdate(options: {
  resourceId: string;
  cluster: string;
  version: number;
  sequenceId?: string;
  conditions?: unknown[];
  action?: EventAction;
  subResource?: SubResource;
  originalSource?: string;
}): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: `${options.cluster}-work-agent`,
    type: manifestBundleEventType(options.subResource ?? 'status', options.action ?? 'update_request'),
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    clustername: options.cluster,
    resourceid: options.resourceId,
    resourceversion: options.version,
    originalsource: options.originalSource ?? 'maestro',
    sequenceid: options.sequenceId ?? nextSequenceId(),
    statushash: 'a'.repeat(64),
    logtracing: '{}',
    metadata: JSON.stringify({
      name: options.resourceId,
      namespace: options.cluster,
      uid: options.resourceId,
      generation: options.version,
    }),
    data: {
      conditions: options.conditions ?? [
        {
          type: 'Applied',
          status: 'True',
          lastTransitionTime: '2025-12-16T06:00:17Z',
          reason: 'AppliedManifestWorkComplete',
          message: 'Apply manifest work complete',
        },
      ],
      resourceStatus: [],
    },
  });
}

/** The `Deleted=True` condition of the deletion handshake. */
export const DELETED_CONDITION = {
  type: 'Deleted',
  status: 'True',
  lastTransitionTime: '2025-12-16T07:10:00Z',
  reason: 'ManifestsDeleted',
  message: 'The manifests are deleted from the cluster',
};

/** A spec resync request as the Go agent sends it. */
export function specResyncRequest(
  cluster: string,
  versions: { id: string; version: number }[],
): MaestroEvent {
  return createEvent({
    id: randomUUID(),
    source: `${cluster}-work-agent`,
    type: manifestBundleEventType('spec', 'resync_request'),
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    clustername: cluster,
    originalsource: '',
    data: { resourceVersions: versions.map((v) => ({ resourceID: v.id, resourceVersion: v.version })) },
  });
}

/** The gRPC status code of a failed call. */
export async function grpcCode(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (err: unknown) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected the call to fail');
}

/** gRPC status codes used by the tests. */
export const CODES = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;
