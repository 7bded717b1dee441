import type { ConditionRule } from '../../work/types.ts';
import { celTypeName, evaluateCel, isCelFailure, toCelInput } from './cel.ts';
import type { ConditionInput } from './conditions.ts';

/** Reasons of conditions produced by condition rules (all start with `ConditionRule`). */
export const CONDITION_RULE_REASONS = {
  evaluated: 'ConditionRuleEvaluated',
  expressionError: 'ConditionRuleExpressionError',
  internalError: 'ConditionRuleInternalError',
  invalid: 'ConditionRuleInvalid',
} as const;

/** Prefix that marks a condition as produced by a condition rule (pruned when its generation is stale). */
export const CONDITION_RULE_REASON_PREFIX = 'ConditionRule';

type CelRule = Pick<ConditionRule, 'condition' | 'message' | 'messageExpression'> & { expressions: string[] };

/** The built-in `Complete` rules of `WellKnownCompletions`, keyed by `group/version/Kind`. */
const WELL_KNOWN_COMPLETE_RULES: Readonly<Record<string, CelRule>> = {
  'batch/v1/Job': {
    condition: 'Complete',
    expressions: [
      "hasConditions(object.status) ? object.status.conditions.filter(c, c.type == 'Complete' || c.type == 'Failed').exists(c, c.status == 'True') : false",
    ],
    messageExpression: 'result ? "Job is finished" : "Job is not finished"',
  },
  '/v1/Pod': {
    condition: 'Complete',
    expressions: ["object.status.phase in ['Succeeded', 'Failed']"],
    messageExpression: '"Pod is in phase " + object.status.phase',
  },
};

/**
 * Evaluates a manifest's condition rules against its live object (upstream `ConditionReader`). Each rule
 * yields one condition (without observedGeneration; the caller sets the work generation):
 * - `CEL`: True when every expression is true (stops at the first false, `ConditionRuleEvaluated`);
 *   compile/evaluation errors or a non-bool result give False `ConditionRuleExpressionError`; a
 *   planning failure gives Unknown `ConditionRuleInternalError`.
 * - `WellKnownCompletions`: the built-in `Complete` rule of a Job or Pod (the rule may rename the
 *   condition or override the messages); for other kinds Unknown `ConditionRuleInvalid`.
 * - any other type: Unknown `ConditionRuleInvalid`.
 * The message is `messageExpression`'s non-empty string, else `message`, else "Manifest is [not] <cond>".
 */
export function evaluateConditionRules(
  object: Record<string, unknown>,
  gvk: { group: string; version: string; kind: string },
  rules: readonly ConditionRule[],
): ConditionInput[] {
  return rules.map((rule) => evaluateRule(object, gvk, rule));
}

function evaluateRule(
  object: Record<string, unknown>,
  gvk: { group: string; version: string; kind: string },
  rule: ConditionRule,
): ConditionInput {
  const type = rule.type as string;
  if (type === 'CEL') {
    return evaluateCelRule(object, {
      ...rule,
      expressions: (rule.celExpressions ?? []).map((e) => e.expression),
    });
  }
  if (type === 'WellKnownCompletions') {
    const known = WELL_KNOWN_COMPLETE_RULES[`${gvk.group}/${gvk.version}/${gvk.kind}`];
    if (!known) {
      return invalid(
        rule,
        `cannot find the wellknown conditions for resource with gvk ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`,
      );
    }
    return evaluateCelRule(object, {
      ...known,
      condition: rule.condition || known.condition,
      message: rule.message || known.message,
      messageExpression: rule.messageExpression || known.messageExpression,
    });
  }
  return invalid(rule, `unrecognized condition rule type ${type}`);
}

function invalid(rule: ConditionRule, message: string): ConditionInput {
  return { type: rule.condition ?? '', status: 'Unknown', reason: CONDITION_RULE_REASONS.invalid, message };
}

function evaluateCelRule(object: Record<string, unknown>, rule: CelRule): ConditionInput {
  const type = rule.condition ?? '';
  const celObject = toCelInput(object);
  let passed = true;
  for (const expression of rule.expressions) {
    const out = evaluateCel(expression, { object: celObject });
    if (isCelFailure(out)) {
      const internal = out.kind === 'internal';
      return {
        type,
        status: internal ? 'Unknown' : 'False',
        reason: internal ? CONDITION_RULE_REASONS.internalError : CONDITION_RULE_REASONS.expressionError,
        message: out.message,
      };
    }
    if (typeof out !== 'boolean') {
      return {
        type,
        status: 'False',
        reason: CONDITION_RULE_REASONS.expressionError,
        message: `expected bool result, got ${celTypeName(out)}`,
      };
    }
    if (!out) {
      passed = false;
      break;
    }
  }
  return {
    type,
    status: passed ? 'True' : 'False',
    reason: CONDITION_RULE_REASONS.evaluated,
    message: ruleMessage(celObject, rule, passed),
  };
}

function ruleMessage(celObject: ReturnType<typeof toCelInput>, rule: CelRule, result: boolean): string {
  if (rule.messageExpression) {
    const out = evaluateCel(rule.messageExpression, { object: celObject, result });
    if (isCelFailure(out)) return out.message;
    if (typeof out !== 'string')
      return `expected message expression to have a string result, got ${celTypeName(out)}`;
    if (out !== '') return out;
  }
  if (rule.message) return rule.message;
  return result ? `Manifest is ${rule.condition ?? ''}` : `Manifest is not ${rule.condition ?? ''}`;
}
