/**
 * How the client commands print: aligned tables with human times (`5m ago`), or the REST JSON / YAML
 * exactly as the server sent it.
 */
import { stringify as toYaml } from 'yaml';
import type { Condition, Consumer, ResourceBundle, WatchEvent } from '../src/client/index.ts';
import type { OutputFormat } from './client-options.ts';

/** A table: header names and rows of cells. */
export interface Table {
  headers: readonly string[];
  rows: readonly (readonly string[])[];
}

/** Renders `table` with columns padded to their widest cell, separated by three spaces. */
export function renderTable(table: Table): string {
  const widths = table.headers.map((header, i) =>
    Math.max(header.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(table.headers), ...table.rows.map(line)].join('\n') + '\n';
}

/** How long ago `iso` was, as `45s ago`, `5m ago`, `3h ago`, `2d ago`; `-` when unknown. */
export function humanTime(iso: string | undefined, now: Date = new Date()): string {
  if (iso === undefined || iso === '') return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '-';
  const seconds = Math.max(0, Math.floor((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** `k=v,k2=v2`, or `-` for none. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** The true conditions of a status, e.g. `Applied,Available`; `-` when there are none. */
export function formatConditions(conditions: readonly Condition[] | undefined): string {
  const trueOnes = (conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);
  return trueOnes.length === 0 ? '-' : trueOnes.join(',');
}

/** The table of consumers. */
export function consumerTable(consumers: readonly Consumer[], now?: Date): Table {
  return {
    headers: ['ID', 'NAME', 'LABELS', 'CREATED'],
    rows: consumers.map((c) => [c.id, c.name, formatLabels(c.labels), humanTime(c.created_at, now)]),
  };
}

/** The table of resource bundles. */
export function resourceBundleTable(bundles: readonly ResourceBundle[], now?: Date): Table {
  return {
    headers: ['ID', 'NAME', 'CONSUMER', 'VERSION', 'CONDITIONS', 'UPDATED'],
    rows: bundles.map((b) => [
      b.id,
      b.metadata?.name ?? b.name,
      b.consumer_name,
      String(b.version) + (b.deleted_at === undefined ? '' : ' (deleting)'),
      formatConditions(b.status?.conditions),
      humanTime(b.updated_at, now),
    ]),
  };
}

/** The status of one bundle: its conditions, then each manifest's conditions. */
export function statusTables(bundle: ResourceBundle, now?: Date): Table[] {
  const conditions = (list: readonly Condition[] | null | undefined, prefix: string): string[][] =>
    (list ?? []).map((c) => [
      prefix,
      c.type,
      c.status,
      c.reason ?? '',
      humanTime(c.lastTransitionTime, now),
      c.message ?? '',
    ]);
  const rows = conditions(bundle.status?.conditions, 'work');
  for (const resource of bundle.status?.resourceStatus ?? []) {
    const meta = resource.resourceMeta;
    const name = `${meta.kind}/${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
    rows.push(...conditions(resource.conditions, name));
  }
  return [{ headers: ['RESOURCE', 'CONDITION', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], rows }];
}

/** One line per watch event for table output. */
export function watchLine(event: WatchEvent, now: Date = new Date()): string {
  const meta = event.object.metadata;
  return [
    now.toISOString(),
    event.type,
    meta.uid ?? '-',
    meta.namespace ?? '-',
    meta.name ?? '-',
    `v${meta.generation ?? meta.resourceVersion ?? '?'}`,
    formatConditions(event.object.status?.conditions),
  ].join('  ');
}

/** Serialises `value` as JSON (indented) or YAML; `table` renders with `toTables`. */
export function formatOutput(format: OutputFormat, value: unknown, toTables: () => Table[]): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  if (format === 'yaml') return toYaml(value);
  return toTables().map(renderTable).join('\n');
}
