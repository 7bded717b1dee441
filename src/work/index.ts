/** ManifestWork / ManifestBundle model, validation, hashing, ids and the CloudEvent codecs. */
export type {
  AppliedManifestResourceMeta,
  AppliedManifestWork,
  Condition,
  ConditionRule,
  ConditionRuleType,
  DeleteOption,
  FeedbackRule,
  FeedbackRuleType,
  FieldValue,
  IgnoreField,
  JsonPath,
  Manifest,
  ManifestBundle,
  ManifestBundleStatus,
  ManifestCondition,
  ManifestConfigOption,
  ManifestWork,
  ManifestWorkExecutor,
  ManifestWorkSpec,
  ManifestWorkStatus,
  ObjectMeta,
  OwnerReference,
  PropagationPolicy,
  ResourceIdentifier,
  ResourceMeta,
  ResourceVersionList,
  ServerSideApplyConfig,
  StatusFeedbackResult,
  StatusHashList,
  UpdateStrategy,
  UpdateStrategyType,
} from './types.ts';
export {
  APPLIED_MANIFEST_WORK_FINALIZER,
  CONDITION_RULE_TYPES,
  CONDITION_TYPES,
  DATA_TYPE_ANNOTATION,
  FEEDBACK_RULE_TYPES,
  FEEDBACK_SCRAPE_TYPES,
  FIELD_VALUE_TYPES,
  IGNORE_FIELDS_CONDITIONS,
  LOG_TRACING_ANNOTATION_PREFIX,
  MANIFEST_WORK_FINALIZER,
  MANIFESTS_DELETED_REASON,
  ORIGINAL_SOURCE_LABEL,
  PROPAGATION_POLICIES,
  SEQUENCE_ID_ANNOTATION,
  UPDATE_STRATEGY_TYPES,
  WORK_API_VERSION,
} from './types.ts';
export type { ValidationIssue } from './validation-issue.ts';
export { assertValidManifestBundle, formatIssue, validateManifestBundle } from './validation.ts';
export type { StatusPayload } from './status-hash.ts';
export { EMPTY_STATUS_HASH, manifestWorkStatusHash, statusHash, statusHashInput } from './status-hash.ts';
export { goQuote, goSortedJson } from './go-json.ts';
export { UUID_NAMESPACE_OID, uuidV5, workUid } from './work-uid.ts';
export type { SequenceIdGeneratorOptions, SequenceIdParts } from './sequence-id.ts';
export {
  compareSequenceIds,
  DEFAULT_SNOWFLAKE_NODE,
  parseSequenceId,
  SequenceIdGenerator,
  SNOWFLAKE_EPOCH_MS,
} from './sequence-id.ts';
export {
  applyLogTracing,
  logTracingExtension,
  marshalObjectMeta,
  parseObjectMeta,
  rfc3339Seconds,
} from './object-meta.ts';
export type { WorkEventInit } from './work-event.ts';
export {
  manifestBundleFromSpec,
  newWorkEvent,
  requireManifestBundleType,
  specFromManifestBundle,
} from './work-event.ts';
export type { DecodedStatus, EncodeSpecRequestOptions, SpecRequestAction } from './source-codec.ts';
export { decodeStatusEvent, encodeSpecRequest, isDeleted, withSourceIdentity } from './source-codec.ts';
export type { EncodeStatusOptions } from './agent-codec.ts';
export {
  decodeSpecEvent,
  deletedCondition,
  encodeDeletedStatusEvent,
  encodeStatusEvent,
  MAX_MANIFESTS_BYTES,
} from './agent-codec.ts';
export type { ResyncRequestOptions } from './resync.ts';
export {
  createSpecResyncRequest,
  createStatusResyncRequest,
  parseResourceVersionList,
  parseStatusHashList,
} from './resync.ts';
