/**
 * The Kubernetes test API server: a stand-in for kube-apiserver that tests (and users without a
 * cluster) drive with a real Kubernetes client. See README.md for what is emulated.
 */
export { startKubeTestServer } from './server.ts';
export type { KubeTestServer, KubeTestServerOptions, ObjectRef, RecordedRequest } from './server.ts';
export type { AccessRule } from './authorization.ts';
export type { DelaySpec, FailureSpec, KubeVerb } from './faults.ts';
export type { KubeObject, ManagedFieldsEntry, OwnerReference } from './types.ts';
export { kubeconfigYaml } from './kubeconfig.ts';
