/**
 * Shared helpers of the Kubernetes test API server conformance suite: start a server with
 * client-node clients, unwrap API errors into their Status body, poll for a condition.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeTestServer, KubeTestServerOptions } from '../../support/kube/index.ts';
import { startKubeTestServer } from '../../support/kube/index.ts';

export { waitFor } from '../../support/wait.ts';

/** A server plus the client-node APIs the suite drives it with. */
export interface KubeEnv {
  server: KubeTestServer;
  kc: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  extensions: k8s.ApiextensionsV1Api;
}

/** Starts a server on port 0 and builds clients for it. */
export async function startEnv(options: KubeTestServerOptions = {}): Promise<KubeEnv> {
  const server = await startKubeTestServer(options);
  const kc = server.kubeConfig();
  return {
    server,
    kc,
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    extensions: kc.makeApiClient(k8s.ApiextensionsV1Api),
  };
}

/** The Status body of a failed call (fails the test when the call succeeds). */
export interface FailedCall {
  code: number;
  status: {
    kind: string;
    apiVersion: string;
    status: string;
    message: string;
    reason: string;
    code: number;
    details?: {
      name?: string;
      group?: string;
      kind?: string;
      causes?: { reason?: string; message?: string; field?: string }[];
      retryAfterSeconds?: number;
    };
  };
  headers: Record<string, string>;
}

/** Awaits a call that must fail with an API error and returns its code and Status body. */
export async function failure(call: Promise<unknown>): Promise<FailedCall> {
  try {
    await call;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body =
        typeof err.body === 'string'
          ? (JSON.parse(err.body) as FailedCall['status'])
          : (err.body as FailedCall['status']);
      return { code: err.code, status: body, headers: err.headers };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** True when a call fails with 404. */
export async function isGone(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (err) {
    if (err instanceof k8s.ApiException && err.code === 404) return true;
    throw err;
  }
}

/** A Deployment manifest with one nginx container. */
export function deployment(
  name: string,
  namespace = 'default',
  extra: Partial<k8s.V1DeploymentSpec> = {},
): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
      },
      ...extra,
    },
  };
}
