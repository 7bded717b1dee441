import { createHash } from 'node:crypto';
import type { AppliedManifestResourceMeta, AppliedManifestWork, ManifestWork } from '../../work/types.ts';
import { APPLIED_MANIFEST_WORK_FINALIZER, WORK_API_VERSION } from '../../work/types.ts';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-errors.ts';
import type { GroupVersionResource, ResourceRef } from './kube-types.ts';
import { semanticEqual } from '../status/json-equal.ts';

/**
 * The AppliedManifestWork (AMW): the agent's cluster-scoped record of one work. Applied objects point
 * at it with an owner reference, and `status.appliedResources` lists their UIDs, which garbage
 * collection and deletion use and which survives agent restarts.
 */

/** Where AMWs live (cluster-scoped, CRD `deploy/crds/appliedmanifestworks.yaml`). */
export const APPLIED_MANIFEST_WORK_GVR: GroupVersionResource = {
  group: 'work.open-cluster-management.io',
  version: 'v1',
  resource: 'appliedmanifestworks',
};

/**
 * Upstream `HubHash`: lowercase hex SHA-256 of the hub host string (gRPC: the broker URL; MQTT: the
 * `brokerHost`; Pub/Sub: the empty string).
 */
export function hubHash(hubHost: string): string {
  return createHash('sha256').update(hubHost, 'utf8').digest('hex');
}

/** `<hubHash>-<workName>`. */
export function appliedManifestWorkName(hash: string, workName: string): string {
  return `${hash}-${workName}`;
}

function amwRef(name: string): ResourceRef {
  return { gvr: APPLIED_MANIFEST_WORK_GVR, name };
}

/** Reads an AMW; undefined when it does not exist. */
export async function getAppliedManifestWork(
  client: KubeClient,
  name: string,
): Promise<AppliedManifestWork | undefined> {
  try {
    return (await client.get(amwRef(name))) as unknown as AppliedManifestWork;
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every AMW on the cluster whose `spec.hubHash` is `hash`. */
export async function listAppliedManifestWorks(
  client: KubeClient,
  hash: string,
): Promise<AppliedManifestWork[]> {
  const list = await client.request<{ items?: AppliedManifestWork[] }>({
    method: 'GET',
    path: '/apis/work.open-cluster-management.io/v1/appliedmanifestworks',
  });
  return (list?.items ?? []).filter((amw) => amw.spec?.hubHash === hash);
}

/**
 * Makes sure the work's AMW exists: creates it (labels copied from the work, our finalizer, spec
 * `{hubHash, agentID, manifestWorkName}`), or merge-patches its spec (uid and resourceVersion as
 * preconditions) when it differs. Labels are never updated after creation, as upstream.
 */
export async function ensureAppliedManifestWork(
  client: KubeClient,
  hash: string,
  agentID: string,
  work: Pick<ManifestWork, 'metadata'>,
): Promise<AppliedManifestWork> {
  const workName = work.metadata.name ?? '';
  const name = appliedManifestWorkName(hash, workName);
  const spec = { hubHash: hash, agentID, manifestWorkName: workName };
  const existing = await getAppliedManifestWork(client, name);
  if (!existing) {
    const created = await client.create(
      { gvr: APPLIED_MANIFEST_WORK_GVR },
      {
        apiVersion: WORK_API_VERSION,
        kind: 'AppliedManifestWork',
        metadata: {
          name,
          ...(work.metadata.labels ? { labels: { ...work.metadata.labels } } : {}),
          finalizers: [APPLIED_MANIFEST_WORK_FINALIZER],
        },
        spec,
      },
    );
    return created as unknown as AppliedManifestWork;
  }
  if (semanticEqual(existing.spec, spec)) return existing;
  const patched = await client.patch(amwRef(name), 'merge', {
    metadata: { uid: existing.metadata.uid, resourceVersion: existing.metadata.resourceVersion },
    spec,
  });
  return patched as unknown as AppliedManifestWork;
}

/** Merge-patches `status.appliedResources` when it differs; returns the (possibly) updated AMW. */
export async function setAppliedResources(
  client: KubeClient,
  amw: AppliedManifestWork,
  appliedResources: AppliedManifestResourceMeta[],
): Promise<AppliedManifestWork> {
  if (semanticEqual(amw.status?.appliedResources ?? [], appliedResources)) return amw;
  const patched = await client.patch(
    amwRef(amw.metadata.name ?? ''),
    'merge',
    { status: { appliedResources } },
    { subresource: 'status' },
  );
  return patched as unknown as AppliedManifestWork;
}

/** Sets (`time`) or clears (`undefined`) `status.evictionStartTime`. */
export async function setEvictionStartTime(
  client: KubeClient,
  name: string,
  time: string | undefined,
): Promise<void> {
  await client.patch(
    amwRef(name),
    'merge',
    { status: { evictionStartTime: time ?? null } },
    { subresource: 'status' },
  );
}

/** Deletes the AMW with default options (its finalizer keeps it until its objects are gone). */
export async function deleteAppliedManifestWork(client: KubeClient, name: string): Promise<void> {
  try {
    await client.delete(amwRef(name));
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
  }
}

/** Removes our finalizer from the AMW (merge patch of the whole finalizer list). */
export async function removeAppliedManifestWorkFinalizer(
  client: KubeClient,
  amw: AppliedManifestWork,
): Promise<void> {
  const finalizers = amw.metadata.finalizers ?? [];
  if (!finalizers.includes(APPLIED_MANIFEST_WORK_FINALIZER)) return;
  try {
    await client.patch(amwRef(amw.metadata.name ?? ''), 'merge', {
      metadata: {
        uid: amw.metadata.uid,
        resourceVersion: amw.metadata.resourceVersion,
        finalizers: finalizers.filter((f) => f !== APPLIED_MANIFEST_WORK_FINALIZER),
      },
    });
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
  }
}
