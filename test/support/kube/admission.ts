/**
 * Checks and mutations the real API server applies on writes beyond defaulting: name validation,
 * namespace lifecycle (missing namespace → 404, terminating namespace → 403), the finalizer rule
 * for objects being deleted, workload selector checks, Service cluster IPs, Job selectors, and CRD
 * naming rules. Each failure is the Status error a cluster returns.
 */
import type { FieldError } from './errors.ts';
import { forbidden, invalid, notFound } from './errors.ts';
import type { JsonObject, KubeObject, ResourceType } from './types.ts';
import { isJsonObject, jsonEqual } from './types.ts';

const NAMESPACES = { group: '', plural: 'namespaces' };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function nameError(resource: ResourceType, name: string): string | undefined {
  if (resource.kind === 'Namespace') {
    if (name.length <= 63 && DNS_LABEL.test(name)) return undefined;
    return (
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and ` +
      `end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
    );
  }
  if (resource.kind === 'Service') {
    if (name.length <= 63 && DNS_1035_LABEL.test(name)) return undefined;
    return (
      `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic ` +
      `character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`
    );
  }
  if (resource.group === 'rbac.authorization.k8s.io') {
    return name.includes('/') || name.includes('%') || name === '.' || name === '..'
      ? `may not contain '/' or '%'`
      : undefined;
  }
  if (name.length <= 253 && DNS_SUBDOMAIN.test(name)) return undefined;
  return (
    `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start ` +
    `and end with an alphanumeric character (e.g. 'example.com', regex used for validation is ` +
    `'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`
  );
}

/** 422 when the object has no usable name. */
export function validateName(resource: ResourceType, object: KubeObject): void {
  const name = object.metadata.name ?? '';
  if (name === '') {
    throw invalid(resource, '', [
      {
        field: 'metadata.name',
        reason: 'FieldValueRequired',
        detail: 'Required value: name or generateName is required',
      },
    ]);
  }
  const problem = nameError(resource, name);
  if (problem !== undefined) {
    throw invalid(resource, name, [
      { field: 'metadata.name', reason: 'FieldValueInvalid', detail: `Invalid value: "${name}": ${problem}` },
    ]);
  }
}

/**
 * The namespace lifecycle admission: creating in a missing namespace is 404 NotFound for the
 * namespace; creating in a terminating one is 403 Forbidden.
 */
export function checkNamespaceForCreate(
  resource: ResourceType,
  name: string,
  namespace: KubeObject | undefined,
  namespaceName: string,
): void {
  if (namespace === undefined) throw notFound(NAMESPACES, namespaceName);
  if (namespace.metadata.deletionTimestamp !== undefined) {
    throw forbidden(
      resource,
      name,
      `unable to create new content in namespace ${namespaceName} because it is being terminated`,
      [
        {
          reason: 'NamespaceTerminating',
          message: `namespace ${namespaceName} is being terminated`,
          field: 'metadata.namespace',
        },
      ],
    );
  }
}

/** 422 when an update adds finalizers to an object that is being deleted. */
export function checkFinalizersOnDeletingObject(
  resource: ResourceType,
  before: KubeObject,
  after: KubeObject,
): void {
  if (before.metadata.deletionTimestamp === undefined) return;
  const existing = new Set(before.metadata.finalizers ?? []);
  const added = (after.metadata.finalizers ?? []).filter((f) => !existing.has(f));
  if (added.length > 0) {
    throw invalid(resource, before.metadata.name ?? '', [
      {
        field: 'metadata.finalizers',
        reason: 'FieldValueForbidden',
        detail:
          'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{' +
          added.map((f) => JSON.stringify(f)).join(', ') +
          '}',
      },
    ]);
  }
}

