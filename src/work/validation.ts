/**
 * ManifestBundle validation, run by the server before a spec is stored and by the agent before it is
 * applied. It follows upstream (Maestro `pkg/services/validation.go`, sdk-go's work validator and the
 * ManifestWork CRD's enums, protocol.md §4.1) and, unlike upstream, reports every problem at once, each
 * with its JSON path (`manifests[1].kind`), so a user can fix a bundle in one round trip.
 */
import { MaestroError } from '../common/errors.ts';
import {
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  pathSegmentNameProblem,
  qualifiedNameProblem,
} from './k8s-names.ts';
import type { ManifestBundle } from './types.ts';
import { validateDeleteOption, validateExecuter, validateManifestConfigs } from './validation-options.ts';
import { describe, isObject, type ValidationIssue } from './validation-issue.ts';

/** Total annotation size limit (keys plus values), as Kubernetes enforces it. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** RBAC objects are named by path segment rules (e.g. `system:controller:x`), not as DNS subdomains. */
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Every problem of `bundle` (empty when it is valid). */
export function validateManifestBundle(bundle: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(bundle)) {
    issues.push({ path: '', message: `manifest bundle must be a json object, got ${describe(bundle)}` });
    return issues;
  }
  validateManifests(bundle.manifests, issues);
  if (bundle.deleteOption !== undefined && bundle.deleteOption !== null) {
    validateDeleteOption(bundle.deleteOption, 'deleteOption', issues);
  }
  if (bundle.manifestConfigs !== undefined && bundle.manifestConfigs !== null) {
    validateManifestConfigs(bundle.manifestConfigs, 'manifestConfigs', issues);
  }
  if (bundle.executer !== undefined && bundle.executer !== null) {
    validateExecuter(bundle.executer, 'executer', issues);
  }
  return issues;
}

/**
 * Returns `bundle` typed when valid; otherwise throws `INVALID_ARGUMENT` whose message lists every problem
 * and whose `details` hold one `path: message` line per problem.
 */
export function assertValidManifestBundle(bundle: unknown): ManifestBundle {
  const issues = validateManifestBundle(bundle);
  if (issues.length > 0) {
    const details = issues.map(formatIssue);
    throw new MaestroError('INVALID_ARGUMENT', `invalid manifest bundle: ${details.join('; ')}`, { details });
  }
  return bundle as ManifestBundle;
}

