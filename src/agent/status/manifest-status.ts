import type { Condition, ConditionRule, FeedbackRule, ManifestCondition } from '../../work/types.ts';
import { evaluateConditionRules } from './condition-rules.ts';
import type { ConditionInput } from './conditions.ts';
import { nowRfc3339, removeCondition, setCondition, withTime } from './conditions.ts';
import { semanticEqual } from './json-equal.ts';
import { evaluateFeedbackRules } from './feedback.ts';
import { pruneRuleConditions } from './work-conditions.ts';

/** The outcome of reading a manifest's live object for a status pass. */
export type ReadOutcome =
  | { kind: 'found'; object: Record<string, unknown> }
  | { kind: 'notFound' }
  | { kind: 'failed'; message: string }
  | { kind: 'incompleteMeta' };

/** The per-manifest settings a status pass needs. */
export interface ManifestStatusConfig {
  feedbackRules?: readonly FeedbackRule[];
  conditionRules?: readonly ConditionRule[];
}

/** The manifest `Available` condition for a read outcome (no observedGeneration, as upstream). */
export function availableCondition(outcome: ReadOutcome): ConditionInput {
  switch (outcome.kind) {
    case 'found':
      return {
        type: 'Available',
        status: 'True',
        reason: 'ResourceAvailable',
        message: 'Resource is available',
      };
    case 'notFound':
      return {
        type: 'Available',
        status: 'False',
        reason: 'ResourceNotAvailable',
        message: 'Resource is not available',
      };
    case 'failed':
      return {
        type: 'Available',
        status: 'Unknown',
        reason: 'FetchingResourceFailed',
        message: `Failed to fetch resource: ${outcome.message}`,
      };
    case 'incompleteMeta':
      return {
        type: 'Available',
        status: 'Unknown',
        reason: 'IncompleteResourceMeta',
        message: 'Resource meta is incomplete',
      };
  }
}

/**
 * One manifest's part of a status pass (upstream `AvailableStatusController`), mutating `manifest`:
 * sets `Available`; when the object was read, evaluates feedback rules (`StatusFeedbackSynced`, removed
 * and re-added when the values change) and condition rules (observedGeneration = `generation`), then
 * prunes stale rule conditions.
 */
export function updateManifestStatus(
  manifest: ManifestCondition,
  outcome: ReadOutcome,
  config: ManifestStatusConfig | undefined,
  generation: number,
  maxJsonRawLength: number,
  now: string = nowRfc3339(),
): void {
  const conditions: Condition[] = (manifest.conditions ??= []);
  setCondition(conditions, availableCondition(outcome), now);
  if (outcome.kind !== 'found') return;
  const meta = manifest.resourceMeta;
  const gvk = { group: meta.group, version: meta.version, kind: meta.kind };

  let feedback: ConditionInput;
  let values: NonNullable<ManifestCondition['statusFeedback']>['values'] = [];
  if (!config?.feedbackRules?.length) {
    feedback = {
      type: 'StatusFeedbackSynced',
      status: 'True',
      reason: 'NoStatusFeedbackSynced',
      message: '',
    };
  } else {
    const result = evaluateFeedbackRules(outcome.object, gvk, config.feedbackRules, maxJsonRawLength);
    values = result.values;
    feedback =
      result.error === undefined
        ? { type: 'StatusFeedbackSynced', status: 'True', reason: 'StatusFeedbackSynced', message: '' }
        : {
            type: 'StatusFeedbackSynced',
            status: 'False',
            reason: 'StatusFeedbackSyncFailed',
            message: `Sync status feedback failed with error ${result.error}`,
          };
  }
  if (!semanticEqual(manifest.statusFeedback?.values ?? [], values)) {
    removeCondition(conditions, feedback.type);
    conditions.push(withTime(feedback, now));
  } else {
    setCondition(conditions, feedback, now);
  }
  manifest.statusFeedback = values.length > 0 ? { values } : {};

  for (const condition of evaluateConditionRules(outcome.object, gvk, config?.conditionRules ?? [])) {
    setCondition(conditions, { ...condition, observedGeneration: generation }, now);
  }
  pruneRuleConditions(conditions, generation);
}
