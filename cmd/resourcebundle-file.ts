/**
 * Reads what `maestro resourcebundle apply -f` is given: a ResourceBundle (REST shape) or a
 * ManifestWork, as JSON or YAML, from a file or standard input.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidError } from '../src/client/index.ts';
import type { ManifestWork, ResourceBundleInput } from '../src/client/index.ts';

/** The parsed document. */
export type ApplyDocument =
  { kind: 'ResourceBundle'; bundle: ResourceBundleInput } | { kind: 'ManifestWork'; work: ManifestWork };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses `text` (JSON is YAML too) and classifies it: `kind: ManifestWork` or a `spec.workload` →
 * ManifestWork (it needs `metadata.name`); `kind: ResourceBundle` or a `manifests` list →
 * ResourceBundle (it needs `consumer_name` and a manifest). Throws {@link InvalidError} naming `origin`.
 */
export function parseApplyDocument(text: string, origin: string): ApplyDocument {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new InvalidError(
      `${origin} is not valid JSON or YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!isObject(value)) throw new InvalidError(`${origin} must hold one JSON or YAML object`);
  const spec = value.spec;
  if (value.kind === 'ManifestWork' || (isObject(spec) && isObject(spec.workload))) {
    const metadata = isObject(value.metadata) ? value.metadata : {};
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw new InvalidError(`${origin}: the manifestwork needs metadata.name`);
    }
    if (!isObject(spec) || !isObject(spec.workload)) {
      throw new InvalidError(`${origin}: the manifestwork needs spec.workload.manifests`);
    }
    return { kind: 'ManifestWork', work: value as unknown as ManifestWork };
  }
  if (value.kind === 'ResourceBundle' || Array.isArray(value.manifests)) {
    if (typeof value.consumer_name !== 'string' || value.consumer_name === '') {
      throw new InvalidError(`${origin}: the resource bundle needs consumer_name`);
    }
    if (!Array.isArray(value.manifests) || value.manifests.length === 0) {
      throw new InvalidError(`${origin}: the resource bundle needs at least one manifest`);
    }
    if (value.version !== undefined && !Number.isSafeInteger(value.version)) {
      throw new InvalidError(`${origin}: version must be an integer`);
    }
    return { kind: 'ResourceBundle', bundle: value as unknown as ResourceBundleInput };
  }
  throw new InvalidError(`${origin} is neither a ResourceBundle nor a ManifestWork`);
}

/** Reads `path` (`-` for standard input) and parses it with {@link parseApplyDocument}. */
export async function readApplyDocument(path: string): Promise<ApplyDocument> {
  let text: string;
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new InvalidError(`cannot read '${path}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return parseApplyDocument(text, path === '-' ? 'standard input' : `'${path}'`);
}
