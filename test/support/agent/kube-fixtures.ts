/**
 * Helpers the agent's integration and e2e tests share: installing the AppliedManifestWork CRD from
 * `deploy/crds/` into the Kubernetes test API server (as the agent chart does), making a Deployment
 * look rolled out (the test server runs no Deployment controller), and polling with a deadline.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, stringify } from 'yaml';
import { kubeconfigYaml } from '../kube/index.ts';
import type { KubeTestServer } from '../kube/index.ts';
import { waitFor as waitForCondition } from '../wait.ts';

const CRD_PATH = new URL('../../../deploy/crds/appliedmanifestworks.yaml', import.meta.url);

async function kubeRequest(
  server: KubeTestServer,
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': contentType,
      ...(server.token ? { authorization: `Bearer ${server.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Creates the AppliedManifestWork CRD and waits until its resource is served. */
export async function installAppliedManifestWorkCrd(server: KubeTestServer): Promise<void> {
  const crd = parseYaml(readFileSync(CRD_PATH, 'utf8')) as unknown;
  await kubeRequest(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  await waitFor('the AppliedManifestWork resource to be served', async () => {
    const response = await fetch(
      `${server.url}/apis/work.open-cluster-management.io/v1/appliedmanifestworks`,
      {
        headers: server.token ? { authorization: `Bearer ${server.token}` } : {},
      },
    );
    return response.ok;
  });
}

/** Sets a Deployment's status as its controller would once `replicas` pods are up and available. */
export async function markDeploymentAvailable(
  server: KubeTestServer,
  namespace: string,
  name: string,
  replicas = 1,
): Promise<void> {
  await kubeRequest(
    server,
    'PATCH',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`,
    {
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
        ],
      },
    },
    'application/merge-patch+json',
  );
}

/** {@link waitForCondition} with the agent tests' argument order (what first). */
export function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  return waitForCondition(probe, what, timeoutMs);
}

/**
 * The test server's kubeconfig with `insecure-skip-tls-verify: true` on the cluster: client-node refuses
 * a plain `http://` server otherwise (kubectl does not), and the test server speaks plain HTTP.
 */
export function agentKubeconfigYaml(server: KubeTestServer): string {
  const config = parseYaml(kubeconfigYaml(server.url, server.token)) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  for (const entry of config.clusters) entry.cluster['insecure-skip-tls-verify'] = true;
  return stringify(config);
}

/** {@link agentKubeconfigYaml} as a client-node `KubeConfig`. */
export function agentKubeConfig(server: KubeTestServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(agentKubeconfigYaml(server));
  return kc;
}

/** Writes {@link agentKubeconfigYaml} to `path` (mode 0600). */
export async function writeAgentKubeconfig(server: KubeTestServer, path: string): Promise<void> {
  await writeFile(path, agentKubeconfigYaml(server), { mode: 0o600 });
}
