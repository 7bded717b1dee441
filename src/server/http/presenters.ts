/**
 * JSON presentation of consumers, resource bundles and lists, field for field as upstream's
 * presenters (server.md §2.2), plus the `fields` projection.
 */
import type { ResourceBundleRow, SpecDataText, StatusText } from '../store/rest-bundle-queries.ts';
import type { ConsumerRestRow } from '../store/rest-queries.ts';
import { API_ERROR_CODE, API_V1_PATH, ApiError } from './api-errors.ts';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** A list envelope `{kind, page, size, total, items}`. */
export interface ListEnvelope<T> {
  kind: string;
  page: number;
  size: number;
  total: number;
  items: T[];
}

/**
 * Go's `time.Time` JSON form: RFC 3339 with the fraction's trailing zeros dropped
 * (`…:30.311894Z`, `…:30.3Z`, `…:30Z`). Input is `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
 */
export function goTimestamp(text: string): string {
  return text.replace(/\.?0+Z$/, 'Z');
}

/** Kubernetes `metav1.Time` form: RFC 3339 to the second. */
function kubeTimestamp(text: string): string {
  return text.replace(/\.\d+Z$/, 'Z');
}

/** Upstream consumer JSON: `labels` only when there are some. */
export function presentConsumer(row: ConsumerRestRow): JsonObject {
  const hasLabels = row.labels !== null && Object.keys(row.labels).length > 0;
  return {
    id: row.id,
    kind: 'Consumer',
    href: `${API_V1_PATH}/consumers/${row.id}`,
    name: row.name,
    ...(hasLabels ? { labels: row.labels } : {}),
    created_at: goTimestamp(row.createdAt),
    updated_at: goTimestamp(row.updatedAt),
  };
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

function eventData(event: JsonObject): JsonObject {
  const data = asObject(event.data);
  if (data !== undefined) return data;
  if (typeof event.data === 'string' || typeof event.data_base64 === 'string') {
    const text =
      typeof event.data === 'string'
        ? event.data
        : Buffer.from(event.data_base64 as string, 'base64').toString('utf8');
    try {
      return asObject(JSON.parse(text)) ?? {};
    } catch {
      return {};
    }
  }
  return {};
}

/** The work's ObjectMeta from the spec event's `metadata` extension (an object or its JSON text). */
function metadataObject(meta: unknown): JsonObject {
  if (typeof meta === 'string') {
    try {
      return asObject(JSON.parse(meta)) ?? {};
    } catch {
      return {};
    }
  }
  return { ...asObject(meta) };
}

/** JSON text of `data[member]` when present (and of `type`, if given), else null. */
function memberText(data: JsonObject, member: string, type?: 'array' | 'object'): string | null {
  const value = data[member];
  if (value === undefined) return null;
  if (type === 'array' && !Array.isArray(value)) return null;
  if (type === 'object' && asObject(value) === undefined) return null;
  return JSON.stringify(value);
}

/** The spec data members as JSON text: from PostgreSQL, or decoded here when the data was no object. */
function specText(row: ResourceBundleRow): SpecDataText {
  if (row.specEvent === null) return row.spec;
  const data = eventData(row.specEvent);
  return {
    manifests: memberText(data, 'manifests', 'array'),
    manifestConfigs: memberText(data, 'manifestConfigs', 'array'),
    deleteOption: memberText(data, 'deleteOption', 'object'),
  };
}

/** Upstream's `status`: `ObservedVersion` and `SequenceID` (Go field names, capitalised) + the status data. */
function statusJson(status: StatusText): string {
  let { conditions, manifestBundle, resourceStatus } = status;
  if (status.event !== null) {
    const data = eventData(status.event);
    conditions = memberText(data, 'conditions', 'array');
    manifestBundle = memberText(data, 'manifestBundle');
    resourceStatus = memberText(data, 'resourceStatus', 'array');
  }
  return (
    `{"ObservedVersion":${JSON.stringify(Number(status.resourceVersion ?? 0))}` +
    `,"SequenceID":${JSON.stringify(String(status.sequenceId ?? ''))}` +
    `,"conditions":${conditions ?? '[]'}` +
    (manifestBundle === null ? '' : `,"manifestBundle":${manifestBundle}`) +
    `,"resourceStatus":${resourceStatus ?? '[]'}}`
  );
}

/**
 * Upstream resource bundle JSON, as text: the manifests and status feedback are spliced in as the
 * JSON text PostgreSQL rendered, never parsed here, so pages of large bundles stay cheap.
 * `metadata` is the work's ObjectMeta from the spec event with `creationTimestamp` taken from the
 * row (and `deletionTimestamp` when marked deleting); `manifest_configs` is `[]` and `delete_option`
 * `{}` when the work has none; `status` only after the first status.
 */
export function presentResourceBundle(row: ResourceBundleRow): string {
  const spec = specText(row);
  const metadata = metadataObject(row.metadata);
  metadata.creationTimestamp = kubeTimestamp(row.createdAt);
  if (row.deletedAt !== null) metadata.deletionTimestamp = kubeTimestamp(row.deletedAt);
  return (
    `{"id":${JSON.stringify(row.id)},"kind":"ResourceBundle"` +
    `,"href":${JSON.stringify(`${API_V1_PATH}/resource-bundles/${row.id}`)}` +
    `,"name":${JSON.stringify(row.name)},"consumer_name":${JSON.stringify(row.consumerName)}` +
    `,"version":${JSON.stringify(row.version)}` +
    `,"created_at":${JSON.stringify(goTimestamp(row.createdAt))}` +
    `,"updated_at":${JSON.stringify(goTimestamp(row.updatedAt))}` +
    (row.deletedAt === null ? '' : `,"deleted_at":${JSON.stringify(goTimestamp(row.deletedAt))}`) +
    `,"metadata":${JSON.stringify(metadata)}` +
    `,"manifests":${spec.manifests ?? '[]'},"manifest_configs":${spec.manifestConfigs ?? '[]'}` +
    `,"delete_option":${spec.deleteOption ?? '{}'}` +
    (row.status === null ? '' : `,"status":${statusJson(row.status)}`) +
    '}'
  );
}

/** Top-level fields each kind may be projected on (`fields=`), in presentation order. */
export const PROJECTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Consumer: ['id', 'kind', 'href', 'name', 'labels', 'created_at', 'updated_at'],
  ResourceBundle: [
    'id',
    'kind',
    'href',
    'name',
    'consumer_name',
    'version',
    'created_at',
    'updated_at',
    'deleted_at',
    'metadata',
    'manifests',
    'manifest_configs',
    'delete_option',
    'status',
  ],
};