/** `path: message` (just the message for a problem of the whole bundle). */
export function formatIssue(issue: ValidationIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

function validateManifests(manifests: unknown, issues: ValidationIssue[]): void {
  if (manifests === undefined || manifests === null) {
    issues.push({ path: 'manifests', message: 'is required' });
    return;
  }
  if (!Array.isArray(manifests)) {
    issues.push({ path: 'manifests', message: `must be an array, got ${describe(manifests)}` });
    return;
  }
  if (manifests.length === 0) {
    issues.push({ path: 'manifests', message: 'must contain at least one manifest' });
    return;
  }
  const seen = new Map<string, number>();
  manifests.forEach((manifest, index) => {
    const path = `manifests[${index}]`;
    if (!isObject(manifest)) {
      issues.push({ path, message: `must be a json object, got ${describe(manifest)}` });
      return;
    }
    validateManifest(manifest, path, issues);
    const identity = manifestIdentity(manifest);
    if (identity === undefined) return;
    const first = seen.get(identity.key);
    if (first === undefined) seen.set(identity.key, index);
    else issues.push({ path, message: `duplicates manifests[${first}] (${identity.text})` });
  });
}

function validateManifest(manifest: Record<string, unknown>, path: string, issues: ValidationIssue[]): void {
  const apiVersion = manifest.apiVersion;
  if (apiVersion === undefined || apiVersion === '')
    issues.push({ path: `${path}.apiVersion`, message: 'is required' });
  else if (typeof apiVersion !== 'string') issues.push(notAString(`${path}.apiVersion`, apiVersion));
  else validateApiVersion(apiVersion, `${path}.apiVersion`, issues);

  const kind = manifest.kind;
  if (kind === undefined || kind === '') issues.push({ path: `${path}.kind`, message: 'is required' });
  else if (typeof kind !== 'string') issues.push(notAString(`${path}.kind`, kind));

  const metadata = manifest.metadata;
  if (metadata === undefined || metadata === null) {
    issues.push({ path: `${path}.metadata`, message: 'is required' });
    return;
  }
  if (!isObject(metadata)) {
    issues.push({ path: `${path}.metadata`, message: `must be a json object, got ${describe(metadata)}` });
    return;
  }
  const group = typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  validateManifestMetadata(metadata, `${path}.metadata`, group === RBAC_GROUP, issues);
}

/** `version` or `group/version`; the group an RFC 1123 subdomain, the version an RFC 1035 label. */
function validateApiVersion(apiVersion: string, path: string, issues: ValidationIssue[]): void {
  const parts = apiVersion.split('/');
  if (parts.length > 2) {
    issues.push({ path, message: `'${apiVersion}' must be 'version' or 'group/version'` });
    return;
  }
  const version = parts.at(-1) as string;
  if (parts.length === 2) {
    const group = parts[0];
    if (group === '') issues.push({ path, message: `group of '${apiVersion}' is empty` });
    else {
      const problem = dns1123SubdomainProblem(group);
      if (problem) issues.push({ path, message: `group ${problem}` });
    }
  }
  if (version === '') issues.push({ path, message: `version of '${apiVersion}' is empty` });
  else {
    const problem = dns1035LabelProblem(version);
    if (problem) issues.push({ path, message: `version ${problem}` });
  }
}

function validateManifestMetadata(
  metadata: Record<string, unknown>,
  path: string,
  isRbacObject: boolean,
  issues: ValidationIssue[],
): void {
  const name = metadata.name;
  if (name === undefined || name === '') issues.push({ path: `${path}.name`, message: 'is required' });
  else if (typeof name !== 'string') issues.push(notAString(`${path}.name`, name));
  else {
    const problem = isRbacObject ? pathSegmentNameProblem(name) : dns1123SubdomainProblem(name);
    if (problem) issues.push({ path: `${path}.name`, message: problem });
  }

  const namespace = metadata.namespace;
  if (namespace !== undefined && namespace !== '') {
    if (typeof namespace !== 'string') issues.push(notAString(`${path}.namespace`, namespace));
    else {
      const problem = dns1123LabelProblem(namespace);
      if (problem) issues.push({ path: `${path}.namespace`, message: problem });
    }
  }

  // Set by the API server or meaningless for an object the agent applies by name.
  for (const field of ['generateName', 'resourceVersion', 'deletionGracePeriodSeconds']) {
    const value = metadata[field];
    if (value !== undefined && value !== null && value !== '') {
      issues.push({ path: `${path}.${field}`, message: 'is forbidden' });
    }
  }

  validateStringMap(metadata.labels, `${path}.labels`, labelValueProblem, issues);
  validateStringMap(metadata.annotations, `${path}.annotations`, undefined, issues);
  if (isObject(metadata.annotations)) {
    const size = Object.entries(metadata.annotations).reduce(
      (total, [key, value]) => total + key.length + (typeof value === 'string' ? value.length : 0),
      0,
    );
    if (size > MAX_ANNOTATIONS_BYTES) {
      issues.push({
        path: `${path}.annotations`,
        message: `total size must be no more than ${MAX_ANNOTATIONS_BYTES} bytes`,
      });
    }
  }
  validateFinalizers(metadata.finalizers, `${path}.finalizers`, issues);
}

function validateStringMap(
  map: unknown,
  path: string,
  valueProblem: ((value: string) => string | undefined) | undefined,
  issues: ValidationIssue[],
): void {
  if (map === undefined || map === null) return;
  if (!isObject(map)) {
    issues.push({ path, message: `must be a json object, got ${describe(map)}` });
    return;
  }
  for (const [key, value] of Object.entries(map)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) issues.push({ path: `${path}['${key}']`, message: `key ${keyProblem}` });
    if (typeof value !== 'string') issues.push(notAString(`${path}['${key}']`, value));
    else if (valueProblem) {
      const problem = valueProblem(value);
      if (problem) issues.push({ path: `${path}['${key}']`, message: problem });
    }
  }
}

function validateFinalizers(finalizers: unknown, path: string, issues: ValidationIssue[]): void {
  if (finalizers === undefined || finalizers === null) return;
  if (!Array.isArray(finalizers)) {
    issues.push({ path, message: `must be an array, got ${describe(finalizers)}` });
    return;
  }
  finalizers.forEach((finalizer, index) => {
    if (typeof finalizer !== 'string') issues.push(notAString(`${path}[${index}]`, finalizer));
    else {
      const problem = qualifiedNameProblem(finalizer);
      if (problem) issues.push({ path: `${path}[${index}]`, message: problem });
    }
  });
}

/** apiVersion/kind/namespace/name of a manifest, when all the parts that identify it are strings. */
function manifestIdentity(manifest: Record<string, unknown>): { key: string; text: string } | undefined {
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  const parts = [manifest.apiVersion, manifest.kind, metadata.namespace ?? '', metadata.name];
  if (!parts.every((part) => typeof part === 'string') || parts[3] === '') return undefined;
  const [apiVersion, kind, namespace, name] = parts as string[];
  return {
    key: JSON.stringify(parts),
    text: `${apiVersion} ${kind} ${namespace === '' ? name : `${namespace}/${name}`}`,
  };
}

function notAString(path: string, value: unknown): ValidationIssue {
  return { path, message: `must be a string, got ${describe(value)}` };
}
