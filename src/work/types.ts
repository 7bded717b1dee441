/**
 * ManifestWork, ManifestBundle and the related Open Cluster Management types, as they appear in JSON
 * (upstream `open-cluster-management.io/api/work/v1` and sdk-go `payload` packages). Field names are the
 * JSON names; optional (`?`) fields are the ones Go omits or that clients may leave out.
 */

/** `apiVersion` of ManifestWork and AppliedManifestWork. */
export const WORK_API_VERSION = 'work.open-cluster-management.io/v1';

/** Label set by the agent on every received work: the CloudEvent `source` of the spec (e.g. `maestro`). */
export const ORIGINAL_SOURCE_LABEL = 'cloudevents.open-cluster-management.io/originalsource';

/** Annotation set by the agent on every received work: the CloudEvents data type. */
export const DATA_TYPE_ANNOTATION = 'cloudevents.open-cluster-management.io/datatype';

/** Annotation the source-side codec sets to the `sequenceid` of the status event it decoded. */
export const SEQUENCE_ID_ANNOTATION = 'cloudevents.open-cluster-management.io/sequenceid';

/** Prefix of the annotations carried in the `logtracing` extension. */
export const LOG_TRACING_ANNOTATION_PREFIX = 'logging.open-cluster-management.io/';

/** Finalizer the agent keeps on a ManifestWork until its applied resources are cleaned up. */
export const MANIFEST_WORK_FINALIZER = 'cluster.open-cluster-management.io/manifest-work-cleanup';

/** Finalizer the agent keeps on an AppliedManifestWork until its owned objects are deleted. */
export const APPLIED_MANIFEST_WORK_FINALIZER =
  'cluster.open-cluster-management.io/applied-manifest-work-cleanup';

/** Work-level and manifest-level condition types. `Deleted` is CloudEvents-only (deletion handshake). */
export const CONDITION_TYPES = {
  applied: 'Applied',
  progressing: 'Progressing',
  available: 'Available',
  degraded: 'Degraded',
  complete: 'Complete',
  deleting: 'Deleting',
  deleted: 'Deleted',
  statusFeedbackSynced: 'StatusFeedbackSynced',
} as const;

/** Reason of the `Deleted` condition the agent sends once the manifests are gone. */
export const MANIFESTS_DELETED_REASON = 'ManifestsDeleted';

/** Kubernetes `metav1.Condition`. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | (string & {});
  /** Omitted in JSON when 0. */
  observedGeneration?: number;
  /** RFC 3339 at whole seconds. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Kubernetes `metav1.OwnerReference`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * The subset of Kubernetes `metav1.ObjectMeta` Maestro reads and writes (the `metadata` extension carries
 * it as JSON). Unknown fields are preserved.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

/** A raw Kubernetes object inside a work (kept as received; only its identity is validated). */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** `deleteOption.propagationPolicy` values. */
export const PROPAGATION_POLICIES = ['Foreground', 'Orphan', 'SelectivelyOrphan'] as const;

/** One of {@link PROPAGATION_POLICIES}. */
export type PropagationPolicy = (typeof PROPAGATION_POLICIES)[number];

/** Identifies one resource of a work (`group` is empty for the core group; `namespace` empty = cluster scope). */
export interface ResourceIdentifier {
  group?: string;
  resource: string;
  name: string;
  namespace?: string;
}

/** `deleteOption`: what happens to applied objects when the work is deleted or a manifest removed. */
export interface DeleteOption {
  propagationPolicy: PropagationPolicy;
  selectivelyOrphans?: { orphaningRules?: ResourceIdentifier[] };
  /** Ignored by the agent and by Maestro. */
  ttlSecondsAfterFinished?: number;
}

/** Feedback rule types. */
export const FEEDBACK_RULE_TYPES = ['WellKnownStatus', 'JSONPaths'] as const;

/** One of {@link FEEDBACK_RULE_TYPES}. */
export type FeedbackRuleType = (typeof FEEDBACK_RULE_TYPES)[number];

/** A named JSONPath whose value is reported as status feedback. */
export interface JsonPath {
  name: string;
  version?: string;
  path: string;
}

/** Which status fields of a manifest are reported back. */
export interface FeedbackRule {
  type: FeedbackRuleType;
  /** Required when `type` is `JSONPaths`. */
  jsonPaths?: JsonPath[];
}

/** Update strategy types. */
export const UPDATE_STRATEGY_TYPES = ['Update', 'CreateOnly', 'ServerSideApply', 'ReadOnly'] as const;

/** One of {@link UPDATE_STRATEGY_TYPES}. */
export type UpdateStrategyType = (typeof UPDATE_STRATEGY_TYPES)[number];

/** `ignoreFields[].condition` values. */
export const IGNORE_FIELDS_CONDITIONS = ['OnSpokePresent', 'OnSpokeChange'] as const;

