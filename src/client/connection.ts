/**
 * The connection to one Maestro server, shared by every client built on it (as in Temporal's SDK, the
 * connection is separate from the clients): a REST client for reads and consumer CRUD, and one gRPC
 * source subscription (`Subscribe{source}` on :8090) that carries writes (`Publish`) and the status
 * events Maestro relays for this source. The gRPC side starts lazily on first use and reconnects with
 * backoff by itself; after every re-subscription the status listeners are told, so watches can relist.
 */
import { errorMessage } from '../common/errors.ts';
import { createSilentLogger } from '../common/logger.ts';
import type { Logger } from '../common/logger.ts';
import type { MaestroEvent } from '../cloudevents/event.ts';
import type { BackoffOptions } from '../transport/backoff.ts';
import { createGrpcTransport } from '../transport/grpc/client.ts';
import type { GrpcKeepaliveOptions } from '../transport/grpc/client.ts';
import type { Transport, TransportState } from '../transport/transport.ts';
import { InvalidError, toClientError, UnavailableError } from './errors.ts';
import { createRestClient } from './rest-client.ts';
import type { RestClient, RestTlsOptions } from './rest-client.ts';

/** Default REST URL of a local `maestro server`. */
export const DEFAULT_REST_URL = 'http://127.0.0.1:8000';
/** Default gRPC source API address of a local `maestro server`. */
export const DEFAULT_GRPC_ADDRESS = '127.0.0.1:8090';

/** Per-operation time limits, in milliseconds. */
export interface ConnectionDeadlines {
  /** Each REST request; default 30000. */
  restMs?: number;
  /** Each gRPC `Publish`; default 30000. */
  publishMs?: number;
  /** Waiting for the gRPC subscription before a write or watch fails with `UnavailableError`; default 30000. */
  connectMs?: number;
}

/**
 * TLS material for both REST and gRPC (PEM text or buffers). On gRPC, TLS is used only when a token or
 * a client certificate is set (upstream's rule); on REST, when the URL is `https://`.
 */
export interface ConnectionTlsOptions extends RestTlsOptions {
  /** Accepted on REST only; gRPC always verifies. */
  insecureSkipVerify?: boolean;
}

/** Options for {@link createMaestroConnection}; every field but `sourceId` has a default. */
export interface MaestroConnectionOptions {
  /** The source id the works belong to (their `source`, part of every work id). */
  sourceId: string;
  /** gRPC source API `host:port`; default {@link DEFAULT_GRPC_ADDRESS}. */
  grpcAddress?: string;
  /** REST API base URL; default {@link DEFAULT_REST_URL}. */
  restUrl?: string;
  tls?: ConnectionTlsOptions;
  /** Bearer token for REST and gRPC (on gRPC it requires `tls.ca`). */
  token?: string;
  deadlines?: ConnectionDeadlines;
  /** gRPC keepalive pings; off by default (as upstream). */
  keepalive?: GrpcKeepaliveOptions;
  /** Reconnect when no message (heartbeats included) arrives for this long; off by default. */
  serverHealthinessTimeoutMs?: number;
  /** gRPC reconnect delays; default 1 s doubling to 60 s with jitter. */
  reconnectBackoff?: BackoffOptions;
  /** Structured logger; default silent. */
  logger?: Logger;
}

/** Receives what the gRPC subscription delivers. */
export interface SubscriptionListener {
  /** A status event for this source (heartbeats are filtered out). Must not throw or block. */
  onEvent(event: MaestroEvent): void;
  /** The subscription was re-established after a loss; events may have been missed meanwhile. */
  onResubscribed(): void;
  /** The connection was closed: nothing more will arrive. */
  onClosed?(): void;
}

/** A connection to one Maestro server; see the module comment. */
export interface MaestroConnection {
  /** The source id of this connection. */
  readonly sourceId: string;
  /** The REST client. */
  readonly rest: RestClient;
  /** The gRPC subscription state (`idle` until first used). */
  readonly state: TransportState;
  /** The logger clients built on this connection log with. */
  readonly logger: Logger;
  /**
   * Starts the gRPC subscription when needed and waits until it is established, at most the connect
   * deadline; rejects with {@link UnavailableError} after it (the connection keeps retrying).
   */
  ready(signal?: AbortSignal): Promise<void>;
  /** Publishes a spec event over gRPC once {@link ready}; server failures become the typed errors. */
  publish(event: MaestroEvent): Promise<void>;
  /** Registers a listener of the subscription; returns a function that removes it. */
  subscribe(listener: SubscriptionListener): () => void;
  /** Closes the gRPC connection; idempotent. Clients built on the connection stop working. */
  close(): Promise<void>;
}

