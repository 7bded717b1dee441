/**
 * Client configuration for the test server: a kubeconfig file (so the agent and kubectl can use
 * it) and a ready `KubeConfig` object for `@kubernetes/client-node`.
 */
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

const NAME = 'kube-test-server';

/** The kubeconfig YAML pointing at `url`, with the bearer token if the server requires one. */
export function kubeconfigYaml(url: string, token?: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain HTTP unless TLS verification is explicitly off.
    clusters: [{ name: NAME, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: NAME, user: token === undefined ? {} : { token } }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: NAME, namespace: 'default' } }],
    'current-context': NAME,
  });
}

/** Writes the kubeconfig file (mode 0600: it may hold a token). */
export async function writeKubeconfigFile(path: string, url: string, token?: string): Promise<void> {
  await writeFile(path, kubeconfigYaml(url, token), { mode: 0o600 });
}

/** A `KubeConfig` for `@kubernetes/client-node` pointing at `url`. */
export function kubeConfigFor(url: string, token?: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigYaml(url, token));
  return config;
}
