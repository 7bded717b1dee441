/**
 * Discovery routes: API metadata, version metadata, the OpenAPI document and the error catalogue
 * (server.md §2.1).
 */
import type { FastifyInstance } from 'fastify';
import { API_ERRORS, API_ERROR_CODE, API_V1_PATH, ApiError, presentApiError } from '../api-errors.ts';
import { parseListParams } from '../list-params.ts';
import { buildOpenApiDocument } from '../openapi.ts';
import { presentList } from '../presenters.ts';

/** Registers `/api/maestro`, `/api/maestro/v1`, `/openapi` and `/errors[/{id}]`. */
export function registerMetaRoutes(app: FastifyInstance): void {
  const openapi = buildOpenApiDocument();

  app.get('/api/maestro', async () => ({
    id: 'maestro',
    kind: 'API',
    href: '/api/maestro',
    versions: [{ id: 'v1', kind: 'APIVersion', href: API_V1_PATH }],
  }));

  // upstream still names its one collection "resources" although it serves resource bundles
  app.get(API_V1_PATH, async () => ({
    id: 'v1',
    kind: 'APIVersion',
    href: API_V1_PATH,
    collections: [
      { id: 'resource-bundles', kind: 'ResourceBundleList', href: `${API_V1_PATH}/resource-bundles` },
      { id: 'consumers', kind: 'ConsumerList', href: `${API_V1_PATH}/consumers` },
    ],
  }));

  app.get(`${API_V1_PATH}/openapi`, async () => openapi);

  app.get(`${API_V1_PATH}/errors`, async (request) => {
    const { page, query } = parseListParams(request.query as Record<string, string>, {});
    const items = API_ERRORS.slice(query.offset, query.offset + query.limit).map((e) => presentApiError(e));
    return presentList('ErrorList', page, API_ERRORS.length, items);
  });

  app.get<{ Params: { id: string } }>(`${API_V1_PATH}/errors/:id`, async (request) => {
    const definition = API_ERRORS.find((e) => String(e.code) === request.params.id);
    if (definition === undefined) {
      throw new ApiError(API_ERROR_CODE.notFound, `error code '${request.params.id}' not found`);
    }
    return presentApiError(definition);
  });
}
