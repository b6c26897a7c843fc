/*
 * Kubernetes label-selector query syntax (`?labelSelector=`), so list
 * filters behave like `kubectl get -l`.
 */
import { validateLabelKey, validateLabelValue } from './labels';
import { Labels } from './types';

export type LabelOperator =
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** One value for Equals/NotEquals, a sorted set for In/NotIn, none otherwise. */
  values: string[];
}

export class LabelSelectorParseError extends Error {
  readonly query: string;
  constructor(query: string, detail: string) {
    super(`invalid label selector ${JSON.stringify(query)}: ${detail}`);
    this.name = 'LabelSelectorParseError';
    this.query = query;
  }
}

type TokenKind =
  | 'ident'
  | '!'
  | '='
  | '=='
  | '!='
  | '('
  | ')'
  | ','
  | '<'
  | '>'
  | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column, for messages. */
  at: number;
}

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);
const isSpace = (c: string) => /\s/.test(c);

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    if ((c === '!' || c === '=') && query[i + 1] === '=') {
      const text = `${c}=`;
      tokens.push({ kind: text as TokenKind, text, at });
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, at });
      i++;
    } else {
      let j = i;
      while (j < query.length && !SPECIAL.has(query[j]) && !isSpace(query[j]))
        j++;
      tokens.push({ kind: 'ident', text: query.slice(i, j), at });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '', at: query.length + 1 });
  return tokens;
}

const describe = (t: Token) =>
  t.kind === 'end' ? 'end of input' : `'${t.text}' at position ${t.at}`;

class Parser {
  private pos = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private fail(detail: string): never {
    throw new LabelSelectorParseError(this.query, detail);
  }

  parse(): LabelRequirement[] {
    if (this.peek().kind === 'end') return [];
    const requirements: LabelRequirement[] = [];
    for (;;) {
      requirements.push(this.requirement());
      const t = this.next();
      if (t.kind === 'end') return requirements;
      if (t.kind !== ',')
        this.fail(`found ${describe(t)}, expected ',' or end of input`);
      if (this.peek().kind === 'end')
        this.fail(`expected a requirement after the trailing ','`);
    }
  }

  private key(): string {
    const t = this.next();
    if (t.kind !== 'ident')
      this.fail(`found ${describe(t)}, expected a label key`);
    const errs = validateLabelKey(t.text);
    if (errs.length)
      this.fail(`invalid label key ${JSON.stringify(t.text)}: ${errs[0]}`);
    return t.text;
  }

  private value(text: string): string {
    const errs = validateLabelValue(text);
    if (errs.length)
      this.fail(`invalid label value ${JSON.stringify(text)}: ${errs[0]}`);
    return text;
  }

  private requirement(): LabelRequirement {
    if (this.peek().kind === '!') {
      this.next();
      const key = this.key();
      const after = this.peek();
      if (after.kind !== ',' && after.kind !== 'end') {
        this.fail(
          `'!${key}' means "has no ${key} label" and takes no operator or value; found ${describe(
            after,
          )}`,
        );
      }
      return { key, operator: 'DoesNotExist', values: [] };
    }
    const key = this.key();
    const op = this.peek();
    switch (op.kind) {
      case 'end':
      case ',':
        return { key, operator: 'Exists', values: [] };
      case '=':
      case '==':
      case '!=':
        this.next();
        return {
          key,
          operator: op.kind === '!=' ? 'NotEquals' : 'Equals',
          values: [this.exactValue()],
        };
      case '<':
      case '>':
        return this.fail(
          `operator '${op.text}' is not supported; use =, ==, !=, in, notin`,
        );
      case 'ident':
        if (op.text === 'in' || op.text === 'notin') {
          this.next();
          return {
            key,
            operator: op.text === 'in' ? 'In' : 'NotIn',
            values: this.valueSet(op.text),
          };
        }
        return this.fail(
          `found ${describe(op)}, expected one of =, ==, !=, in, notin`,
        );
      default:
        return this.fail(
          `found ${describe(op)}, expected one of =, ==, !=, in, notin`,
        );
    }
  }

  /** `key=` means the empty value, as in Kubernetes. */
  private exactValue(): string {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return '';
    if (t.kind !== 'ident') this.fail(`found ${describe(t)}, expected a value`);
    this.next();
    return this.value(t.text);
  }

  /**
   * `(a, b)`. Empty elements (`()`, `(a,)`) stand for the empty value, as in
   * Kubernetes' parser; values come back deduplicated and sorted.
   */
  private valueSet(op: string): string[] {
    const open = this.next();
    if (open.kind !== '(')
      this.fail(`found ${describe(open)}, expected '(' after '${op}'`);
    const values = new Set<string>();
    let expectValue = true;
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident') {
        if (!expectValue)
          this.fail(`found ${describe(t)}, expected ',' or ')'`);
        values.add(this.value(t.text));
        expectValue = false;
      } else if (t.kind === ',' || t.kind === ')') {
        if (expectValue) values.add('');
        if (t.kind === ')') break;
        expectValue = true;
      } else if (t.kind === 'end') {
        this.fail(`missing ')' to close the value list of '${op}'`);
      } else {
        this.fail(`found ${describe(t)}, expected a value, ',' or ')'`);
      }
    }
    return [...values].sort();
  }
}

/** Parses `env=dev,tier in (a,b),!legacy`; an empty query selects everything. */
export function parseLabelSelector(query: string): LabelRequirement[] {
  return new Parser(query, tokenize(query)).parse();
}

/** All requirements must hold; `!=`/`notin` also hold when the key is absent. */
export function matchesLabelSelector(
  requirements: LabelRequirement[],
  labels: Labels | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every(r => {
    const present = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.operator) {
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      case 'Equals':
      case 'In':
        return present && r.values.includes(l[r.key]);
      case 'NotEquals':
      case 'NotIn':
        return !present || !r.values.includes(l[r.key]);
      default:
        return false;
    }
  });
}

/** The canonical query text for requirements (round-trips through parse). */
export function formatLabelSelector(requirements: LabelRequirement[]): string {
  return requirements
    .map(r => {
      switch (r.operator) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'Equals':
          return `${r.key}=${r.values[0] ?? ''}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        default:
          return '';
      }
    })
    .join(',');
}
