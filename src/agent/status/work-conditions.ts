import type { Condition, ManifestCondition, ResourceMeta } from '../../work/types.ts';
import { CONDITION_RULE_REASON_PREFIX } from './condition-rules.ts';
import type { ConditionInput } from './conditions.ts';
import { findCondition, nowRfc3339, removeCondition, setCondition } from './conditions.ts';

/**
 * Work-level conditions and the manifest-list merge, with upstream's exact types, reasons, messages and
 * observedGeneration rules (ocm `manifestwork_reconciler`, `conditions.AggregateManifestConditions`,
 * `helper.MergeManifestConditions`).
 */

/** Manifest condition types that are not produced by condition rules. */
const BUILT_IN_TYPES = new Set(['Applied', 'Available', 'StatusFeedbackSynced']);

/**
 * The work-level `Applied` condition: True `AppliedManifestWorkComplete` when no manifest's `Applied` is
 * False, else False `AppliedManifestWorkFailed`; undefined when no manifest has an `Applied` condition.
 */
export function workAppliedCondition(
  manifests: readonly ManifestCondition[],
  generation: number,
): ConditionInput | undefined {
  const applied = manifests.map((m) => findCondition(m.conditions, 'Applied')).filter((c) => c !== undefined);
  if (applied.length === 0) return undefined;
  return applied.some((c) => c.status === 'False')
    ? {
        type: 'Applied',
        status: 'False',
        observedGeneration: generation,
        reason: 'AppliedManifestWorkFailed',
        message: 'Failed to apply manifest work',
      }
    : {
        type: 'Applied',
        status: 'True',
        observedGeneration: generation,
        reason: 'AppliedManifestWorkComplete',
        message: 'Apply manifest work complete',
      };
}

/**
 * The work-level `Available` condition (counted over all manifests) followed by one aggregated condition
 * per condition-rule type found on the manifests (reason `ConditionRulesAggregated`).
 */
export function aggregateManifestConditions(
  generation: number,
  manifests: readonly ManifestCondition[],
): ConditionInput[] {
  return [availableCondition(generation, manifests), ...ruleConditions(generation, manifests)];
}

function availableCondition(generation: number, manifests: readonly ManifestCondition[]): ConditionInput {
  let available = 0;
  let unavailable = 0;
  let unknown = 0;
  for (const manifest of manifests) {
    for (const c of manifest.conditions ?? []) {
      if (c.type !== 'Available') continue;
      if (c.status === 'True') available++;
      else if (c.status === 'False') unavailable++;
      else if (c.status === 'Unknown') unknown++;
    }
  }
  const base = { type: 'Available', observedGeneration: generation };
  if (unavailable > 0) {
    return {
      ...base,
      status: 'False',
      reason: 'ResourcesNotAvailable',
      message: `${unavailable} of ${manifests.length} resources are not available`,
    };
  }
  if (unknown > 0) {
    return {
      ...base,
      status: 'Unknown',
      reason: 'ResourcesStatusUnknown',
      message: `${unknown} of ${manifests.length} resources have unknown status`,
    };
  }
  if (available === 0) {
    return {
      ...base,
      status: 'Unknown',
      reason: 'ResourcesStatusUnknown',
      message: 'cannot get any available resource ',
    };
  }
  return { ...base, status: 'True', reason: 'ResourcesAvailable', message: 'All resources are available' };
}

function ruleConditions(generation: number, manifests: readonly ManifestCondition[]): ConditionInput[] {
  const byType = new Map<string, Condition[]>();
  for (const manifest of manifests) {
    for (const c of manifest.conditions ?? []) {
      if (BUILT_IN_TYPES.has(c.type) || !c.reason.startsWith(CONDITION_RULE_REASON_PREFIX)) continue;
      byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
    }
  }
  return [...byType].map(([type, contributors]) => ({
    type,
    status: aggregateStatus(type, contributors),
    observedGeneration: generation,
    reason: 'ConditionRulesAggregated',
    message:
      contributors.length === 1
        ? contributors[0].message
        : `Aggregated from ${contributors.length} manifest conditions`,
  }));
}

function aggregateStatus(type: string, contributors: readonly Condition[]): string {
  const has = (status: string): boolean => contributors.some((c) => c.status === status);
  if (type === 'Progressing') return has('True') ? 'True' : has('Unknown') ? 'Unknown' : 'False';
  if (has('False')) return 'False';
  if (has('Unknown') || !has('True')) return 'Unknown';
  return 'True';
}

/** Drops rule-produced conditions (reason prefix `ConditionRule`) whose observedGeneration is stale. */
export function pruneRuleConditions(conditions: Condition[], generation: number): void {
  for (let i = conditions.length - 1; i >= 0; i--) {
    const c = conditions[i];
    if (c.reason.startsWith(CONDITION_RULE_REASON_PREFIX) && (c.observedGeneration ?? 0) !== generation) {
      conditions.splice(i, 1);
    }
  }
}

function metaKey(meta: ResourceMeta, withOrdinal: boolean): string {
  const { ordinal, group, version, kind, resource, name, namespace } = meta;
  return JSON.stringify([withOrdinal ? ordinal : 0, group, version, kind, resource, name, namespace]);
}

/**
 * Merges the freshly built manifest list (spec order, `Applied` only) into the previous one (upstream
 * `MergeManifestConditions`): an old entry is matched by its full resourceMeta, else by the resourceMeta
 * without ordinal when unique; a matched entry keeps its feedback and other conditions, and its `Applied`
 * is replaced (removed first when the observedGeneration changed, so the transition time resets).
 * Unmatched entries are new; entries for manifests no longer in the spec disappear.
 */
export function mergeManifestConditions(
  previous: readonly ManifestCondition[],
  fresh: readonly ManifestCondition[],
  now: string = nowRfc3339(),
): ManifestCondition[] {
  const exact = new Map<string, ManifestCondition>();
  const loose = new Map<string, ManifestCondition | null>();
  for (const entry of previous) {
    exact.set(metaKey(entry.resourceMeta, true), entry);
    const key = metaKey(entry.resourceMeta, false);
    loose.set(key, loose.has(key) ? null : entry);
  }
  return fresh.map((entry) => {
    const old = exact.get(metaKey(entry.resourceMeta, true)) ?? loose.get(metaKey(entry.resourceMeta, false));
    if (!old) {
      return {
        ...entry,
        conditions: (entry.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: now })),
      };
    }
    const conditions = structuredClone(old.conditions ?? []);
    for (const c of entry.conditions ?? []) {
      const existing = findCondition(conditions, c.type);
      if (existing && (existing.observedGeneration ?? 0) !== (c.observedGeneration ?? 0))
        removeCondition(conditions, c.type);
      setCondition(conditions, c, now);
    }
    return {
      resourceMeta: entry.resourceMeta,
      statusFeedback: structuredClone(old.statusFeedback ?? {}),
      conditions,
    };
  });
}
