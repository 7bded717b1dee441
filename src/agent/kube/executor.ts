import { MaestroError } from '../../common/errors.ts';
import type { ManifestWorkExecutor } from '../../work/types.ts';
import type { KubeClient } from './kube-client.ts';
import { isAlreadyExists, isForbidden } from './kube-errors.ts';
import type { KubeObject, ResourceRef } from './kube-types.ts';
import { cloneJson } from './kube-types.ts';

/** How long upstream waits before retrying a manifest whose executor was denied. */
export const EXECUTOR_RETRY_MS = 60_000;

/**
 * The executor may not apply this manifest. Reported as `Applied`=False; upstream does not count it as a
 * sync error and requeues the work after {@link EXECUTOR_RETRY_MS}.
 */
export class ExecutorNotAllowedError extends MaestroError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
    this.name = 'ExecutorNotAllowedError';
  }
}

const ESCALATION_CHECKED = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);

/**
 * Checks that the work's executor may apply one manifest (upstream's SubjectAccessReview validator):
 * nothing to check without an executor; only `ServiceAccount` subjects are supported; one
 * SubjectAccessReview per verb (`create`, `update`, `patch`, `get`, plus `delete` when the work owns the
 * object) stopping at the first denial; for RBAC kinds also a `dryRun=All` create impersonating the
 * service account (403 = escalation, AlreadyExists = allowed).
 */
export async function validateExecutor(
  client: KubeClient,
  executor: ManifestWorkExecutor | undefined,
  ref: ResourceRef,
  manifest: KubeObject,
  owned: boolean,
): Promise<void> {
  if (!executor) return;
  const subject = executor.subject;
  if (subject?.type !== 'ServiceAccount') {
    throw new MaestroError('INVALID_ARGUMENT', 'only support ServiceAccount type for the executor');
  }
  const sa = subject.serviceAccount;
  if (!sa) throw new MaestroError('INVALID_ARGUMENT', 'the executor service account is nil');
  const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  const groups = ['system:serviceaccounts', 'system:authenticated', `system:serviceaccounts:${sa.namespace}`];
  const denied = new ExecutorNotAllowedError(
    `not allowed to apply the resource ${ref.gvr.group} ${ref.gvr.resource}, ${ref.namespace ?? ''} ${ref.name}, will try again in 1m0s`,
  );
  const verbs = ['create', 'update', 'patch', 'get', ...(owned ? ['delete'] : [])];
  for (const verb of verbs) {
    const review = await client.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          resourceAttributes: {
            group: ref.gvr.group,
            version: ref.gvr.version,
            resource: ref.gvr.resource,
            namespace: ref.namespace ?? '',
            name: ref.name,
            verb,
          },
          user,
          groups,
        },
      },
    });
    if (!review?.status?.allowed) throw denied;
  }
  if (ref.gvr.group === 'rbac.authorization.k8s.io' && ESCALATION_CHECKED.has(ref.gvr.resource)) {
    try {
      await client.create(ref, cloneJson(manifest), { dryRun: 'All', headers: { 'Impersonate-User': user } });
    } catch (err: unknown) {
      if (isForbidden(err)) throw denied;
      if (!isAlreadyExists(err)) throw err;
    }
  }
}