/** Top-level fields holding objects, where dotted paths (`metadata.name`, `labels.*`) may select inside. */
const OBJECT_FIELDS = new Set(['labels', 'metadata', 'delete_option', 'status']);

/**
 * Checks `fields` against a kind's field list before any database work: unknown names (or dotted
 * paths into non-object fields) are a 400 naming them.
 */
export function validateFields(kind: string, fields: readonly string[]): void {
  const known = PROJECTABLE_FIELDS[kind] ?? [];
  const unknown = fields.filter((field) => {
    const [top, ...rest] = field.split('.');
    return !known.includes(top!) || (rest.length > 0 && !OBJECT_FIELDS.has(top!));
  });
  if (unknown.length > 0) {
    throw new ApiError(
      API_ERROR_CODE.validation,
      `the following field(s) don't exist in '${kind}': ${unknown.join(', ')}`,
    );
  }
}

/** Keeps only `fields` of `item` (dotted paths select inside objects; `x.*` keeps all of `x`). */
export function projectFields(item: JsonObject, fields: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const field of fields) {
    const path = field.split('.');
    if (path[path.length - 1] === '*') path.pop();
    copyPath(item, result, path);
  }
  return result;
}

function copyPath(source: JsonObject, target: JsonObject, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(source, head)) return;
  const value = source[head];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = asObject(value);
  if (inner === undefined) return;
  const existing = asObject(target[head]) ?? {};
  copyPath(inner, existing, rest);
  if (Object.keys(existing).length > 0) target[head] = existing;
}

/** A list envelope; `size` is the number of items returned, `total` all matches. */
export function presentList<T>(kind: string, page: number, total: number, items: T[]): ListEnvelope<T> {
  return { kind, page, size: items.length, total, items };
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

/**
 * {@link presentList} as UTF-8 JSON around items that already are UTF-8 JSON, in pieces to be sent
 * one after the other (see list-body.ts), so the items are never copied into a string.
 */
export function presentListJson(
  kind: string,
  page: number,
  total: number,
  items: readonly Buffer[],
): Buffer[] {
  const head = `{"kind":${JSON.stringify(kind)},"page":${page},"size":${items.length},"total":${total},"items":[`;
  const parts: Buffer[] = [Buffer.from(head)];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  });
  parts.push(LIST_END);
  return parts;
}
