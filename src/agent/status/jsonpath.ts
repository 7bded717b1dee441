import { MaestroError } from '../../common/errors.ts';

/**
 * Kubernetes JSONPath (the client-go `util/jsonpath` dialect) for one expression, with missing keys
 * allowed: `.a.b`, `['a']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`, `..name`, unions `[0,2]` / `['a','b']`,
 * and filters `[?(@.type=="Ready")]` with `==`, `!=`, `<`, `<=`, `>`, `>=` or a bare path (existence).
 * A leading `$` and surrounding `{}` are accepted. Missing fields and out-of-range indexes yield no
 * result rather than an error; a syntax error throws `INVALID_ARGUMENT`.
 */

type Step =
  | { t: 'field'; name: string }
  | { t: 'wildcard' }
  | { t: 'recursive' }
  | { t: 'names'; names: string[] }
  | { t: 'indices'; indices: number[] }
  | { t: 'slice'; start?: number; end?: number; step?: number }
  | { t: 'filter'; left: Operand; op?: string; right?: Operand };

type Operand = { t: 'path'; root: '@' | '$'; steps: Step[] } | { t: 'literal'; value: unknown };

/** A parsed JSONPath expression, reusable across objects. */
export interface JsonPath {
  /** Every value the path selects in `root`, in document order. */
  find(root: unknown): unknown[];
}

/** Parses one JSONPath expression. Throws `MaestroError('INVALID_ARGUMENT')` on a syntax error. */
export function parseJsonPath(expression: string): JsonPath {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  const parser = new Parser(text, expression);
  if (parser.peek() === '$') parser.pos++;
  const steps = parser.steps();
  if (parser.pos < text.length) parser.fail(`unexpected '${text[parser.pos]}'`);
  return { find: (root) => evaluate(steps, [root], root) };
}

class Parser {
  pos = 0;
  readonly text: string;
  readonly original: string;