function goMap(map: JsonObject): string {
  return `map[string]string{${Object.entries(map)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Workload checks: `spec.selector` is required and must match the template labels. */
function validateWorkload(resource: ResourceType, object: KubeObject): FieldError[] {
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const selector = isJsonObject(spec.selector) ? spec.selector : undefined;
  if (selector === undefined)
    return [{ field: 'spec.selector', reason: 'FieldValueRequired', detail: 'Required value' }];
  const template = isJsonObject(spec.template) ? spec.template : {};
  const templateMeta = isJsonObject(template.metadata) ? template.metadata : {};
  const labels = isJsonObject(templateMeta.labels) ? (templateMeta.labels as Record<string, string>) : {};
  const matchLabels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  const matches = Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
  const hasTerms =
    Object.keys(matchLabels).length > 0 ||
    (Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0);
  if (!hasTerms) {
    return [
      {
        field: 'spec.selector',
        reason: 'FieldValueInvalid',
        detail: `Invalid value: "null": empty selector is invalid for ${resource.kind.toLowerCase()}`,
      },
    ];
  }
  if (!matches) {
    return [
      {
        field: 'spec.template.metadata.labels',
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``,
      },
    ];
  }
  return [];
}

/** CRD checks: the name is `<plural>.<group>` and exactly one version is the storage version. */
function validateCrd(object: KubeObject): FieldError[] {
  const spec = isJsonObject(object.spec) ? object.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const errors: FieldError[] = [];
  const expected = `${String(names.plural ?? '')}.${String(spec.group ?? '')}`;
  if (object.metadata.name !== expected) {
    errors.push({
      field: 'metadata.name',
      reason: 'FieldValueInvalid',
      detail: `Invalid value: "${object.metadata.name}": must be spec.names.plural+"."+spec.group`,
    });
  }
  if (typeof names.kind !== 'string' || names.kind === '') {
    errors.push({ field: 'spec.names.kind', reason: 'FieldValueRequired', detail: 'Required value' });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  if (versions.filter((v) => v.storage === true).length !== 1) {
    errors.push({
      field: 'spec.versions',
      reason: 'FieldValueInvalid',
      detail: 'Invalid value: must have exactly one version marked as storage version',
    });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errors.push({
      field: 'spec.scope',
      reason: 'FieldValueNotSupported',
      detail: `Unsupported value: "${String(spec.scope ?? '')}": supported values: "Cluster", "Namespaced"`,
    });
  }
  return errors;
}

/** Kind-specific validation of a new or updated object; throws 422 Invalid. */
export function validateObject(resource: ResourceType, object: KubeObject): void {
  let errors: FieldError[] = [];
  if (resource.group === 'apps') errors = validateWorkload(resource, object);
  if (resource.group === 'apiextensions.k8s.io') errors = validateCrd(object);
  if (errors.length > 0) throw invalid(resource, object.metadata.name ?? '', errors);
}

let nextServiceIp = 1;

/** Creation-time mutations that need the object's identity: Service cluster IPs, Job selectors. */
export function mutateOnCreate(resource: ResourceType, object: KubeObject): void {
  const spec = isJsonObject(object.spec) ? object.spec : undefined;
  if (spec === undefined || resource.custom) return;
  if (resource.kind === 'Service' && spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
    const n = nextServiceIp++;
    const ip = `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  if (
    resource.kind === 'Job' &&
    resource.group === 'batch' &&
    spec.manualSelector !== true &&
    spec.selector === undefined
  ) {
    const uid = object.metadata.uid ?? '';
    const name = object.metadata.name ?? '';
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const template = isJsonObject(spec.template) ? spec.template : {};
    const meta = isJsonObject(template.metadata) ? template.metadata : {};
    meta.labels = {
      ...(isJsonObject(meta.labels) ? meta.labels : {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
    template.metadata = meta;
    spec.template = template;
  }
}

/** Update-time mutations: a Service keeps its allocated cluster IPs when the update omits them. */
export function mutateOnUpdate(resource: ResourceType, before: KubeObject, after: KubeObject): void {
  if (resource.custom || resource.kind !== 'Service') return;
  const oldSpec = isJsonObject(before.spec) ? before.spec : {};
  const newSpec = isJsonObject(after.spec) ? after.spec : undefined;
  if (newSpec === undefined) return;
  if (newSpec.clusterIP === undefined || newSpec.clusterIP === '') {
    if (oldSpec.clusterIP !== undefined) newSpec.clusterIP = oldSpec.clusterIP;
    if (
      oldSpec.clusterIPs !== undefined &&
      (newSpec.clusterIPs === undefined || jsonEqual(newSpec.clusterIPs, []))
    ) {
      newSpec.clusterIPs = oldSpec.clusterIPs;
    }
  }
}
