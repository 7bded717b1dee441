/**
 * The built-in resource types the test server serves, with the discovery facts of a real
 * kube-apiserver (plural, singular, short names, verbs, scope, `/status` subresource) and the
 * behaviour flags the write path needs (generation tracking, atomic selectors).
 */
import { builtinSchema } from './list-schema.ts';
import type { ResourceType } from './types.ts';

/** The verbs of an ordinary stored resource. */
export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;

interface BuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  service?: boolean;
  atomicSelector?: boolean;
  verbs?: readonly string[];
  stored?: boolean;
}

const SPECS: readonly BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    service: true,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    shortNames: ['pvc'],
    status: true,
  },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
  ...(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet'] as const).map((kind): BuiltinSpec => ({
    group: 'apps',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: true,
    shortNames: [{ Deployment: 'deploy', DaemonSet: 'ds', StatefulSet: 'sts', ReplicaSet: 'rs' }[kind]],
    categories: ['all'],
    status: true,
    generation: true,
    atomicSelector: true,
  })),
  {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    namespaced: true,
    categories: ['all'],
    status: true,
    generation: true,
    atomicSelector: true,
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
    generation: true,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    status: true,
    generation: true,
    atomicSelector: true,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
    generation: true,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SubjectAccessReview',
    plural: 'subjectaccessreviews',
    namespaced: false,
    verbs: ['create'],
    stored: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
    verbs: ['create'],
    stored: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'LocalSubjectAccessReview',
    plural: 'localsubjectaccessreviews',
    namespaced: true,
    verbs: ['create'],
    stored: false,
  },
];

/** Every built-in resource type, in discovery order. */
export const BUILTIN_RESOURCES: readonly ResourceType[] = SPECS.map((spec) => ({
  group: spec.group,
  version: spec.version,
  kind: spec.kind,
  listKind: `${spec.kind}List`,
  plural: spec.plural,
  singular: spec.kind.toLowerCase(),
  namespaced: spec.namespaced,
  ...(spec.shortNames === undefined ? {} : { shortNames: spec.shortNames }),
  ...(spec.categories === undefined ? {} : { categories: spec.categories }),
  verbs: spec.verbs ?? STANDARD_VERBS,
  statusSubresource: spec.status === true,
  tracksGeneration: spec.generation === true,
  custom: false,
  stored: spec.stored !== false,
  schema: builtinSchema({ service: spec.service === true, atomicSelector: spec.atomicSelector === true }),
}));
