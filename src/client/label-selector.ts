/**
 * Kubernetes label selectors (`app=web,tier in (a,b),!legacy`) for the SDK: parsed once, then either
 * translated into the REST `search` the server evaluates on `payload->'metadata'->'labels'` (as the Go
 * SDK's `ToLabelSearch` does) or matched locally against a work's labels (watch filtering).
 */
import { InvalidError } from './errors.ts';

/** The operators of a label requirement. */
export type LabelOperator = 'equals' | 'notEquals' | 'in' | 'notIn' | 'exists' | 'doesNotExist';

/** One requirement of a selector: `key <operator> values`. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** One value for (not) equals, one or more for (not) in, none for (does not) exist. */
  values: readonly string[];
}

const NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const KEY = `(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?${NAME}`;
const VALUE = `(?:${NAME})?`;
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const COMPARE = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas outside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * Parses a label selector string. The empty string selects everything (no requirements). Throws
 * {@link InvalidError} naming the requirement it cannot read.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitRequirements(selector).map((part) => {
    let match = NOT_EXISTS.exec(part);
    if (match) return { key: match[1]!, operator: 'doesNotExist', values: [] };
    match = EXISTS.exec(part);
    if (match) return { key: match[1]!, operator: 'exists', values: [] };
    match = COMPARE.exec(part);
    if (match) {
      return { key: match[1]!, operator: match[2] === '!=' ? 'notEquals' : 'equals', values: [match[3]!] };
    }
    match = SET.exec(part);
    if (match) {
      const values = match[3]!.split(',').map((v) => v.trim());
      if (values.some((v) => !VALUE_ONLY.test(v)) || (values.length === 1 && values[0] === '')) {
        throw new InvalidError(`invalid label selector requirement '${part}': bad value list`);
      }
      return { key: match[1]!, operator: match[2] === 'in' ? 'in' : 'notIn', values };
    }
    throw new InvalidError(`invalid label selector requirement '${part}'`);
  });
}

/** True when `labels` satisfy every requirement (Kubernetes semantics: `!=`/`notin` match a missing label). */
export function matchesLabelSelector(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return requirements.every(({ key, operator, values }) => {
    const value = labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'equals':
        return value === values[0];
      case 'notEquals':
        return value !== values[0];
      case 'in':
        return value !== undefined && values.includes(value);
      case 'notIn':
        return value === undefined || !values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'doesNotExist':
        return value === undefined;
    }
  });
}

/** A single-quoted search literal (quotes doubled). */
export function quoteSearchLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const LABELS = `payload->'metadata'->'labels'`;

/**
 * The REST `search` expression for `requirements`, in the Go SDK's form: equalities folded into one
 * JSONB containment `payload->'metadata'->'labels'@>'{…}'`, the others as `->>'<key>'` predicates,
 * joined with `and`. Empty when there are no requirements.
 *
 * Unlike the Go SDK, `!=` and `notin` also match works without the label (Kubernetes semantics; upstream
 * drops them because `NULL <> 'x'` is not true in SQL), and `!key` is supported.
 */
export function toLabelSearch(requirements: readonly LabelRequirement[]): string {
  const equals: Record<string, string> = {};
  const terms: string[] = [];
  for (const { key, operator, values } of requirements) {
    const label = `${LABELS}->>${quoteSearchLiteral(key)}`;
    const list = `(${values.map(quoteSearchLiteral).join(',')})`;
    switch (operator) {
      case 'equals':
        equals[key] = values[0]!;
        break;
      case 'notEquals':
        terms.push(`(${label} is null or ${label}<>${quoteSearchLiteral(values[0]!)})`);
        break;
      case 'in':
        terms.push(`${label} in ${list}`);
        break;
      case 'notIn':
        terms.push(`(${label} is null or ${label} not in ${list})`);
        break;
      case 'exists':
        terms.push(`${label} is not null`);
        break;
      case 'doesNotExist':
        terms.push(`${label} is null`);
        break;
    }
  }
  if (Object.keys(equals).length > 0) {
    terms.unshift(`${LABELS}@>${quoteSearchLiteral(JSON.stringify(equals))}`);
  }
  return terms.join(' and ');
}
