/**
 * The OpenAPI 3 document served at `/api/maestro/v1/openapi`. Built as an object (not loaded from a
 * file) so it ships with the code it describes; the integration tests validate every response
 * against it. Compatible with upstream's document (same paths, schema names and properties), with
 * tighter `required` lists, the 405s and 404s the server really returns, and the search language.
 */
import { API_V1_PATH } from './api-errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-params.ts';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string): Json => json(ref('Error'), description);
const idParameter = { $ref: '#/components/parameters/id' };
const listParameters = ['page', 'size', 'search', 'orderBy', 'fields'].map((p) => ({
  $ref: `#/components/parameters/${p}`,
}));

const SEARCH_DESCRIPTION = `A filter in an SQL-WHERE-like language: comparisons (\`= != <> < <= > >=\`),
\`[not] like\`/\`ilike\` with \`%\` and \`_\`, \`is [not] null\`, \`[not] between x and y\`,
\`[not] in (a, b)\`, \`and\`, \`or\`, \`not\`, parentheses; strings in single quotes (\`''\` for a
quote), numbers unquoted. JSON columns take paths: \`payload->'metadata'->'labels'->>'app' = 'web'\`
and containment \`payload->'metadata'->'labels' @> '{"app":"web"}'\`. Resource bundle columns: id, name,
consumer_name, source, version, created_at, updated_at, deleted_at, payload, status. Consumer columns:
id, name, labels, created_at, updated_at. A query that does not parse is a 400 (code maestro-23)
naming the position of the problem.`;

const notSupported = (what: string): Json => ({
  summary: `Not supported: ${what}`,
  description: 'Resource bundles are created, updated and deleted by source clients over gRPC.',
  responses: { '405': error('Method not allowed') },
});

function listSchema(itemSchema: string): Json {
  return {
    type: 'object',
    required: ['kind', 'page', 'size', 'total', 'items'],
    properties: {
      kind: { type: 'string' },
      page: { type: 'integer' },
      size: { type: 'integer', description: 'number of items returned' },
      total: { type: 'integer', description: 'number of items matching the search' },
      items: { type: 'array', items: ref(itemSchema) },
    },
  };
}

const timestamp = { type: 'string', format: 'date-time' };

