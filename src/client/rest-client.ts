/**
 * The SDK's REST plumbing: JSON requests to Maestro's `/api/maestro/v1` with a per-request timeout,
 * optional TLS (custom CA, client certificate, or no verification) and bearer token, and failures
 * turned into the typed errors (server `reason` kept, network failures → {@link UnavailableError}).
 * Built on `node:http`/`node:https` so TLS settings apply per client, not process-wide.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createSilentLogger } from '../common/logger.ts';
import type { Logger } from '../common/logger.ts';
import { InvalidError, restError, UnavailableError } from './errors.ts';

/** Base path of the v1 REST API. */
export const REST_API_PATH = '/api/maestro/v1';

/** TLS settings of the REST client (PEM text or buffers). */
export interface RestTlsOptions {
  /** CA certificate(s) trusted in addition to the system roots. */
  ca?: string | Buffer;
  /** Client certificate for mutual TLS. */
  cert?: string | Buffer;
  /** Client key for mutual TLS. */
  key?: string | Buffer;
  /** Skip server certificate verification (test set-ups only). */
  insecureSkipVerify?: boolean;
}

/** Options for {@link createRestClient}. */
export interface RestClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000`; a path prefix is kept. */
  baseUrl: string;
  tls?: RestTlsOptions;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Deadline of each request; default 30000 ms. */
  timeoutMs?: number;
  logger?: Logger;
}

/** One REST call. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below {@link REST_API_PATH}, e.g. `/consumers/abc`. */
  path: string;
  query?: Readonly<Record<string, string | number | undefined>>;
  body?: unknown;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** A JSON client for the REST API. */
export interface RestClient {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  /**
   * Sends one request and resolves with the parsed JSON body (`undefined` for an empty one). Rejects with
   * the typed error of the server's answer, or {@link UnavailableError} when it cannot be reached in time.
   */
  send<T>(request: RestRequest): Promise<T>;
}

/** Creates a {@link RestClient}; checks the URL now (throws {@link InvalidError}). */
export function createRestClient(options: RestClientOptions): RestClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (err) {
    throw new InvalidError(`invalid rest url '${options.baseUrl}'`, { cause: err });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InvalidError(`invalid rest url '${options.baseUrl}': use http:// or https://`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const logger = (options.logger ?? createSilentLogger()).child({ component: 'rest-client' });
  const prefix = base.pathname.replace(/\/+$/, '');
  const tls = options.tls ?? {};

  function urlFor(request: RestRequest): URL {
    const url = new URL(base.toString());
    url.pathname = `${prefix}${REST_API_PATH}${request.path}`;
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  return {
    baseUrl: base.toString().replace(/\/$/, ''),
    send<T>(request: RestRequest): Promise<T> {
      const url = urlFor(request);
      const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (payload !== undefined) headers['Content-Type'] = 'application/json';
      if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
      const requestOptions: RequestOptions & Record<string, unknown> = {
        method: request.method,
        headers,
        timeout: timeoutMs,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(url.protocol === 'https:'
          ? {
              ...(tls.ca === undefined ? {} : { ca: tls.ca }),
              ...(tls.cert === undefined ? {} : { cert: tls.cert }),
              ...(tls.key === undefined ? {} : { key: tls.key }),
              rejectUnauthorized: tls.insecureSkipVerify !== true,
            }
          : {}),
      };
      const target = `${request.method} ${url.pathname}`;
      logger.debug({ method: request.method, url: url.toString() }, 'rest request');
      return new Promise<T>((resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(url, requestOptions, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(unreachable(base, err)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              body = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(body as T);
              return;
            }
            reject(
              restError(status, body, request.method === 'POST', `${target} failed with http ${status}`),
            );
          });
        });
        req.on('timeout', () => {
          req.destroy(
            new UnavailableError(`${target} to '${base.origin}' timed out after ${timeoutMs} ms`, {
              code: 'DEADLINE_EXCEEDED',
            }),
          );
        });
        req.on('error', (err: Error) => reject(unreachable(base, err)));
        req.end(payload);
      });
    },
  };
}

function unreachable(base: URL, err: Error): Error {
  if (err instanceof UnavailableError) return err;
  if (err.name === 'AbortError') return err;
  return new UnavailableError(`cannot reach the maestro rest api at '${base.origin}': ${err.message}`, {
    cause: err,
  });
}
