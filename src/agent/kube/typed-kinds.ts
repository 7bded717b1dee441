import { createHash } from 'node:crypto';
import { MaestroError } from '../../common/errors.ts';
import { goSortedJson } from '../../work/go-json.ts';
import { semanticEqual } from '../status/json-equal.ts';
import type { KubeObject } from './kube-types.ts';
import { cloneJson, parseApiVersion } from './kube-types.ts';
import { ensureObjectMeta } from './object-meta-merge.ts';

/**
 * The kinds library-go applies with a typed applier under the `Update` strategy, and what each one
 * reconciles beyond metadata. Every other kind goes through the unstructured path (full PUT).
 */

/** What a typed applier decided for an existing object. */
export interface TypedDecision {
  /** The object to PUT, or undefined when the live object already matches. */
  update?: KubeObject;
  /** The change touches an immutable field: delete the live object and create `update` instead. */
  recreate?: boolean;
}

interface TypedKind {
  /** Top-level fields replaced from the manifest when they differ (typed zero values compare equal). */
  fields: readonly string[];
  /** Fields whose change needs a delete and re-create. */
  immutable?: readonly string[];
  /** Sets `operator.openshift.io/spec-hash` from the spec (Service, CSIDriver). */
  specHash?: boolean;
}

const METADATA_ONLY: TypedKind = { fields: [] };
const SPEC: TypedKind = { fields: ['spec'] };

const TYPED_KINDS: Readonly<Record<string, TypedKind>> = {
  'v1/Namespace': METADATA_ONLY,
  'v1/Pod': METADATA_ONLY,
  'v1/ServiceAccount': METADATA_ONLY,
  'v1/ConfigMap': { fields: ['data', 'binaryData'] },
  'v1/Secret': { fields: ['data', 'type'], immutable: ['type'] },
  'v1/Service': { fields: ['spec'], specHash: true },
  'networking.k8s.io/v1/NetworkPolicy': SPEC,
  'rbac.authorization.k8s.io/v1/ClusterRole': { fields: ['rules', 'aggregationRule'] },
  'rbac.authorization.k8s.io/v1/Role': { fields: ['rules'] },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    fields: ['subjects', 'roleRef'],
    immutable: ['roleRef'],
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': { fields: ['subjects', 'roleRef'], immutable: ['roleRef'] },
  'policy/v1/PodDisruptionBudget': SPEC,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': SPEC,
  'storage.k8s.io/v1/StorageClass': {
    fields: [
      'provisioner',
      'parameters',
      'reclaimPolicy',
      'mountOptions',
      'allowVolumeExpansion',
      'volumeBindingMode',
      'allowedTopologies',
    ],
    immutable: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
  },
  'storage.k8s.io/v1/CSIDriver': { fields: ['spec'], immutable: ['spec'], specHash: true },
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': { fields: ['webhooks'] },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': { fields: ['webhooks'] },
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': SPEC,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': SPEC,
  'admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicy': SPEC,
  'admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicyBinding': SPEC,
  'migration.k8s.io/v1alpha1/StorageVersionMigration': SPEC,
  'monitoring.coreos.com/v1/ServiceMonitor': SPEC,
  'monitoring.coreos.com/v1/PrometheusRule': SPEC,
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': SPEC,
};

/** Annotation holding the SHA-256 of a Service's or CSIDriver's spec. */
export const SPEC_HASH_ANNOTATION = 'operator.openshift.io/spec-hash';

function typedKindOf(object: KubeObject): TypedKind | undefined {
  return TYPED_KINDS[`${object.apiVersion ?? ''}/${object.kind ?? ''}`];
}

/** True when library-go has a typed applier for this manifest's apiVersion and kind. */
export function isTypedKind(object: KubeObject): boolean {
  return typedKindOf(object) !== undefined;
}

/**
 * Normalises a typed manifest before it is applied: folds a Secret's `stringData` into `data` (an
 * error when both set a key differently) and stamps the spec hash annotation where library-go does.
 */
export function prepareTypedManifest(required: KubeObject): KubeObject {
  const kind = typedKindOf(required);
  const copy = cloneJson(required);
  if (copy.kind === 'Secret' && parseApiVersion(copy.apiVersion).group === '') foldStringData(copy);
  if (kind?.specHash) {
    const hash = createHash('sha256')
      .update(goSortedJson(copy.spec ?? {}))
      .digest('hex');
    copy.metadata = {
      ...copy.metadata,
      annotations: { ...copy.metadata?.annotations, [SPEC_HASH_ANNOTATION]: hash },
    };
  }
  return copy;
}

function foldStringData(secret: KubeObject): void {
  const stringData = (secret.stringData ?? {}) as Record<string, string>;
  const data = { ...((secret.data ?? {}) as Record<string, string>) };
  for (const [key, value] of Object.entries(stringData)) {
    const encoded = Buffer.from(value, 'utf8').toString('base64');
    if (key in data && data[key] !== encoded) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `Secret.stringData["${key}"] conflicts with Secret.data["${key}"]`,
      );
    }
    data[key] = encoded;
  }
  delete secret.stringData;
  if (Object.keys(data).length > 0) secret.data = data;
  if (!secret.type) secret.type = 'Opaque';
}

/**
 * Compares a prepared manifest with the live object of a typed kind, as library-go's typed appliers:
 * metadata is merged (labels, annotations, owners), the kind's fields are replaced when they differ,
 * and nothing is written when neither changed.
 */
export function decideTypedUpdate(required: KubeObject, live: KubeObject): TypedDecision {
  const kind = typedKindOf(required);
  if (!kind) throw new MaestroError('INTERNAL', `unhandled type ${required.apiVersion}/${required.kind}`);
  const { merged, modified } = ensureObjectMeta(live, required);
  const changed = kind.fields.filter(
    (field) => !sameField(required.kind, field, required[field], live[field]),
  );
  if (!modified && changed.length === 0) return {};
  for (const field of kind.fields) {
    if (required[field] === undefined) delete merged[field];
    else merged[field] = cloneJson(required[field]);
  }
  if (required.kind === 'Service') keepAllocatedServiceFields(merged, live);
  const recreate = changed.some((field) => kind.immutable?.includes(field));
  return { update: merged, recreate };
}

function sameField(kind: string | undefined, field: string, required: unknown, live: unknown): boolean {
  // The API server defaults an empty Service type to ClusterIP and an empty Secret type to Opaque.
  if (kind === 'Secret' && field === 'type') return (required || 'Opaque') === (live || 'Opaque');
  if (kind === 'Service' && field === 'spec') return sameServiceSpec(required, live);
  return semanticEqual(required, live);
}

function sameServiceSpec(required: unknown, live: unknown): boolean {
  const want = (required ?? {}) as Record<string, unknown>;
  const have = (live ?? {}) as Record<string, unknown>;
  const typeSame = (want.type || 'ClusterIP') === (have.type || 'ClusterIP');
  // Beyond selector and type, a spec change shows up as a new spec-hash annotation (metadata change).
  return typeSame && semanticEqual(want.selector, have.selector);
}

/** The API server allocates these; a PUT that omits them must keep the live values. */
function keepAllocatedServiceFields(merged: KubeObject, live: KubeObject): void {
  const spec = (merged.spec ??= {}) as Record<string, unknown>;
  const liveSpec = (live.spec ?? {}) as Record<string, unknown>;
  for (const field of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort']) {
    if (spec[field] === undefined && liveSpec[field] !== undefined) spec[field] = liveSpec[field];
  }
}
