/**
 * A REST server on real PostgreSQL for the HTTP integration tests, plus a client that checks every
 * response against the OpenAPI document the server itself serves (status documented, body valid).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import type pg from 'pg';
import { fromJsonEvent } from '../../../src/cloudevents/json-codec.ts';
import { createSilentLogger } from '../../../src/common/logger.ts';
import { createRestServer } from '../../../src/server/http/index.ts';
import { createServerMetrics } from '../../../src/server/metrics/index.ts';
import type { ServerMetrics } from '../../../src/server/metrics/index.ts';
import { createResourceService } from '../../../src/server/services/resource-service.ts';
import type { ResourceService } from '../../../src/server/services/resource-service.ts';
import { decodeSpecRequest } from '../../../src/server/services/spec-events.ts';
import { createDatabase } from '../../../src/server/store/database.ts';
import { migrate } from '../../../src/server/store/migrations.ts';
import { useTestDatabase } from '../../support/postgres.ts';

/** Response bodies are whatever JSON the server sent; tests assert on them field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = any;

const FIXTURES = new URL('../../fixtures/upstream/', import.meta.url);

/** An upstream fixture, parsed. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
}

/** A response as the tests see it. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: AnyJson;
}

/** Options of one {@link RestHarness.call}. */
export interface CallOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Raw body text (sent as is) instead of JSON. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Skip the OpenAPI check (for deliberately undocumented paths). */
  unchecked?: boolean;
}

/** The running server and helpers. */
export interface RestHarness {
  baseUrl: string;
  pool: pg.Pool;
  resources: ResourceService;
  metrics: ServerMetrics;
  /** Calls `method` on `template` (an OpenAPI path with `{id}` filled from `id`), validating the answer. */
  call(method: string, template: string, id?: string, options?: CallOptions): Promise<ApiResponse>;
  /** Registers a consumer directly through the API and returns its JSON. */
  createConsumer(name: string, labels?: Record<string, string>): Promise<AnyJson>;
  /**
   * Creates a work from the upstream grpc-client fixture through the real spec write path, with the
   * given id, consumer, source, labels and manifest name.
   */
  createWork(options: WorkOptions): Promise<void>;
}

/** What {@link RestHarness.createWork} varies. */
export interface WorkOptions {
  id: string;
  consumer: string;
  source?: string;
  labels?: Record<string, string>;
  manifestName?: string;
  /** Extra bytes of annotation to make the payload bigger. */
  padding?: number;
}

/** The spec event of a work, built from the upstream fixture. */
export function workEvent(options: WorkOptions): Record<string, unknown> {
  const event = fixture('cloudevents.grpcclient.json');
  const meta = JSON.parse(event.metadata as string) as AnyJson;
  meta.uid = options.id;
  meta.namespace = options.consumer;
  meta.name = `work-${options.id.slice(0, 8)}`;
  if (options.labels) meta.labels = { ...meta.labels, ...options.labels };
  if (options.padding) meta.annotations = { padding: 'x'.repeat(options.padding) };
  const data = structuredClone(event.data) as AnyJson;
  if (options.manifestName) data.manifests[0].metadata.name = options.manifestName;
  return {
    ...event,
    id: crypto.randomUUID(),
    source: options.source ?? event.source,
    resourceid: options.id,
    clustername: options.consumer,
    metadata: JSON.stringify(meta),
    data,
  };
}

function compileValidators(
  document: AnyJson,
): (method: string, template: string, status: number, body: unknown) => void {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi', components: document.components });
  return (method, template, status, body) => {
    const operation = document.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is not in the OpenAPI document`);
    const response = operation.responses[String(status)];
    assert.ok(response, `${method} ${template} answered ${status}, which the OpenAPI document does not list`);
    const schema = response.content?.['application/json']?.schema;
    if (schema === undefined) {
      assert.equal(body, undefined, `${method} ${template} ${status} has a body but documents none`);
      return;
    }
    const rewritten = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
    );
    const validate = ajv.compile(rewritten);
    assert.ok(
      validate(body),
      `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  };
}

/** Starts a REST server on a fresh database; undefined when the test was skipped (no PostgreSQL). */
export async function startRestHarness(t: TestContext): Promise<RestHarness | undefined> {
  const db = await useTestDatabase(t);
  if (db === undefined) return undefined;
  const logger = createSilentLogger();
  const database = createDatabase({ url: db.url, maxConnections: 10, logger });
  await migrate(database.pool, logger);
  const metrics = createServerMetrics({ defaultMetrics: false });
  const resources = createResourceService({ pool: database.pool, logger, sourceId: 'maestro' });
  const rest = createRestServer({
    pool: database.pool,
    resources,
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
  });
  const { port } = await rest.start();
  t.after(async () => {
    await rest.stop();
    await resources.drain();
    await database.close();
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const documentResponse = await fetch(`${baseUrl}/api/maestro/v1/openapi`);
  const check = compileValidators((await documentResponse.json()) as Record<string, unknown> as AnyJson);

  const call = async (
    method: string,
    template: string,
    id?: string,
    options: CallOptions = {},
  ): Promise<ApiResponse> => {
    const path = id === undefined ? template : template.replace('{id}', encodeURIComponent(id));
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const hasBody = options.body !== undefined || options.rawBody !== undefined;
    const response = await fetch(url, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const raw = Buffer.from(await response.arrayBuffer());
    const text = raw.toString('utf8');
    const body = text === '' ? undefined : JSON.parse(text);
    if (!options.unchecked) check(method, template, response.status, body);
    return { status: response.status, headers: response.headers, body };
  };

  return {
    baseUrl,
    pool: database.pool,
    resources,
    metrics,
    call,
    async createConsumer(name, labels) {
      const response = await call('POST', '/api/maestro/v1/consumers', undefined, { body: { name, labels } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body;
    },
    async createWork(options) {
      const request = decodeSpecRequest(fromJsonEvent(workEvent(options)), 'create');
      await resources.apply(request);
    },
  };
}

/** Decompresses a gzip body (fetch does it transparently; raw checks use node:http). */
export function gunzipJson(buffer: Buffer): unknown {
  return JSON.parse(gunzipSync(buffer).toString('utf8'));
}
