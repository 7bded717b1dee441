/**
 * `/api/maestro/v1/consumers`: list, get, create, patch labels, delete (server.md §2.1, §2.5).
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { isMaestroError } from '../../../common/errors.ts';
import { createConsumer, deleteConsumer } from '../../store/consumer-store.ts';
import {
  CONSUMER_COLUMNS,
  getConsumerForRest,
  listConsumersForRest,
  replaceConsumerLabels,
} from '../../store/rest-queries.ts';
import { API_ERROR_CODE, API_V1_PATH, ApiError } from '../api-errors.ts';
import { parseListParams } from '../list-params.ts';
import { presentConsumer, presentList, projectFields, validateFields } from '../presenters.ts';

const COLLECTION = `${API_V1_PATH}/consumers`;

function asBodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(API_ERROR_CODE.malformedRequest, 'invalid request format: expected a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Validates a `labels` member: absent → undefined, otherwise a map of strings. */
function readLabels(body: Record<string, unknown>): Record<string, string> | undefined {
  const labels = body.labels;
  if (labels === undefined || labels === null) return undefined;
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    throw new ApiError(API_ERROR_CODE.validation, 'labels must be an object of strings');
  }
  const bad = Object.entries(labels).find(([, v]) => typeof v !== 'string');
  if (bad !== undefined) throw new ApiError(API_ERROR_CODE.validation, `label '${bad[0]}' must be a string`);
  return labels as Record<string, string>;
}

async function presentById(pool: pg.Pool, id: string): Promise<Record<string, unknown>> {
  const row = await getConsumerForRest(pool, id);
  if (row === undefined) throw new ApiError(API_ERROR_CODE.notFound, `consumer '${id}' not found`);
  return presentConsumer(row);
}

/** Registers the consumer routes on `app`. */
export function registerConsumerRoutes(app: FastifyInstance, pool: pg.Pool): void {
  app.get(COLLECTION, async (request) => {
    const { page, query, fields } = parseListParams(
      request.query as Record<string, string>,
      CONSUMER_COLUMNS,
    );
    if (fields !== undefined) validateFields('Consumer', fields);
    const result = await listConsumersForRest(pool, query);
    const items = result.rows.map(presentConsumer);
    return presentList(
      'ConsumerList',
      page,
      result.total,
      fields ? items.map((i) => projectFields(i, fields)) : items,
    );
  });

  app.get<{ Params: { id: string } }>(`${COLLECTION}/:id`, async (request) =>
    presentById(pool, request.params.id),
  );

  app.post(COLLECTION, async (request, reply) => {
    const body = asBodyObject(request.body);
    if (body.id !== undefined && body.id !== '')
      throw new ApiError(API_ERROR_CODE.validation, 'id must be empty');
    if (body.name !== undefined && typeof body.name !== 'string') {
      throw new ApiError(API_ERROR_CODE.validation, 'name must be a string');
    }
    const name = body.name === '' ? undefined : (body.name as string | undefined);
    const created = await createConsumer(pool, { name, labels: readLabels(body) });
    reply.code(201);
    return presentById(pool, created.id);
  });

  app.patch<{ Params: { id: string } }>(`${COLLECTION}/:id`, async (request) => {
    const labels = readLabels(asBodyObject(request.body));
    if (labels !== undefined) await replaceConsumerLabels(pool, request.params.id, labels);
    return presentById(pool, request.params.id);
  });

  app.delete<{ Params: { id: string } }>(`${COLLECTION}/:id`, async (request, reply) => {
    const id = request.params.id;
    if ((await getConsumerForRest(pool, id)) === undefined) {
      throw new ApiError(API_ERROR_CODE.notFound, `consumer '${id}' not found`);
    }
    try {
      await deleteConsumer(pool, id);
    } catch (err: unknown) {
      // upstream answers 403 (code 4) while resource bundles still reference the consumer
      if (isMaestroError(err, 'FAILED_PRECONDITION')) {
        throw new ApiError(
          API_ERROR_CODE.forbidden,
          `unable to delete consumer '${id}': resource bundles still reference it (delete them first)`,
        );
      }
      throw err;
    }
    reply.code(204);
  });
}
