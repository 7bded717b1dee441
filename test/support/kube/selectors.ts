/**
 * Label selectors (`labelSelector=`) and the field selectors every resource supports
 * (`metadata.name`, `metadata.namespace`), parsed with the real grammar: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-separated and all required.
 */
import { badRequest } from './errors.ts';
import type { KubeObject } from './types.ts';

/** A parsed selector: true when an object matches. */
export type ObjectMatcher = (object: KubeObject) => boolean;

type Requirement = (labels: Record<string, string>) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseRequirement(term: string, selector: string): Requirement {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (setMatch !== null) {
    const [, key, op, list] = setMatch;
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in'
      ? (labels) => key in labels && values.has(labels[key])
      : (labels) => !(key in labels) || !values.has(labels[key]);
  }
  const eqMatch = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(term);
  if (eqMatch !== null) {
    const [, key, op, value] = eqMatch;
    return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  const existsMatch = /^(!?)([^\s!=()]+)$/.exec(term);
  if (existsMatch !== null) {
    const [, not, key] = existsMatch;
    return not === '!' ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: found '${term}' in selector "${selector}"`);
}

/** Parses a `labelSelector` query value (empty or absent selects everything). */
export function parseLabelSelector(selector: string | null): ObjectMatcher {
  if (selector === null || selector.trim() === '') return () => true;
  const requirements = splitTerms(selector).map((term) => parseRequirement(term, selector));
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return requirements.every((r) => r(labels));
  };
}

const FIELD_GETTERS: Record<string, (o: KubeObject) => string> = {
  'metadata.name': (o) => o.metadata.name ?? '',
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

/** Parses a `fieldSelector` query value; only `metadata.name` and `metadata.namespace` exist. */
export function parseFieldSelector(selector: string | null): ObjectMatcher {
  if (selector === null || selector.trim() === '') return () => true;
  const checks = splitTerms(selector).map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    const get = m === null ? undefined : FIELD_GETTERS[m[1].trim()];
    if (m === null || get === undefined) {
      throw badRequest(
        `"${m?.[1] ?? term}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    const value = m[3].trim();
    return m[2] === '!=' ? (o: KubeObject) => get(o) !== value : (o: KubeObject) => get(o) === value;
  });
  return (object) => checks.every((check) => check(object));
}
