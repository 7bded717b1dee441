/**
 * `/api/maestro/v1/resource-bundles`: list, get and delete (mark as deleting). Creating and
 * updating are the sources' business over gRPC, so those methods answer 405 (server.md §2.1).
 */
import type { FastifyInstance } from 'fastify';
import { isMaestroError } from '../../../common/errors.ts';
import type { ResourceService } from '../../services/resource-service.ts';
import { RESOURCE_COLUMNS } from '../../store/rest-queries.ts';
import { API_ERROR_CODE, API_V1_PATH, ApiError } from '../api-errors.ts';
import { createListBodyEncoder } from '../list-body.ts';
import { parseListParams } from '../list-params.ts';
import type { JsonObject } from '../presenters.ts';
import { presentList, presentListJson, projectFields, validateFields } from '../presenters.ts';
import type { ResourceBundleReader } from '../resource-bundle-reader.ts';

const COLLECTION = `${API_V1_PATH}/resource-bundles`;

/** What the resource-bundle routes need besides the pool: the spec write path (for deletes). */
export type ResourceDeleter = Pick<ResourceService, 'markAsDeleting'>;

/** Registers the resource-bundle routes on `app`. */
export function registerResourceBundleRoutes(
  app: FastifyInstance,
  bundles: ResourceBundleReader,
  resources: ResourceDeleter,
): void {
  const bodies = createListBodyEncoder();
  // Bundles are presented as UTF-8 JSON (see presentResourceBundle and the reader's cache) and
  // sent as is; only a `fields` projection parses them back into objects.
  app.get(COLLECTION, async (request, reply) => {
    const { page, query, fields } = parseListParams(
      request.query as Record<string, string>,
      RESOURCE_COLUMNS,
    );
    if (fields !== undefined) validateFields('ResourceBundle', fields);
    const { items, total } = await bundles.list(query);
    if (fields !== undefined) {
      const projected = items.map((item) => projectFields(JSON.parse(item.toString()) as JsonObject, fields));
      return presentList('ResourceBundleList', page, total, projected);
    }
    const parts = presentListJson('ResourceBundleList', page, total, items);
    const { body, encoding } = await bodies.encode(parts, request.headers['accept-encoding']);
    if (encoding !== undefined) reply.header('content-encoding', encoding).header('vary', 'accept-encoding');
    reply.type('application/json; charset=utf-8');
    return body;
  });

  app.get<{ Params: { id: string } }>(`${COLLECTION}/:id`, async (request, reply) => {
    const bundle = await bundles.get(request.params.id);
    if (bundle === undefined)
      throw new ApiError(API_ERROR_CODE.notFound, `resource bundle '${request.params.id}' not found`);
    reply.type('application/json; charset=utf-8');
    return bundle;
  });

  // Marks the bundle as deleting through the same write path as a source's delete_request, so the
  // soft delete and the agent's delete event are one transaction. Repeating it is a no-op (204).
  app.delete<{ Params: { id: string } }>(`${COLLECTION}/:id`, async (request, reply) => {
    try {
      await resources.markAsDeleting(request.params.id);
    } catch (err: unknown) {
      if (isMaestroError(err, 'NOT_FOUND')) {
        throw new ApiError(API_ERROR_CODE.notFound, `resource bundle '${request.params.id}' not found`);
      }
      throw err;
    }
    reply.code(204);
  });

  const notAllowed = async (): Promise<never> => {
    throw new ApiError(
      API_ERROR_CODE.notImplemented,
      'resource bundles are created and updated by source clients over gRPC, not over REST',
    );
  };
  app.post(COLLECTION, notAllowed);
  for (const method of ['POST', 'PUT', 'PATCH'] as const)
    app.route({ method, url: `${COLLECTION}/:id`, handler: notAllowed });
}
