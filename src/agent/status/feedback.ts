import { goSortedJson } from '../../work/go-json.ts';
import type { FeedbackRule, FieldValue, JsonPath as JsonPathRule } from '../../work/types.ts';
import { aggregateMessages } from './aggregate-errors.ts';
import { parseJsonPath } from './jsonpath.ts';

/** One status feedback value (`statusFeedback.values[]`). */
export interface FeedbackValue {
  name: string;
  fieldValue: FieldValue;
}

/** The outcome of evaluating a manifest's feedback rules. */
export interface FeedbackResult {
  /** The values that resolved, in rule and path order. */
  values: FeedbackValue[];
  /** Aggregated error message (apimachinery aggregate format), or undefined when every rule worked. */
  error?: string;
}

/** Default `--max-json-raw-length` of maestro (ocm's own default is 1024). */
export const DEFAULT_MAX_JSON_RAW_LENGTH = 1048576;

/**
 * The fixed paths `WellKnownStatus` reads, keyed by exact `group/version/Kind` (core group empty).
 * Upstream has no entry for any other kind (no StatefulSet).
 */
export const WELL_KNOWN_STATUS_PATHS: Readonly<Record<string, readonly JsonPathRule[]>> = {
  'apps/v1/Deployment': [
    { name: 'ReadyReplicas', path: '.status.readyReplicas' },
    { name: 'Replicas', path: '.status.replicas' },
    { name: 'AvailableReplicas', path: '.status.availableReplicas' },
  ],
  'apps/v1/DaemonSet': [
    { name: 'NumberReady', path: '.status.numberReady' },
    { name: 'DesiredNumberScheduled', path: '.status.desiredNumberScheduled' },
    { name: 'NumberAvailable', path: '.status.numberAvailable' },
  ],
  'batch/v1/Job': [
    { name: 'JobComplete', path: '.status.conditions[?(@.type=="Complete")].status' },
    { name: 'JobSucceeded', path: '.status.succeeded' },
  ],
  '/v1/Pod': [
    { name: 'PodReady', path: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'PodPhase', path: '.status.phase' },
  ],
};

interface ObjectGvk {
  group: string;
  version: string;
  kind: string;
}

/**
 * Evaluates a manifest's feedback rules against its live object (upstream `StatusReader`):
 * `WellKnownStatus` reads {@link WELL_KNOWN_STATUS_PATHS}; `JSONPaths` evaluates each path against the
 * whole object. Paths that select nothing (or null) add no value and no error.
 */
export function evaluateFeedbackRules(
  object: Record<string, unknown>,
  gvk: ObjectGvk,
  rules: readonly FeedbackRule[],
  maxJsonRawLength: number = DEFAULT_MAX_JSON_RAW_LENGTH,
): FeedbackResult {
  const values: FeedbackValue[] = [];
  const errors: string[] = [];
  for (const rule of rules) {
    const ruleErrors: string[] = [];
    let paths: readonly JsonPathRule[] = [];
    if (rule.type === 'WellKnownStatus') {
      const known = WELL_KNOWN_STATUS_PATHS[`${gvk.group}/${gvk.version}/${gvk.kind}`];
      if (!known) {
        errors.push(
          `cannot find the wellknown statuses for resource with gvk ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`,
        );
        continue;
      }
      paths = known;
    } else if (rule.type === 'JSONPaths') {
      paths = rule.jsonPaths ?? [];
    }
    for (const path of paths) {
      if (path.version && path.version !== gvk.version) {
        ruleErrors.push(`version set in the path ${path.name} is not matched for the related resource`);
        continue;
      }
      try {
        const value = readFeedbackValue(object, path, maxJsonRawLength);
        if (value) values.push(value);
      } catch (err: unknown) {
        ruleErrors.push(err instanceof Error ? err.message : String(err));
      }
    }
    // Go's aggregate of per-rule aggregates prints every leaf error once, flattened.
    errors.push(...ruleErrors);
  }
  return errors.length > 0 ? { values, error: aggregateMessages(errors) } : { values };
}

/**
 * Reads one path as a typed feedback value: a whole number becomes `Integer`, a string `String`, a
 * boolean `Boolean`; anything else (fractions, objects, lists, or several matches) becomes `JsonRaw`
 * (Go `json.Marshal` text), which must not exceed `maxJsonRawLength` characters.
 */
export function readFeedbackValue(
  object: Record<string, unknown>,
  path: JsonPathRule,
  maxJsonRawLength: number,
): FeedbackValue | undefined {
  let results: unknown[];
  try {
    results = parseJsonPath(`{${path.path}}`).find(object);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`failed to parse json path ${path.path} of ${path.name} with error: ${why}`, {
      cause: err,
    });
  }
  if (results.length === 0) return undefined;
  const value = results.length === 1 ? results[0] : results;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return { name: path.name, fieldValue: { type: 'Integer', integer: value } };
  }
  if (typeof value === 'string') return { name: path.name, fieldValue: { type: 'String', string: value } };
  if (typeof value === 'boolean') return { name: path.name, fieldValue: { type: 'Boolean', boolean: value } };
  const jsonRaw = goSortedJson(value);
  if (Buffer.byteLength(jsonRaw, 'utf8') > maxJsonRawLength) {
    throw new Error(
      `the length of returned json raw string for name ${path.name} is larger than the maximum length ${maxJsonRawLength}`,
    );
  }
  return { name: path.name, fieldValue: { type: 'JsonRaw', jsonRaw } };
}
