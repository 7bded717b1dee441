import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { MaestroError } from '../../common/errors.ts';

/** Options for {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /** `--kubeconfig`: a kubeconfig file path. Empty means in-cluster, else `KUBECONFIG` / `~/.kube/config`. */
  kubeconfig?: string;
  /** The process environment consulted for in-cluster detection (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads the spoke cluster's client configuration the way upstream's `--kubeconfig` works: an explicit
 * file wins; otherwise the in-cluster service account when the agent runs in a pod; otherwise the
 * `KUBECONFIG` variable or `~/.kube/config`.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) {
      kc.loadFromFile(options.kubeconfig);
    } else if (isInCluster(options)) {
      kc.loadFromCluster();
    } else {
      kc.loadFromDefault();
    }
  } catch (err: unknown) {
    throw new MaestroError('INVALID_ARGUMENT', `kubeconfig '${options.kubeconfig ?? ''}' cannot be loaded`, {
      cause: err,
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new MaestroError('INVALID_ARGUMENT', 'kubeconfig has no current cluster');
  }
  return kc;
}

function isInCluster(options: LoadKubeConfigOptions): boolean {
  const env = options.env ?? process.env;
  return (
    Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) && existsSync(SERVICE_ACCOUNT_TOKEN)
  );
}