  constructor(text: string, original: string) {
    this.text = text;
    this.original = original;
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  fail(why: string): never {
    throw new MaestroError('INVALID_ARGUMENT', `invalid jsonpath '${this.original}': ${why}`);
  }

  steps(stopAt = ''): Step[] {
    const steps: Step[] = [];
    while (this.pos < this.text.length && !stopAt.includes(this.peek())) {
      const ch = this.peek();
      if (ch === '.') {
        this.pos++;
        if (this.peek() === '.') {
          this.pos++;
          steps.push({ t: 'recursive' });
        }
        if (this.peek() === '*') {
          this.pos++;
          steps.push({ t: 'wildcard' });
        } else if (this.peek() === '[') {
          continue;
        } else {
          const name = this.identifier();
          if (name === '') {
            if (this.pos >= this.text.length || stopAt.includes(this.peek())) break;
            this.fail('empty field name');
          }
          steps.push({ t: 'field', name });
        }
      } else if (ch === '[') {
        steps.push(this.bracket());
      } else {
        this.fail(`unexpected '${ch}'`);
      }
    }
    return steps;
  }

  identifier(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[^.[\]()\s=!<>,'"]/.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  bracket(): Step {
    this.pos++;
    this.skipSpaces();
    let step: Step;
    if (this.peek() === '?') {
      step = this.filter();
    } else if (this.peek() === '*') {
      this.pos++;
      step = { t: 'wildcard' };
    } else if (this.peek() === "'" || this.peek() === '"') {
      const names = [this.quoted()];
      while (this.skipSpaces() === ',') {
        this.pos++;
        this.skipSpaces();
        names.push(this.quoted());
      }
      step = { t: 'names', names };
    } else {
      step = this.indexOrSlice();
    }
    if (this.skipSpaces() !== ']') this.fail('missing ]');
    this.pos++;
    return step;
  }

  skipSpaces(): string {
    while (this.peek() === ' ') this.pos++;
    return this.peek();
  }

  quoted(): string {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted name');
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  integer(): number | undefined {
    const match = /^\s*-?\d+/.exec(this.text.slice(this.pos));
    if (!match) return undefined;
    this.pos += match[0].length;
    return Number(match[0]);
  }

  indexOrSlice(): Step {
    const first = this.integer();
    if (this.skipSpaces() === ':') {
      const parts: (number | undefined)[] = [first];
      while (this.peek() === ':') {
        this.pos++;
        parts.push(this.integer());
        this.skipSpaces();
      }
      if (parts.length > 3) this.fail('too many slice parts');
      return { t: 'slice', start: parts[0], end: parts[1], step: parts[2] };
    }
    if (first === undefined) this.fail('expected an index');
    const indices = [first];
    while (this.skipSpaces() === ',') {
      this.pos++;
      const next = this.integer();
      if (next === undefined) this.fail('expected an index');
      indices.push(next);
    }
    return { t: 'indices', indices };
  }

  filter(): Step {
    this.pos++;
    if (this.peek() !== '(') this.fail('expected ( after ?');
    this.pos++;
    const left = this.operand();
    const opMatch = /^\s*(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.pos));
    let step: Step = { t: 'filter', left };
    if (opMatch) {
      this.pos += opMatch[0].length;
      step = { t: 'filter', left, op: opMatch[1], right: this.operand() };
    }
    if (this.skipSpaces() !== ')') this.fail('missing ) in filter');
    this.pos++;
    return step;
  }

  operand(): Operand {
    const ch = this.skipSpaces();
    if (ch === '@' || ch === '$') {
      this.pos++;
      return { t: 'path', root: ch, steps: this.steps(' =!<>)') };
    }
    if (ch === "'" || ch === '"') return { t: 'literal', value: this.quoted() };
    const match = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(this.text.slice(this.pos));
    if (!match) this.fail('invalid filter operand');
    this.pos += match[0].length;
    return { t: 'literal', value: JSON.parse(match[0]) as unknown };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return [];
}

function descendants(value: unknown, out: unknown[]): void {
  out.push(value);
  for (const child of children(value)) descendants(child, out);
}

function evaluate(steps: readonly Step[], nodes: unknown[], root: unknown): unknown[] {
  let current = nodes;
  for (const step of steps) current = current.flatMap((node) => applyStep(step, node, root));
  return current;
}

function applyStep(step: Step, node: unknown, root: unknown): unknown[] {
  switch (step.t) {
    case 'field':
      return isObject(node) && step.name in node ? [node[step.name]] : [];
    case 'names':
      return isObject(node) ? step.names.filter((n) => n in node).map((n) => node[n]) : [];
    case 'wildcard':
      return children(node);
    case 'recursive': {
      const out: unknown[] = [];
      descendants(node, out);
      return out;
    }
    case 'indices':
      if (!Array.isArray(node)) return [];
      return step.indices
        .map((i) => (i < 0 ? i + node.length : i))
        .filter((i) => i >= 0 && i < node.length)
        .map((i) => node[i]);
    case 'slice':
      return Array.isArray(node) ? slice(node, step) : [];
    case 'filter':
      return children(node).filter((item) => matchesFilter(step, item, root));
  }
}

function slice(list: unknown[], step: { start?: number; end?: number; step?: number }): unknown[] {
  const by = step.step ?? 1;
  if (by <= 0) return [];
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + list.length : i, 0), list.length);
  const out: unknown[] = [];
  for (let i = clamp(step.start ?? 0); i < clamp(step.end ?? list.length); i += by) out.push(list[i]);
  return out;
}

function operandValues(operand: Operand, item: unknown, root: unknown): unknown[] {
  if (operand.t === 'literal') return [operand.value];
  return evaluate(operand.steps, [operand.root === '@' ? item : root], root);
}

function matchesFilter(step: Extract<Step, { t: 'filter' }>, item: unknown, root: unknown): boolean {
  const left = operandValues(step.left, item, root);
  if (left.length === 0) return false;
  if (!step.op || !step.right) return true;
  const right = operandValues(step.right, item, root);
  if (right.length === 0) return false;
  return compareValues(left[0], step.op, right[0]);
}

function compareValues(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}
