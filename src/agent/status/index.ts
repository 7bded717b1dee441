/**
 * Status of applied manifests: condition bookkeeping (`meta.SetStatusCondition` semantics), status
 * feedback (WellKnownStatus, JSONPaths), condition rules (WellKnownCompletions, CEL) and the
 * work-level aggregation, all pure functions over JSON objects. `../kube` reads the objects and calls
 * these.
 */
export { findCondition, nowRfc3339, removeCondition, setCondition } from './conditions.ts';
export type { ConditionInput } from './conditions.ts';
export { CONDITION_RULE_REASONS, evaluateConditionRules } from './condition-rules.ts';
export {
  DEFAULT_MAX_JSON_RAW_LENGTH,
  WELL_KNOWN_STATUS_PATHS,
  evaluateFeedbackRules,
  readFeedbackValue,
} from './feedback.ts';
export type { FeedbackResult, FeedbackValue } from './feedback.ts';
export { parseJsonPath } from './jsonpath.ts';
export type { JsonPath } from './jsonpath.ts';
export { availableCondition, updateManifestStatus } from './manifest-status.ts';
export type { ManifestStatusConfig, ReadOutcome } from './manifest-status.ts';
export {
  aggregateManifestConditions,
  mergeManifestConditions,
  pruneRuleConditions,
  workAppliedCondition,
} from './work-conditions.ts';