/** Fields server-side apply leaves alone. */
export interface IgnoreField {
  condition: (typeof IGNORE_FIELDS_CONDITIONS)[number];
  jsonPaths?: string[];
  jsonPointers?: string[];
  jqPathExpressions?: string[];
}

/** Server-side apply settings. */
export interface ServerSideApplyConfig {
  force?: boolean;
  /** Defaults to `work-agent`. */
  fieldManager?: string;
  ignoreFields?: IgnoreField[];
}

/** How a manifest is updated on the cluster (default `Update`). */
export interface UpdateStrategy {
  type: UpdateStrategyType;
  serverSideApply?: ServerSideApplyConfig;
}

/** Condition rule types. */
export const CONDITION_RULE_TYPES = ['WellKnownCompletions', 'CEL'] as const;

/** One of {@link CONDITION_RULE_TYPES}. */
export type ConditionRuleType = (typeof CONDITION_RULE_TYPES)[number];

/** Sets a manifest condition from a well-known rule or CEL expressions. */
export interface ConditionRule {
  /** Required for CEL rules; WellKnownCompletions defaults to `Complete`. */
  condition?: string;
  type: ConditionRuleType;
  celExpressions?: { expression: string }[];
  message?: string;
  messageExpression?: string;
}

/** `feedbackScrapeType` values. */
export const FEEDBACK_SCRAPE_TYPES = ['Poll', 'Watch'] as const;

/** Per-manifest settings, matched to manifests by {@link ResourceIdentifier}. */
export interface ManifestConfigOption {
  resourceIdentifier: ResourceIdentifier;
  feedbackRules?: FeedbackRule[];
  updateStrategy?: UpdateStrategy;
  conditionRules?: ConditionRule[];
  feedbackScrapeType?: (typeof FEEDBACK_SCRAPE_TYPES)[number];
}

/** The identity whose permissions the agent checks before applying. */
export interface ManifestWorkExecutor {
  subject: {
    /** Only `ServiceAccount` is supported. */
    type: 'ServiceAccount' | (string & {});
    serviceAccount?: { namespace: string; name: string };
  };
}

/** `ManifestWork.spec`. */
export interface ManifestWorkSpec {
  workload: { manifests?: Manifest[] };
  deleteOption?: DeleteOption;
  manifestConfigs?: ManifestConfigOption[];
  executor?: ManifestWorkExecutor;
}

/** `resourceStatus.manifests[].resourceMeta`: every field is always serialised. */
export interface ResourceMeta {
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  resource: string;
  name: string;
  namespace: string;
}

/** Status feedback value types. */
export const FIELD_VALUE_TYPES = ['Integer', 'String', 'Boolean', 'JsonRaw'] as const;

/** A status feedback value; exactly the member named by `type` is set. */
export interface FieldValue {
  type: (typeof FIELD_VALUE_TYPES)[number];
  integer?: number;
  string?: string;
  boolean?: boolean;
  jsonRaw?: string;
}

/** The status feedback values of one manifest (`{}` when there are none). */
export interface StatusFeedbackResult {
  values?: { name: string; fieldValue: FieldValue }[];
}

/** The status of one manifest. */
export interface ManifestCondition {
  resourceMeta: ResourceMeta;
  statusFeedback?: StatusFeedbackResult;
  /** Go emits `null` for an unset list. */
  conditions: Condition[] | null;
}

/** `ManifestWork.status`. */
export interface ManifestWorkStatus {
  conditions?: Condition[];
  resourceStatus?: { manifests?: ManifestCondition[] };
}

/** A ManifestWork as sources and agents see it. */
export interface ManifestWork {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ManifestWorkSpec;
  status?: ManifestWorkStatus;
}

/** Spec event payload (data type `…manifestbundles`). Note the wire spelling `executer`. */
export interface ManifestBundle {
  manifests: Manifest[];
  deleteOption?: DeleteOption;
  manifestConfigs?: ManifestConfigOption[];
  executer?: ManifestWorkExecutor;
}

/** Status event payload: the work status with a flat `resourceStatus` list. */
export interface ManifestBundleStatus {
  /** Added by Maestro when it relays status to source clients; absent in agent events. */
  manifestBundle?: ManifestBundle;
  conditions: Condition[] | null;
  resourceStatus?: ManifestCondition[];
}

/** One applied object recorded by an AppliedManifestWork. */
export interface AppliedManifestResourceMeta {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** The agent's cluster-scoped record of what it applied for one ManifestWork. */
export interface AppliedManifestWork {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: { hubHash: string; agentID: string; manifestWorkName: string };
  status?: { appliedResources?: AppliedManifestResourceMeta[]; evictionStartTime?: string };
}

/** Spec resync request payload (agent → source). */
export interface ResourceVersionList {
  resourceVersions: { resourceID: string; resourceVersion: number }[];
}

/** Status resync request payload (source → agent). */
export interface StatusHashList {
  statusHashes: { resourceID: string; statusHash: string }[];
}
