/**
 * DELETE semantics: `DeleteOptions` preconditions (uid, resourceVersion → 409), propagation
 * policies (Orphan and Foreground add the `orphan` / `foregroundDeletion` finalizers the garbage
 * collector works from), finalizers that keep an object readable with `deletionTimestamp` until
 * they are removed, and the special two-step deletion of Namespaces and CRDs.
 */
import type { Status } from './errors.ts';
import { badRequest, conflict, invalid, notFound, preconditionFailure, successStatus } from './errors.ts';
import { present } from './presentation.ts';
import type { ResourceService } from './resource-service.ts';
import { storageKey } from './request-objects.ts';
import { resourceKey } from './store.ts';
import type { Json, KubeObject, ResourceType } from './types.ts';
import { isJsonObject, timestampNow } from './types.ts';

/** The finalizer a Foreground deletion adds. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The finalizer an Orphan deletion adds. */
export const ORPHAN_FINALIZER = 'orphan';
/** The finalizer the apiextensions server adds to a CRD being deleted. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** `metav1.DeleteOptions` as far as the server uses it. */
export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

/** Reads DeleteOptions from a JSON body (query parameters are merged in by the caller). */
export function parseDeleteOptions(body: Json | undefined): DeleteOptions {
  if (body === undefined || body === null) return {};
  if (!isJsonObject(body)) throw badRequest('the DeleteOptions body must be an object');
  const options: DeleteOptions = {};
  if (typeof body.propagationPolicy === 'string') options.propagationPolicy = body.propagationPolicy;
  if (typeof body.orphanDependents === 'boolean') options.orphanDependents = body.orphanDependents;
  if (typeof body.gracePeriodSeconds === 'number') options.gracePeriodSeconds = body.gracePeriodSeconds;
  if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) options.dryRun = true;
  if (isJsonObject(body.preconditions)) {
    const p = body.preconditions;
    options.preconditions = {};
    if (typeof p.uid === 'string') options.preconditions.uid = p.uid;
    if (typeof p.resourceVersion === 'string') options.preconditions.resourceVersion = p.resourceVersion;
  }
  return options;
}

/** Kinds whose DELETE answers with the deleted object instead of a success Status. */
const RETURNS_DELETED_OBJECT = new Set(['/Pod', '/Service']);

function policyOf(options: DeleteOptions): string {
  if (options.propagationPolicy !== undefined) {
    if (!['Orphan', 'Background', 'Foreground'].includes(options.propagationPolicy)) {
      throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
        {
          field: 'propagationPolicy',
          reason: 'FieldValueNotSupported',
          detail: `Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    return options.propagationPolicy;
  }
  if (options.orphanDependents !== undefined) return options.orphanDependents ? 'Orphan' : 'Background';
  return 'Background';
}

/** The answer to a DELETE: the object (still there, or for some kinds gone) or a success Status. */
export type DeleteResult = KubeObject | Status;

/** Deletes an object with the real server's rules. */
export function deleteObject(
  service: ResourceService,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
): DeleteResult {
  const live = service.find(resource, namespace, name);
  if (live === undefined) throw notFound(resource, name);
  const key = storageKey(resource, live.metadata.namespace, name);
  const want = options.preconditions;
  if (want?.uid !== undefined && want.uid !== live.metadata.uid) {
    throw conflict(resource, name, preconditionFailure(key, 'UID', want.uid, live.metadata.uid ?? ''));
  }
  if (want?.resourceVersion !== undefined && want.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      resource,
      name,
      preconditionFailure(key, 'ResourceVersion', want.resourceVersion, live.metadata.resourceVersion ?? ''),
    );
  }
  const policy = policyOf(options);
  const next: KubeObject = structuredClone(live);
  const finalizers = new Set(next.metadata.finalizers ?? []);
  if (policy === 'Orphan') finalizers.add(ORPHAN_FINALIZER);
  if (policy === 'Foreground') finalizers.add(FOREGROUND_FINALIZER);
  if (resource.group === 'apiextensions.k8s.io' && resource.kind === 'CustomResourceDefinition') {
    finalizers.add(CRD_CLEANUP_FINALIZER);
    markCrdTerminating(next);
  }
  const namespaceFinalizers =
    resource.kind === 'Namespace' &&
    resource.group === '' &&
    isJsonObject(next.spec) &&
    Array.isArray(next.spec.finalizers)
      ? next.spec.finalizers
      : [];
  if (resource.kind === 'Namespace' && resource.group === '') {
    next.status = { ...(isJsonObject(next.status) ? next.status : {}), phase: 'Terminating' };
  }
  if (finalizers.size > 0 || namespaceFinalizers.length > 0) {
    next.metadata.deletionTimestamp ??= timestampNow();
    next.metadata.deletionGracePeriodSeconds ??= 0;
    if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
    if (options.dryRun === true) return present(resource, next);
    // Namespace and CRD removal are driven by their controllers once their contents are gone.
    return service.persist(resource, next);
  }
  if (options.dryRun === true) return present(resource, live);
  const removed = service.store.remove(resourceKey(resource), live.metadata.namespace, name) as KubeObject;
  if (RETURNS_DELETED_OBJECT.has(`${resource.group}/${resource.kind}`)) return present(resource, removed);
  const details =
    resource.group === ''
      ? { name, kind: resource.plural, uid: live.metadata.uid ?? '' }
      : { name, group: resource.group, kind: resource.plural, uid: live.metadata.uid ?? '' };
  return successStatus(details);
}

function markCrdTerminating(crd: KubeObject): void {
  const status = isJsonObject(crd.status) ? crd.status : {};
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter(
    (c) => !(isJsonObject(c) && c.type === 'Terminating'),
  );
  conditions.push({
    type: 'Terminating',
    status: 'True',
    lastTransitionTime: timestampNow(),
    reason: 'InstanceDeletionPending',
    message: 'CustomResourceDefinition marked for deletion; instance deletion pending',
  });
  crd.status = { ...status, conditions };
}