/** Builds the OpenAPI document (a fresh object each call). */
export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'maestro Service API', description: 'maestro Service API', version: '0.0.1' },
    servers: [{ url: 'http://localhost:8000', description: 'current domain' }],
    paths: {
      '/api/maestro': {
        get: { summary: 'API metadata', responses: { '200': json(ref('APIMetadata'), 'API metadata') } },
      },
      [API_V1_PATH]: {
        get: {
          summary: 'API version metadata',
          responses: { '200': json(ref('APIVersion'), 'Version metadata') },
        },
      },
      [`${API_V1_PATH}/openapi`]: {
        get: {
          summary: 'This document',
          responses: { '200': json({ type: 'object' }, 'The OpenAPI document') },
        },
      },
      [`${API_V1_PATH}/errors`]: {
        get: {
          summary: 'Lists the error codes',
          parameters: [{ $ref: '#/components/parameters/page' }, { $ref: '#/components/parameters/size' }],
          responses: { '200': json(ref('ErrorList'), 'Error codes'), '400': error('Bad paging parameters') },
        },
      },
      [`${API_V1_PATH}/errors/{id}`]: {
        get: {
          summary: 'Gets one error code',
          parameters: [idParameter],
          responses: { '200': json(ref('Error'), 'The error code'), '404': error('No such error code') },
        },
      },
      [`${API_V1_PATH}/resource-bundles`]: {
        get: {
          summary: 'Returns a list of resource bundles (including ones marked as deleting)',
          parameters: listParameters,
          responses: {
            '200': json(
              { anyOf: [ref('ResourceBundleList'), ref('ProjectionList')] },
              'A page of resource bundles',
            ),
            '400': error('Bad search, orderBy, fields or paging parameters'),
            '500': error('Unexpected error'),
            '503': error('Database unavailable'),
          },
        },
        post: notSupported('creating resource bundles over REST'),
      },
      [`${API_V1_PATH}/resource-bundles/{id}`]: {
        get: {
          summary: 'Gets a resource bundle by id',
          parameters: [idParameter],
          responses: {
            '200': json(ref('ResourceBundle'), 'The resource bundle'),
            '404': error('No resource bundle with that id'),
            '503': error('Database unavailable'),
          },
        },
        delete: {
          summary: 'Marks a resource bundle as deleting; the agent removes its manifests, then it is gone',
          parameters: [idParameter],
          responses: {
            '204': { description: 'Marked as deleting (also when it already was)' },
            '404': error('No resource bundle with that id'),
            '503': error('Database unavailable'),
          },
        },
        patch: notSupported('updating resource bundles over REST'),
        put: notSupported('replacing resource bundles over REST'),
      },
      [`${API_V1_PATH}/consumers`]: {
        get: {
          summary: 'Returns a list of consumers',
          parameters: listParameters,
          responses: {
            '200': json({ anyOf: [ref('ConsumerList'), ref('ProjectionList')] }, 'A page of consumers'),
            '400': error('Bad search, orderBy, fields or paging parameters'),
            '503': error('Database unavailable'),
          },
        },
        post: {
          summary: 'Creates a consumer',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ConsumerCreateRequest') } },
          },
          responses: {
            '201': json(ref('Consumer'), 'Created'),
            '400': error('Malformed body, id given, or name not an RFC 1123 label'),
            '409': error('A consumer with that name exists'),
            '503': error('Database unavailable'),
          },
        },
      },
      [`${API_V1_PATH}/consumers/{id}`]: {
        get: {
          summary: 'Gets a consumer by id',
          parameters: [idParameter],
          responses: {
            '200': json(ref('Consumer'), 'The consumer'),
            '404': error('No consumer with that id'),
          },
        },
        patch: {
          summary: "Replaces a consumer's labels (absent: unchanged; {}: cleared)",
          parameters: [idParameter],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ConsumerPatchRequest') } },
          },
          responses: {
            '200': json(ref('Consumer'), 'The updated consumer'),
            '400': error('Malformed body'),
            '404': error('No consumer with that id'),
          },
        },
        delete: {
          summary: 'Deletes a consumer that no resource bundle references',
          parameters: [idParameter],
          responses: {
            '204': { description: 'Deleted' },
            '403': error('Resource bundles still reference the consumer'),
            '404': error('No consumer with that id'),
          },
        },
      },
    },
    components: {
      parameters: {
        id: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The id of record',
          schema: { type: 'string' },
        },
        page: {
          name: 'page',
          in: 'query',
          description: '1-based page number',
          schema: { type: 'integer', minimum: 1, default: 1 },
        },
        size: {
          name: 'size',
          in: 'query',
          description: `Items per page; 0 returns only the total, negative or above ${MAX_PAGE_SIZE} means ${MAX_PAGE_SIZE}`,
          schema: { type: 'integer', default: DEFAULT_PAGE_SIZE },
        },
        search: { name: 'search', in: 'query', description: SEARCH_DESCRIPTION, schema: { type: 'string' } },
        orderBy: {
          name: 'orderBy',
          in: 'query',
          description:
            'Comma-separated `column [asc|desc]` terms over the non-JSON search columns; ties (and the default) are ordered by created_at, then id.',
          schema: { type: 'string' },
        },
        fields: {
          name: 'fields',
          in: 'query',
          description:
            'Comma-separated fields to return for each item (`id` always included); `metadata.name` selects inside an object, `labels.*` keeps all of it.',
          schema: { type: 'string' },
        },
      },
      schemas: {
        ObjectReference: {
          type: 'object',
          properties: { id: { type: 'string' }, kind: { type: 'string' }, href: { type: 'string' } },
        },
        APIMetadata: {
          type: 'object',
          required: ['id', 'kind', 'href', 'versions'],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: ['API'] },
            href: { type: 'string' },
            versions: { type: 'array', items: ref('ObjectReference') },
          },
        },
        APIVersion: {
          type: 'object',
          required: ['id', 'kind', 'href', 'collections'],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: ['APIVersion'] },
            href: { type: 'string' },
            collections: { type: 'array', items: ref('ObjectReference') },
          },
        },
        Error: {
          type: 'object',
          required: ['kind', 'id', 'href', 'code', 'reason'],
          properties: {
            kind: { type: 'string', enum: ['Error'] },
            id: { type: 'string' },
            href: { type: 'string' },
            code: { type: 'string', pattern: '^maestro-[0-9]+$' },
            reason: { type: 'string' },
            operation_id: { type: 'string' },
          },
        },
        ErrorList: listSchema('Error'),
        Consumer: {
          type: 'object',
          required: ['id', 'kind', 'href', 'name', 'created_at', 'updated_at'],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: ['Consumer'] },
            href: { type: 'string' },
            name: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            created_at: timestamp,
            updated_at: timestamp,
          },
        },
        ConsumerCreateRequest: {
          type: 'object',
          description:
            'A Consumer without id; name defaults to a generated id and must be an RFC 1123 label.',
          properties: {
            name: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        ConsumerPatchRequest: {
          type: 'object',
          properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
        },
        ConsumerList: listSchema('Consumer'),
        ResourceBundleStatus: {
          type: 'object',
          required: ['ObservedVersion', 'SequenceID', 'conditions', 'resourceStatus'],
          properties: {
            ObservedVersion: { type: 'integer', description: 'the spec version the agent last applied' },
            SequenceID: { type: 'string', description: "the agent's snowflake sequence id of this status" },
            conditions: { type: 'array', items: { type: 'object' } },
            resourceStatus: { type: 'array', items: { type: 'object' } },
          },
        },
        ResourceBundle: {
          type: 'object',
          required: [
            'id',
            'kind',
            'href',
            'name',
            'consumer_name',
            'version',
            'created_at',
            'updated_at',
            'metadata',
            'manifests',
            'manifest_configs',
            'delete_option',
          ],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: ['ResourceBundle'] },
            href: { type: 'string' },
            name: { type: 'string' },
            consumer_name: { type: 'string' },
            version: { type: 'integer' },
            created_at: timestamp,
            updated_at: timestamp,
            deleted_at: { ...timestamp, description: 'set once marked as deleting' },
            metadata: { type: 'object', description: 'the ManifestWork ObjectMeta' },
            manifests: { type: 'array', items: { type: 'object' } },
            manifest_configs: { type: 'array', items: { type: 'object' } },
            delete_option: { type: 'object' },
            status: ref('ResourceBundleStatus'),
          },
        },
        ResourceBundleList: listSchema('ResourceBundle'),
        ProjectionList: {
          type: 'object',
          description: 'A list whose items carry only the fields asked for with `fields`.',
          required: ['kind', 'page', 'size', 'total', 'items'],
          properties: {
            kind: { type: 'string' },
            page: { type: 'integer' },
            size: { type: 'integer' },
            total: { type: 'integer' },
            items: { type: 'array', items: { type: 'object', required: ['id'] } },
          },
        },
      },
    },
  };
}
