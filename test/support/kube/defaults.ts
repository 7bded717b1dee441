/**
 * What the real API server fills in on writes, per kind: defaulted fields (Deployment strategy,
 * container pull policy, Service type, …), the status a new object starts with, Secret
 * `stringData` folding, and the rule for when `metadata.generation` moves.
 * Defaulted fields are nobody's under server-side apply, as on a real cluster.
 */
import type { Json, JsonObject, KubeObject, ResourceType } from './types.ts';
import { isJsonObject, jsonEqual } from './types.ts';

function setDefault(target: JsonObject, key: string, value: Json): void {
  if (target[key] === undefined) target[key] = value;
}

function objectAt(target: JsonObject, key: string): JsonObject | undefined {
  const value = target[key];
  return isJsonObject(value) ? value : undefined;
}

function pullPolicyFor(image: Json | undefined): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainers(list: Json | undefined): void {
  if (!Array.isArray(list)) return;
  for (const container of list) {
    if (!isJsonObject(container)) continue;
    setDefault(container, 'terminationMessagePath', '/dev/termination-log');
    setDefault(container, 'terminationMessagePolicy', 'File');
    setDefault(container, 'imagePullPolicy', pullPolicyFor(container.image));
    setDefault(container, 'resources', {});
    if (Array.isArray(container.ports)) {
      for (const port of container.ports) if (isJsonObject(port)) setDefault(port, 'protocol', 'TCP');
    }
  }
}

function defaultPodSpec(spec: JsonObject | undefined, restartPolicy: string | undefined): void {
  if (spec === undefined) return;
  if (restartPolicy !== undefined) setDefault(spec, 'restartPolicy', restartPolicy);
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

function podTemplateSpec(spec: JsonObject | undefined): JsonObject | undefined {
  const template = spec === undefined ? undefined : objectAt(spec, 'template');
  return template === undefined ? undefined : objectAt(template, 'spec');
}

type Defaulter = (object: JsonObject, spec: JsonObject | undefined) => void;

const DEFAULTERS: Record<string, Defaulter> = {
  '/Namespace': (object, spec) => {
    const metadata = object.metadata as JsonObject;
    const labels = (objectAt(metadata, 'labels') ?? {}) as JsonObject;
    labels['kubernetes.io/metadata.name'] = metadata.name ?? null;
    metadata.labels = labels;
    const namespaceSpec = spec ?? {};
    setDefault(namespaceSpec, 'finalizers', ['kubernetes']);
    object.spec = namespaceSpec;
  },
  '/Secret': (object) => {
    setDefault(object, 'type', 'Opaque');
    const stringData = objectAt(object, 'stringData');
    if (stringData !== undefined) {
      const data = (objectAt(object, 'data') ?? {}) as JsonObject;
      for (const [key, value] of Object.entries(stringData))
        data[key] = Buffer.from(String(value)).toString('base64');
      object.data = data;
      delete object.stringData;
    }
  },
  '/Service': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    if (spec.type !== 'ExternalName') {
      setDefault(spec, 'ipFamilies', ['IPv4']);
      setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
      setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    }
    if (Array.isArray(spec.ports)) {
      for (const port of spec.ports) {
        if (!isJsonObject(port)) continue;
        setDefault(port, 'protocol', 'TCP');
        setDefault(port, 'targetPort', port.port ?? null);
      }
    }
  },
  '/Pod': (_object, spec) => {
    defaultPodSpec(spec, 'Always');
    if (spec === undefined) return;
    setDefault(spec, 'enableServiceLinks', true);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    setDefault(spec, 'priority', 0);
  },
  'apps/Deployment': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    setDefault(spec, 'strategy', {});
    const strategy = spec.strategy as JsonObject;
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate')
      setDefault(strategy, 'rollingUpdate', { maxUnavailable: '25%', maxSurge: '25%' });
    defaultPodSpec(podTemplateSpec(spec), 'Always');
  },
  'apps/StatefulSet': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    defaultPodSpec(podTemplateSpec(spec), 'Always');
  },
  'apps/DaemonSet': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'updateStrategy', {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    setDefault(spec, 'revisionHistoryLimit', 10);
    defaultPodSpec(podTemplateSpec(spec), 'Always');
  },
  'apps/ReplicaSet': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'replicas', 1);
    defaultPodSpec(podTemplateSpec(spec), 'Always');
  },
  'batch/Job': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'parallelism', 1);
    setDefault(spec, 'completions', 1);
    setDefault(spec, 'backoffLimit', 6);
    setDefault(spec, 'completionMode', 'NonIndexed');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
    defaultPodSpec(podTemplateSpec(spec), undefined);
  },
  'batch/CronJob': (_object, spec) => {
    if (spec === undefined) return;
    setDefault(spec, 'concurrencyPolicy', 'Allow');
    setDefault(spec, 'suspend', false);
    setDefault(spec, 'successfulJobsHistoryLimit', 3);
    setDefault(spec, 'failedJobsHistoryLimit', 1);
  },
};

/** Fills in the defaults the real server adds for this kind (mutates `object`). */
export function applyDefaults(resource: ResourceType, object: JsonObject): void {
  if (resource.custom) return;
  const defaulter = DEFAULTERS[`${resource.group}/${resource.kind}`];
  if (defaulter !== undefined) defaulter(object, objectAt(object, 'spec'));
}

/**
 * The status a new object gets: the request's status is dropped for kinds with a status
 * subresource (built-ins start from their zero status, custom resources from none).
 */
export function initialStatus(resource: ResourceType, requested: Json | undefined): Json | undefined {
  if (!resource.statusSubresource) return requested;
  if (resource.custom) return undefined;
  switch (resource.kind) {
    case 'Namespace':
      return { phase: 'Active' };
    case 'Pod':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'Service':
      return { loadBalancer: {} };
    case 'PersistentVolumeClaim':
      return { phase: 'Pending' };
    default:
      return {};
  }
}

/** The fields whose change bumps `metadata.generation` (everything but metadata, and status when it is a subresource). */
function generationView(resource: ResourceType, object: KubeObject | JsonObject): JsonObject {
  const view: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || value === undefined) continue;
    if (key === 'status' && resource.statusSubresource) continue;
    view[key] = value as Json;
  }
  return view;
}

/** True when an update from `before` to `after` bumps `metadata.generation`. */
export function generationChanges(resource: ResourceType, before: KubeObject, after: KubeObject): boolean {
  if (!resource.tracksGeneration) return false;
  if (!jsonEqual(generationView(resource, before), generationView(resource, after))) return true;
  // Deployments also bump on annotation changes (annotations are copied to ReplicaSets).
  return (
    resource.group === 'apps' &&
    resource.kind === 'Deployment' &&
    !jsonEqual(before.metadata.annotations ?? {}, after.metadata.annotations ?? {})
  );
}
