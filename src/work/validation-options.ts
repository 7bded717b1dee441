/**
 * Validation of the ManifestBundle options (`deleteOption`, `manifestConfigs`, `executer`) against the
 * enums and required fields of the ManifestWork API. In CloudEvents mode no CRD defaulting happens, so
 * fields the CRD would default (e.g. `updateStrategy.type`) must be present here.
 */
import { dns1123SubdomainProblem } from './k8s-names.ts';
import {
  CONDITION_RULE_TYPES,
  FEEDBACK_RULE_TYPES,
  FEEDBACK_SCRAPE_TYPES,
  IGNORE_FIELDS_CONDITIONS,
  PROPAGATION_POLICIES,
  UPDATE_STRATEGY_TYPES,
} from './types.ts';
import { describe, isObject, type ValidationIssue } from './validation-issue.ts';

/** Validates `deleteOption` at `path`. */
export function validateDeleteOption(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(value, path, issues)) return;
  requireEnum(value.propagationPolicy, `${path}.propagationPolicy`, PROPAGATION_POLICIES, issues);
  const selectively = value.selectivelyOrphans;
  if (
    selectively !== undefined &&
    selectively !== null &&
    requireObject(selectively, `${path}.selectivelyOrphans`, issues)
  ) {
    forEachItem(
      selectively.orphaningRules,
      `${path}.selectivelyOrphans.orphaningRules`,
      issues,
      (rule, rulePath) => validateResourceIdentifier(rule, rulePath, issues),
    );
  }
  const ttl = value.ttlSecondsAfterFinished;
  if (ttl !== undefined && ttl !== null && !(Number.isSafeInteger(ttl) && (ttl as number) >= 0)) {
    issues.push({
      path: `${path}.ttlSecondsAfterFinished`,
      message: `must be a non-negative integer, got ${JSON.stringify(ttl)}`,
    });
  }
}

/** Validates `manifestConfigs` at `path`. */
export function validateManifestConfigs(value: unknown, path: string, issues: ValidationIssue[]): void {
  forEachItem(value, path, issues, (config, configPath) => {
    if (!requireObject(config, configPath, issues)) return;
    if (config.resourceIdentifier === undefined || config.resourceIdentifier === null) {
      issues.push({ path: `${configPath}.resourceIdentifier`, message: 'is required' });
    } else {
      validateResourceIdentifier(config.resourceIdentifier, `${configPath}.resourceIdentifier`, issues);
    }
    forEachItem(config.feedbackRules, `${configPath}.feedbackRules`, issues, (rule, rulePath) =>
      validateFeedbackRule(rule, rulePath, issues),
    );
    if (config.updateStrategy !== undefined && config.updateStrategy !== null) {
      validateUpdateStrategy(config.updateStrategy, `${configPath}.updateStrategy`, issues);
    }
    forEachItem(config.conditionRules, `${configPath}.conditionRules`, issues, (rule, rulePath) =>
      validateConditionRule(rule, rulePath, issues),
    );
    if (config.feedbackScrapeType !== undefined && config.feedbackScrapeType !== '') {
      requireEnum(
        config.feedbackScrapeType,
        `${configPath}.feedbackScrapeType`,
        FEEDBACK_SCRAPE_TYPES,
        issues,
      );
    }
  });
}

/** Validates `executer` (the wire spelling of `spec.executor`) at `path`. */
export function validateExecuter(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(value, path, issues)) return;
  const subject = value.subject;
  if (subject === undefined || subject === null) {
    issues.push({ path: `${path}.subject`, message: 'is required' });
    return;
  }
  if (!requireObject(subject, `${path}.subject`, issues)) return;
  if (!requireEnum(subject.type, `${path}.subject.type`, ['ServiceAccount'], issues)) return;
  const account = subject.serviceAccount;
  if (account === undefined || account === null) {
    issues.push({
      path: `${path}.subject.serviceAccount`,
      message: 'is required when type is ServiceAccount',
    });
    return;
  }
  if (!requireObject(account, `${path}.subject.serviceAccount`, issues)) return;
  for (const field of ['namespace', 'name']) {
    const fieldPath = `${path}.subject.serviceAccount.${field}`;
    if (requireString(account[field], fieldPath, issues)) {
      const problem = dns1123SubdomainProblem(account[field] as string);
      if (problem) issues.push({ path: fieldPath, message: problem });
    }
  }
}

function validateResourceIdentifier(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(value, path, issues)) return;
  requireString(value.resource, `${path}.resource`, issues);
  requireString(value.name, `${path}.name`, issues);
  for (const field of ['group', 'namespace']) {
    if (value[field] !== undefined && typeof value[field] !== 'string') {
      issues.push({ path: `${path}.${field}`, message: `must be a string, got ${describe(value[field])}` });
    }
  }
}