/**
 * Creates a connection. Nothing connects yet: REST calls are made on demand and the gRPC subscription
 * starts with the first write or watch. Throws {@link InvalidError} for unusable options.
 */
export function createMaestroConnection(options: MaestroConnectionOptions): MaestroConnection {
  if (options.sourceId === '') throw new InvalidError('source id must not be empty');
  const grpcAddress = options.grpcAddress ?? DEFAULT_GRPC_ADDRESS;
  const connectMs = options.deadlines?.connectMs ?? 30_000;
  const logger = (options.logger ?? createSilentLogger()).child({ source: options.sourceId });
  const rest = createRestClient({
    baseUrl: options.restUrl ?? DEFAULT_REST_URL,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.deadlines?.restMs === undefined ? {} : { timeoutMs: options.deadlines.restMs }),
    logger,
  });
  const listeners = new Set<SubscriptionListener>();
  let transport: Transport | undefined;
  let started: Promise<void> | undefined;
  let closed = false;

  function createTransport(): Transport {
    let created: Transport;
    try {
      created = createGrpcTransport(
        { role: 'source', sourceId: options.sourceId },
        {
          url: grpcAddress,
          ...(options.tls === undefined
            ? {}
            : { tls: { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key } }),
          ...(options.token === undefined ? {} : { token: options.token }),
          ...(options.keepalive === undefined ? {} : { keepalive: options.keepalive }),
          ...(options.serverHealthinessTimeoutMs === undefined
            ? {}
            : { serverHealthinessTimeoutMs: options.serverHealthinessTimeoutMs }),
          ...(options.reconnectBackoff === undefined ? {} : { reconnectBackoff: options.reconnectBackoff }),
          ...(options.deadlines?.publishMs === undefined
            ? {}
            : { publishTimeoutMs: options.deadlines.publishMs }),
          logger,
        },
      );
    } catch (err) {
      throw toClientError(err);
    }
    let lostOnce = false;
    created.onStatus(({ state }) => {
      if (state === 'reconnecting') lostOnce = true;
      if (state !== 'connected' || !lostOnce) return;
      for (const listener of [...listeners]) listener.onResubscribed();
    });
    return created;
  }

  function start(): Promise<void> {
    if (closed) return Promise.reject(new UnavailableError('maestro connection is closed'));
    if (started === undefined) {
      transport = createTransport();
      started = transport.start(async (event) => {
        for (const listener of [...listeners]) {
          try {
            listener.onEvent(event);
          } catch (err) {
            logger.error({ err: errorMessage(err) }, 'subscription listener failed');
          }
        }
      });
      // A failed start surfaces through ready(); keep the rejection from being unhandled here.
      started.catch(() => undefined);
    }
    return started;
  }

  async function ready(signal?: AbortSignal): Promise<void> {
    const starting = start();
    if (transport?.state === 'connected') return;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let off: (() => void) | undefined;
    const waitForState = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError(
              `cannot reach the maestro grpc server at '${grpcAddress}' within ${connectMs} ms`,
              { code: 'DEADLINE_EXCEEDED' },
            ),
          ),
        connectMs,
      );
      onAbort = () => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      off = transport?.onStatus(({ state }) => {
        if (state === 'connected') resolve();
      });
    });
    try {
      await Promise.race([starting, waitForState]);
    } finally {
      clearTimeout(timer);
      off?.();
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    sourceId: options.sourceId,
    rest,
    logger,
    get state() {
      return transport?.state ?? 'idle';
    },
    ready,
    async publish(event) {
      await ready();
      try {
        await transport!.publish(event);
      } catch (err) {
        throw toClientError(err);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      const closing = [...listeners];
      listeners.clear();
      for (const listener of closing) listener.onClosed?.();
      await transport?.stop();
    },
  };
}
