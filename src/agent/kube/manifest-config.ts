import type {
  DeleteOption,
  ManifestConfigOption,
  ResourceIdentifier,
  ResourceMeta,
  UpdateStrategy,
} from '../../work/types.ts';

/** The configuration that applies to one manifest, merged from every matching `manifestConfigs` entry. */
export type ManifestConfig = Pick<
  ManifestConfigOption,
  'feedbackRules' | 'updateStrategy' | 'conditionRules' | 'feedbackScrapeType'
>;

/**
 * True when `text` matches `pattern`, where `*` in the pattern matches any run of characters (upstream
 * `wildcardMatch`, used for the `name` and `namespace` of a resource identifier). Upstream leaves other
 * regular-expression characters unescaped (so `.` matches anything); here they match literally.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** True when a manifest (by its `resourceMeta`) matches a config's resource identifier. */
export function matchesResourceIdentifier(meta: ResourceMeta, id: ResourceIdentifier): boolean {
  return (
    (id.group ?? '') === meta.group &&
    id.resource === meta.resource &&
    wildcardMatch(id.name, meta.name) &&
    wildcardMatch(id.namespace ?? '', meta.namespace)
  );
}

/**
 * Finds a manifest's configuration as upstream's `FindManifestConfiguration`: `feedbackRules`,
 * `updateStrategy` and `conditionRules` each come from the first matching entry that sets them;
 * `feedbackScrapeType` comes from the last matching entry that sets it. Undefined when no match sets
 * any of the first three.
 */
export function findManifestConfig(
  meta: ResourceMeta,
  options: readonly ManifestConfigOption[] | undefined,
): ManifestConfig | undefined {
  const result: ManifestConfig = {};
  for (const option of options ?? []) {
    if (!matchesResourceIdentifier(meta, option.resourceIdentifier)) continue;
    if (!result.feedbackRules?.length && option.feedbackRules?.length)
      result.feedbackRules = option.feedbackRules;
    if (!result.updateStrategy && option.updateStrategy) result.updateStrategy = option.updateStrategy;
    if (!result.conditionRules?.length && option.conditionRules?.length)
      result.conditionRules = option.conditionRules;
    if (option.feedbackScrapeType) result.feedbackScrapeType = option.feedbackScrapeType;
  }
  if (!result.feedbackRules && !result.updateStrategy && !result.conditionRules) return undefined;
  return result;
}

/**
 * The update strategy of a manifest. No config or no strategy means `Update`; an empty `type` (possible
 * in CloudEvents mode, where no CRD defaulting happens) is also treated as `Update`, where the Go agent
 * would dereference a nil applier and panic.
 */
export function effectiveUpdateStrategy(config: ManifestConfig | undefined): UpdateStrategy {
  const strategy = config?.updateStrategy;
  if (!strategy?.type) return { ...strategy, type: 'Update' };
  return strategy;
}

/**
 * Whether an applied object is owned by the work (upstream `OwnedByTheWork`): always without a delete
 * option and for `Foreground`; never for `Orphan`; for `SelectivelyOrphan`, unless an orphaning rule
 * matches group, resource, namespace and name exactly.
 */
export function isOwnedByTheWork(
  id: { group: string; resource: string; namespace: string; name: string },
  deleteOption: DeleteOption | undefined,
): boolean {
  if (!deleteOption) return true;
  if (deleteOption.propagationPolicy === 'Foreground') return true;
  if (deleteOption.propagationPolicy === 'Orphan') return false;
  const rules = deleteOption.selectivelyOrphans?.orphaningRules ?? [];
  return !rules.some(
    (rule) =>
      (rule.group ?? '') === id.group &&
      rule.resource === id.resource &&
      rule.name === id.name &&
      (rule.namespace ?? '') === id.namespace,
  );
}