function validateFeedbackRule(rule: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(rule, path, issues)) return;
  if (!requireEnum(rule.type, `${path}.type`, FEEDBACK_RULE_TYPES, issues)) return;
  if (rule.type !== 'JSONPaths') return;
  if (!Array.isArray(rule.jsonPaths) || rule.jsonPaths.length === 0) {
    issues.push({ path: `${path}.jsonPaths`, message: 'is required when type is JSONPaths' });
    return;
  }
  rule.jsonPaths.forEach((jsonPath: unknown, index: number) => {
    const itemPath = `${path}.jsonPaths[${index}]`;
    if (!requireObject(jsonPath, itemPath, issues)) return;
    requireString(jsonPath.name, `${itemPath}.name`, issues);
    requireString(jsonPath.path, `${itemPath}.path`, issues);
  });
}

function validateUpdateStrategy(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(value, path, issues)) return;
  // An empty type finds no applier in the Go agent (nil dereference), so it is rejected here.
  requireEnum(value.type, `${path}.type`, UPDATE_STRATEGY_TYPES, issues);
  const ssa = value.serverSideApply;
  if (ssa === undefined || ssa === null || !requireObject(ssa, `${path}.serverSideApply`, issues)) return;
  if (ssa.force !== undefined && typeof ssa.force !== 'boolean') {
    issues.push({
      path: `${path}.serverSideApply.force`,
      message: `must be a boolean, got ${describe(ssa.force)}`,
    });
  }
  if (ssa.fieldManager !== undefined && typeof ssa.fieldManager !== 'string') {
    issues.push({
      path: `${path}.serverSideApply.fieldManager`,
      message: `must be a string, got ${describe(ssa.fieldManager)}`,
    });
  }
  forEachItem(ssa.ignoreFields, `${path}.serverSideApply.ignoreFields`, issues, (field, fieldPath) => {
    if (!requireObject(field, fieldPath, issues)) return;
    requireEnum(field.condition, `${fieldPath}.condition`, IGNORE_FIELDS_CONDITIONS, issues);
    const selectors = ['jsonPaths', 'jsonPointers', 'jqPathExpressions'];
    if (!selectors.some((key) => Array.isArray(field[key]) && (field[key] as unknown[]).length > 0)) {
      issues.push({
        path: `${fieldPath}.jsonPaths`,
        message: 'is required (or jsonPointers or jqPathExpressions)',
      });
    }
  });
}

function validateConditionRule(rule: unknown, path: string, issues: ValidationIssue[]): void {
  if (!requireObject(rule, path, issues)) return;
  if (!requireEnum(rule.type, `${path}.type`, CONDITION_RULE_TYPES, issues)) return;
  if (rule.type !== 'CEL') return;
  if (typeof rule.condition !== 'string' || rule.condition === '') {
    issues.push({ path: `${path}.condition`, message: 'is required when type is CEL' });
  }
  if (!Array.isArray(rule.celExpressions) || rule.celExpressions.length === 0) {
    issues.push({ path: `${path}.celExpressions`, message: 'is required when type is CEL' });
    return;
  }
  rule.celExpressions.forEach((expression: unknown, index: number) => {
    const itemPath = `${path}.celExpressions[${index}]`;
    if (requireObject(expression, itemPath, issues))
      requireString(expression.expression, `${itemPath}.expression`, issues);
  });
}

function requireObject(
  value: unknown,
  path: string,
  issues: ValidationIssue[],
): value is Record<string, unknown> {
  if (isObject(value)) return true;
  issues.push({ path, message: `must be a json object, got ${describe(value)}` });
  return false;
}

/** A non-empty string; reports `is required` or the wrong type. */
function requireString(value: unknown, path: string, issues: ValidationIssue[]): boolean {
  if (value === undefined || value === null || value === '') {
    issues.push({ path, message: 'is required' });
    return false;
  }
  if (typeof value !== 'string') {
    issues.push({ path, message: `must be a string, got ${describe(value)}` });
    return false;
  }
  return true;
}

function requireEnum(
  value: unknown,
  path: string,
  allowed: readonly string[],
  issues: ValidationIssue[],
): boolean {
  if (!requireString(value, path, issues)) return false;
  if (allowed.includes(value as string)) return true;
  issues.push({ path, message: `must be one of ${allowed.join(', ')}, got '${String(value)}'` });
  return false;
}

/** Calls `check` for each item of an optional array (absent or null is fine; anything else must be an array). */
function forEachItem(
  value: unknown,
  path: string,
  issues: ValidationIssue[],
  check: (item: unknown, itemPath: string) => void,
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    issues.push({ path, message: `must be an array, got ${describe(value)}` });
    return;
  }
  value.forEach((item, index) => check(item, `${path}[${index}]`));
}
