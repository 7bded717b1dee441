import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MaestroError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { findPackageFile } from '../../common/package-files.ts';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-errors.ts';

const CRD_NAME = 'appliedmanifestworks.work.open-cluster-management.io';
const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`;
const CRD_FILE = 'deploy/crds/appliedmanifestworks.yaml';

/** Options for {@link ensureAppliedManifestWorkCrd}. */
export interface EnsureCrdOptions {
  /** How long to wait for a created CRD to be served; default 30 s. */
  timeoutMs?: number;
  /** Poll interval while waiting; default 200 ms. */
  pollMs?: number;
}

/**
 * Makes sure the AppliedManifestWork CRD the agent records its works in is installed. Upstream expects
 * an operator to install it; we install the packaged `deploy/crds/appliedmanifestworks.yaml` when it is
 * missing (so a bare cluster works out of the box) and wait until the API server serves it. Without
 * the permission to create it, the error says what to apply.
 */
export async function ensureAppliedManifestWorkCrd(
  client: KubeClient,
  logger: Logger,
  options: EnsureCrdOptions = {},
): Promise<void> {
  if (await isServed(client)) return;
  const manifest = parse(readFileSync(findPackageFile(CRD_FILE), 'utf8')) as Record<string, unknown>;
  try {
    await client.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: manifest,
    });
  } catch (err: unknown) {
    throw new MaestroError(
      'FAILED_PRECONDITION',
      `the AppliedManifestWork CRD is not installed and the agent could not create it; apply ${CRD_FILE} to the cluster`,
      { cause: err },
    );
  }
  logger.info({ crd: CRD_NAME }, 'installed the AppliedManifestWork CRD');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await isServed(client))) {
    if (Date.now() > deadline) {
      throw new MaestroError('UNAVAILABLE', `the AppliedManifestWork CRD was created but is not served yet`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
}

async function isServed(client: KubeClient): Promise<boolean> {
  try {
    const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
      method: 'GET',
      path: CRD_PATH,
    });
    return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  } catch (err: unknown) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
