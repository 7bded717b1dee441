import type { Condition } from '../../work/types.ts';

/**
 * `metav1.Condition` list updates with apimachinery `meta.SetStatusCondition` semantics: a new
 * condition, or one whose status changes, gets `lastTransitionTime = now`; a change of reason, message
 * or observedGeneration alone keeps the old time; list order is insertion order.
 */

/** The current time as Kubernetes writes it: RFC 3339 at whole seconds. */
export function nowRfc3339(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A condition to set; `lastTransitionTime` defaults to now. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/** Finds a condition by type. */
export function findCondition(
  conditions: readonly Condition[] | null | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Sets `input` in `conditions` (mutated). Returns true when anything changed. */
export function setCondition(
  conditions: Condition[],
  input: ConditionInput,
  now: string = nowRfc3339(),
): boolean {
  const existing = findCondition(conditions, input.type);
  if (!existing) {
    conditions.push(withTime(input, input.lastTransitionTime || now));
    return true;
  }
  let changed = false;
  if (existing.status !== input.status) {
    existing.status = input.status;
    existing.lastTransitionTime = input.lastTransitionTime || now;
    changed = true;
  }
  if (existing.reason !== input.reason) {
    existing.reason = input.reason;
    changed = true;
  }
  if (existing.message !== input.message) {
    existing.message = input.message;
    changed = true;
  }
  if ((existing.observedGeneration ?? 0) !== (input.observedGeneration ?? 0)) {
    if (input.observedGeneration) existing.observedGeneration = input.observedGeneration;
    else delete existing.observedGeneration;
    changed = true;
  }
  return changed;
}

/** Removes the condition of `type` (mutates). Returns true when one was removed. */
export function removeCondition(conditions: Condition[], type: string): boolean {
  const index = conditions.findIndex((c) => c.type === type);
  if (index < 0) return false;
  conditions.splice(index, 1);
  return true;
}

/** A condition in canonical field order, without a zero observedGeneration (Go `omitempty`). */
export function withTime(input: ConditionInput, lastTransitionTime: string): Condition {
  const condition: Condition = { type: input.type, status: input.status } as Condition;
  if (input.observedGeneration) condition.observedGeneration = input.observedGeneration;
  condition.lastTransitionTime = lastTransitionTime;
  condition.reason = input.reason;
  condition.message = input.message;
  return condition;
}
