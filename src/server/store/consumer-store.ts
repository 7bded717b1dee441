/**
 * Consumers (registered target clusters). The REST API manages them; the gRPC paths only check that
 * a resource's consumer exists. Deletion is hard, as upstream, and refused while resources remain.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { MaestroError } from '../../common/errors.ts';
import { dns1123LabelProblem } from '../../work/k8s-names.ts';
import { databaseError } from './database.ts';

/** A consumer row. */
export interface Consumer {
  id: string;
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** Input of {@link createConsumer}. */
export interface NewConsumer {
  /** RFC 1123 label; defaults to the generated id. */
  name?: string;
  labels?: Record<string, string>;
}

interface RawConsumer {
  id: string;
  name: string;
  labels: Record<string, string> | null;
  created_at: Date;
  updated_at: Date;
}

function toConsumer(raw: RawConsumer): Consumer {
  return {
    id: raw.id,
    name: raw.name,
    labels: raw.labels ?? {},
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/** Registers a consumer. Invalid name → `INVALID_ARGUMENT`; taken name → `ALREADY_EXISTS`. */
export async function createConsumer(pool: pg.Pool, input: NewConsumer): Promise<Consumer> {
  const id = randomUUID();
  const name = input.name ?? id;
  const problem = dns1123LabelProblem(name);
  if (problem !== undefined)
    throw new MaestroError('INVALID_ARGUMENT', `invalid consumer name '${name}': ${problem}`);
  const labels = input.labels && Object.keys(input.labels).length > 0 ? JSON.stringify(input.labels) : null;
  try {
    const result = await pool.query<RawConsumer>(
      `INSERT INTO consumers (id, name, labels) VALUES ($1, $2, $3::jsonb)
       RETURNING id, name, labels, created_at, updated_at`,
      [id, name, labels],
    );
    return toConsumer(result.rows[0] as RawConsumer);
  } catch (err: unknown) {
    if ((err as { code?: string }).code === '23505') {
      throw new MaestroError('ALREADY_EXISTS', `consumer '${name}' already exists`, { cause: err });
    }
    throw databaseError(err, `creating consumer '${name}'`);
  }
}

/** A consumer by id or name, or `undefined`. */
export async function findConsumer(pool: pg.Pool, idOrName: string): Promise<Consumer | undefined> {
  try {
    const result = await pool.query<RawConsumer>(
      `SELECT id, name, labels, created_at, updated_at FROM consumers
       WHERE (id = $1 OR name = $1) AND deleted_at IS NULL ORDER BY (id = $1) DESC LIMIT 1`,
      [idOrName],
    );
    return result.rows[0] && toConsumer(result.rows[0]);
  } catch (err: unknown) {
    throw databaseError(err, `reading consumer '${idOrName}'`);
  }
}

/** Every consumer, ordered by creation. */
export async function listConsumers(pool: pg.Pool): Promise<Consumer[]> {
  try {
    const result = await pool.query<RawConsumer>(
      `SELECT id, name, labels, created_at, updated_at FROM consumers WHERE deleted_at IS NULL ORDER BY created_at, id`,
    );
    return result.rows.map(toConsumer);
  } catch (err: unknown) {
    throw databaseError(err, 'listing consumers');
  }
}

/** Deletes a consumer by id or name. Unknown → `NOT_FOUND`; still has resources → `FAILED_PRECONDITION`. */
export async function deleteConsumer(pool: pg.Pool, idOrName: string): Promise<void> {
  try {
    const result = await pool.query('DELETE FROM consumers WHERE id = $1 OR name = $1', [idOrName]);
    if (result.rowCount === 0) throw new MaestroError('NOT_FOUND', `consumer '${idOrName}' not found`);
  } catch (err: unknown) {
    if ((err as { code?: string }).code === '23503') {
      throw new MaestroError('FAILED_PRECONDITION', `consumer '${idOrName}' still has resources`, {
        cause: err,
      });
    }
    throw databaseError(err, `deleting consumer '${idOrName}'`);
  }
}

/** The names among `names` that belong to existing consumers. */
export async function existingConsumerNames(
  client: pg.ClientBase,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  // named: every create batch asks, so it is planned once per connection, not per batch
  const result = await client.query<{ name: string }>({
    name: 'maestro-existing-consumers',
    text: 'SELECT name FROM consumers WHERE name = ANY($1::text[]) AND deleted_at IS NULL',
    values: [names],
  });
  return new Set(result.rows.map((r) => r.name));
}
