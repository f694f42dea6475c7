import type {
  ArgExpr,
  AtOperator,
  CompareOp,
  Descriptor,
  ExpansionExpr,
  Expr,
  ListExpr,
  Literal,
  LiteralExpr,
  PathExpr,
  PathSegment,
  Predicate,
  QueryAst,
  Quantifier,
  SortKey,
  SubqueryExpr,
} from './ast.ts';
import { AT_OPERATORS } from './ast.ts';
import { QueryError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';
import { DEFAULT_QUERY_LIMITS, resolveLimits, type QueryLimits } from './limits.ts';

export interface ParseOptions {
  limits?: Partial<QueryLimits>;
  /** Accept `%%user.…` expansions (permission filters). */
  allowExpansions?: boolean;
}

/**
 * Words that cannot start a key path. After a dot any name is a property name, so `a.limit`
 * works; SORT, DISTINCT, LIMIT, ASC and DESC are keywords only where they can appear.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'AND',
  'OR',
  'NOT',
  'ANY',
  'SOME',
  'ALL',
  'NONE',
  'BEGINSWITH',
  'ENDSWITH',
  'CONTAINS',
  'LIKE',
  'IN',
  'BETWEEN',
  'TRUEPREDICATE',
  'FALSEPREDICATE',
  'TRUE',
  'FALSE',
  'NULL',
  'NIL',
  'SUBQUERY',
  'INF',
  'INFINITY',
  'NAN',
]);

const FORBIDDEN_NAMES = new Set(['__proto__']);

const STRING_OPS: Record<string, CompareOp> = {
  BEGINSWITH: 'BEGINSWITH',
  ENDSWITH: 'ENDSWITH',
  CONTAINS: 'CONTAINS',
  LIKE: 'LIKE',
  IN: 'IN',
  BETWEEN: 'BETWEEN',
};
const SYMBOL_OPS: Record<string, CompareOp> = {
  '==': '==',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;
  private nodes = 0;

  constructor(
    private readonly text: string,
    private readonly limits: QueryLimits,
    private readonly allowExpansions: boolean,
  ) {
    this.tokens = tokenize(text, limits);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private error(message: string, pos: number): QueryError {
    return new QueryError(message, pos, this.text);
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof':
        return 'end of query';
      case 'ident':
        return `'${t.text}'`;
      case 'punct':
        return `'${t.text}'`;
      case 'string':
        return 'a string';
      case 'number':
        return `number ${t.text}`;
      case 'at':
        return `'${t.name}'`;
      case 'variable':
        return `'${t.name}'`;
      case 'arg':
        return `'$${t.index}'`;
      default:
        return `a ${t.kind}`;
    }
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  private isWord(t: Token, upper: string): boolean {
    return t.kind === 'ident' && t.upper === upper;
  }

  private expectPunct(text: string, what?: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, text)) throw this.error(`expected '${text}'${what ? ` ${what}` : ''} but found ${this.describe(t)}`, t.pos);
    return this.next();
  }

  private countNode(pos: number): void {
    if (++this.nodes > this.limits.maxNodes) throw this.error(`query has more than ${this.limits.maxNodes} nodes`, pos);
  }

  /** Called before every recursive descent: the depth limit is what bounds the native stack. */
  private enter(pos: number): void {
    if (++this.depth > this.limits.maxDepth) throw this.error(`query is nested deeper than ${this.limits.maxDepth} levels`, pos);
  }

  private leave(): void {
    this.depth--;
  }

  parseQuery(): QueryAst {
    const first = this.peek();
    if (first.kind === 'eof') throw this.error('empty query', 0);
    const predicate = this.parseOr();
    const descriptors: Descriptor[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'ident' && (t.upper === 'SORT' || t.upper === 'DISTINCT' || t.upper === 'LIMIT') && this.isPunct(this.peek(1), '(')) {
        descriptors.push(this.parseDescriptor());
        continue;
      }
      throw this.error(`unexpected ${this.describe(t)}`, t.pos);
    }
    return { kind: 'query', predicate, descriptors };
  }

  private parseOr(): Predicate {
    const pos = this.peek().pos;
    const first = this.parseAnd();
    const operands: Predicate[] = [first];
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'OR') || this.isPunct(t, '||')) {
        this.next();
        operands.push(this.parseAnd());
      } else break;
    }
    if (operands.length === 1) return first;
    this.countNode(pos);
    return { kind: 'or', operands, pos };
  }

  private parseAnd(): Predicate {
    const pos = this.peek().pos;
    const first = this.parseUnary();
    const operands: Predicate[] = [first];
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'AND') || this.isPunct(t, '&&')) {
        this.next();
        operands.push(this.parseUnary());
      } else break;
    }
    if (operands.length === 1) return first;
    this.countNode(pos);
    return { kind: 'and', operands, pos };
  }

  private parseUnary(): Predicate {
    const t = this.peek();
    if (this.isWord(t, 'NOT') || this.isPunct(t, '!')) {
      this.next();
      this.countNode(t.pos);
      this.enter(t.pos);
      const operand = this.parseUnary();
      this.leave();
      return { kind: 'not', operand, pos: t.pos };
    }
    return this.parseAtom();
  }

  private parseAtom(): Predicate {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.next();
      this.enter(t.pos);
      const inner = this.parseOr();
      this.leave();
      this.expectPunct(')', 'to close the parenthesis');
      return inner;
    }
    if (this.isWord(t, 'TRUEPREDICATE') || this.isWord(t, 'FALSEPREDICATE')) {
      this.next();
      this.countNode(t.pos);
      return { kind: 'constant', value: t.kind === 'ident' && t.upper === 'TRUEPREDICATE', pos: t.pos };
    }
    return this.parseComparison();
  }

  private parseComparison(): Predicate {
    const start = this.peek();
    const left = this.parseValue();
    const opTok = this.peek();
    let op: CompareOp | undefined;
    if (opTok.kind === 'punct') op = SYMBOL_OPS[opTok.text];
    else if (opTok.kind === 'ident') op = STRING_OPS[opTok.upper];
    if (op === undefined) {
      throw this.error(`expected a comparison operator after the value but found ${this.describe(opTok)}`, opTok.pos);
    }
    this.next();
    let caseInsensitive = false;
    let diacriticInsensitive = false;
    const mod = this.peek();
    if (mod.kind === 'modifier') {
      this.next();
      if (op !== '==' && op !== '!=' && op !== 'BEGINSWITH' && op !== 'ENDSWITH' && op !== 'CONTAINS' && op !== 'LIKE' && op !== 'IN') {
        throw this.error(`the [c] and [d] modifiers do not apply to ${op}`, mod.pos);
      }
      caseInsensitive = mod.caseInsensitive;
      diacriticInsensitive = mod.diacriticInsensitive;
    }
    const right = this.parseValue();
    if (op === 'BETWEEN' && right.kind !== 'list' && right.kind !== 'arg' && right.kind !== 'expansion') {
      throw this.error('BETWEEN needs a list of two values: x BETWEEN {low, high}', right.pos);
    }
    if (op === 'BETWEEN' && right.kind === 'list' && right.items.length !== 2) {
      throw this.error('BETWEEN needs exactly two values: x BETWEEN {low, high}', right.pos);
    }
    this.countNode(start.pos);
    return { kind: 'compare', op, left, right, caseInsensitive, diacriticInsensitive, pos: start.pos };
  }

  private parseValue(): Expr {
    const t = this.peek();
    this.countNode(t.pos);
    switch (t.kind) {
      case 'number':
      case 'string':
      case 'timestamp':
      case 'objectId':
      case 'uuid':
      case 'binary':
        return this.parseLiteral();
      case 'arg':
        this.next();
        return { kind: 'arg', index: t.index, pos: t.pos };
      case 'expansion':
        return this.parseExpansion();
      case 'variable':
        return this.parsePath(null, t.pos);
      case 'punct':
        if (t.text === '{') return this.parseList();
        break;
      case 'ident': {
        const u = t.upper;
        if (u === 'TRUE' || u === 'FALSE' || u === 'NULL' || u === 'NIL' || u === 'INF' || u === 'INFINITY' || u === 'NAN') {
          return this.parseLiteral();
        }
        if (u === 'ANY' || u === 'SOME' || u === 'ALL' || u === 'NONE') {
          this.next();
          const q: Quantifier = u === 'SOME' ? 'ANY' : u;
          const after = this.peek();
          if (after.kind !== 'ident' && after.kind !== 'variable') {
            throw this.error(`${u} must be followed by a key path`, after.pos);
          }
          return this.parsePath(q, t.pos);
        }
        if (u === 'SUBQUERY') return this.parseSubquery();
        if (RESERVED_WORDS.has(u)) throw this.error(`unexpected keyword ${t.text} where a value was expected`, t.pos);
        return this.parsePath(null, t.pos);
      }
      default:
        break;
    }
    throw this.error(`expected a value but found ${this.describe(t)}`, t.pos);
  }

  private parseExpansion(): ExpansionExpr {
    const t = this.next();
    if (t.kind !== 'expansion') throw this.error('expected %%…', t.pos);
    if (!this.allowExpansions) throw this.error(`%%${t.path.join('.')} is only allowed in permission filters`, t.pos);
    return { kind: 'expansion', path: t.path, pos: t.pos };
  }

  private parseLiteral(): LiteralExpr {
    const t = this.next();
    let literal: Literal;
    switch (t.kind) {
      case 'number':
        literal = { type: 'number', text: t.text };
        break;
      case 'string':
        literal = { type: 'string', value: t.value };
        break;
      case 'timestamp':
        literal = { type: 'timestamp', seconds: t.seconds, nanos: t.nanos };
        break;
      case 'objectId':
        literal = { type: 'objectId', hex: t.hex };
        break;
      case 'uuid':
        literal = { type: 'uuid', hex: t.hex };
        break;
      case 'binary':
        literal = { type: 'binary', base64: t.base64 };
        break;
      case 'ident':
        if (t.upper === 'TRUE' || t.upper === 'FALSE') literal = { type: 'bool', value: t.upper === 'TRUE' };
        else if (t.upper === 'NULL' || t.upper === 'NIL') literal = { type: 'null' };
        else literal = { type: 'number', text: t.text };
        break;
      default:
        throw this.error(`expected a literal but found ${this.describe(t)}`, t.pos);
    }
    return { kind: 'literal', literal, pos: t.pos };
  }

  private parseList(): ListExpr {
    const open = this.expectPunct('{');
    const items: (LiteralExpr | ArgExpr | ExpansionExpr)[] = [];
    if (this.isPunct(this.peek(), '}')) {
      this.next();
      return { kind: 'list', items, pos: open.pos };
    }
    for (;;) {
      const t = this.peek();
      if (items.length >= this.limits.maxListItems) {
        throw this.error(`list has more than ${this.limits.maxListItems} items`, t.pos);
      }
      let item: LiteralExpr | ArgExpr | ExpansionExpr;
      if (t.kind === 'arg') {
        this.next();
        item = { kind: 'arg', index: t.index, pos: t.pos };
      } else if (t.kind === 'expansion') {
        item = this.parseExpansion();
      } else if (
        t.kind === 'number' ||
        t.kind === 'string' ||
        t.kind === 'timestamp' ||
        t.kind === 'objectId' ||
        t.kind === 'uuid' ||
        t.kind === 'binary' ||
        (t.kind === 'ident' && ['TRUE', 'FALSE', 'NULL', 'NIL', 'INF', 'INFINITY', 'NAN'].includes(t.upper))
      ) {
        item = this.parseLiteral();
      } else {
        throw this.error(`a list literal holds constants and arguments only; found ${this.describe(t)}`, t.pos);
      }
      items.push(item);
      const sep = this.peek();
      if (this.isPunct(sep, ',')) {
        this.next();
        continue;
      }
      if (this.isPunct(sep, '}')) {
        this.next();
        break;
      }
      throw this.error(`expected ',' or '}' in the list but found ${this.describe(sep)}`, sep.pos);
    }
    return { kind: 'list', items, pos: open.pos };
  }

  private checkName(name: string, pos: number): string {
    if (FORBIDDEN_NAMES.has(name)) throw this.error(`'${name}' is not a valid property name`, pos);
    return name;
  }

  private parsePath(quantifier: Quantifier | null, pos: number): PathExpr {
    const first = this.next();
    let variable: string | null = null;
    const segments: PathSegment[] = [];
    if (first.kind === 'variable') variable = first.name;
    else if (first.kind === 'ident') {
      if (RESERVED_WORDS.has(first.upper)) throw this.error(`unexpected keyword ${first.text} where a key path was expected`, first.pos);
      segments.push({ type: 'field', name: this.checkName(first.text, first.pos), pos: first.pos });
    } else throw this.error(`expected a key path but found ${this.describe(first)}`, first.pos);
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, '.')) {
        this.next();
        const s = this.next();
        if (s.kind === 'ident') segments.push({ type: 'field', name: this.checkName(s.text, s.pos), pos: s.pos });
        else if (s.kind === 'at') {
          if (!(AT_OPERATORS as readonly string[]).includes(s.name)) {
            throw this.error(`unknown operator ${s.name}; expected one of ${AT_OPERATORS.join(' ')}`, s.pos);
          }
          segments.push({ type: 'op', op: s.name as AtOperator, pos: s.pos });
        } else throw this.error(`expected a property name after '.' but found ${this.describe(s)}`, s.pos);
      } else if (this.isPunct(t, '[')) {
        this.next();
        const k = this.next();
        if (k.kind !== 'string') throw this.error("expected a quoted key inside [ ], as in dict['key']", k.pos);
        this.expectPunct(']', 'after the dictionary key');
        segments.push({ type: 'key', key: this.checkName(k.value, k.pos), pos: t.pos });
      } else break;
      if (segments.length > this.limits.maxKeyPathLength) {
        throw this.error(`key path is longer than ${this.limits.maxKeyPathLength} segments`, t.pos);
      }
    }
    return { kind: 'path', quantifier, variable, segments, pos };
  }

  private parseSubquery(): SubqueryExpr {
    const kw = this.next();
    this.expectPunct('(', 'after SUBQUERY');
    const collTok = this.peek();
    if (collTok.kind !== 'ident' && collTok.kind !== 'variable') throw this.error('SUBQUERY needs a list key path first', collTok.pos);
    const collection = this.parsePath(null, collTok.pos);
    this.expectPunct(',', 'after the SUBQUERY list');
    const v = this.next();
    if (v.kind !== 'variable') throw this.error('SUBQUERY needs a variable such as $x as its second argument', v.pos);
    this.expectPunct(',', 'after the SUBQUERY variable');
    this.enter(kw.pos);
    const predicate = this.parseOr();
    this.leave();
    this.expectPunct(')', 'to close SUBQUERY');
    this.expectPunct('.', 'after SUBQUERY(…): use .@count');
    const op = this.next();
    if (op.kind !== 'at' || (op.name !== '@count' && op.name !== '@size')) {
      throw this.error('SUBQUERY(…) must be followed by .@count', op.pos);
    }
    return { kind: 'subquery', collection, variable: v.name, predicate, op: op.name, pos: kw.pos };
  }

  private parseKeyPathNames(): string[] {
    const first = this.next();
    if (first.kind !== 'ident') throw this.error(`expected a property name but found ${this.describe(first)}`, first.pos);
    const names = [this.checkName(first.text, first.pos)];
    while (this.isPunct(this.peek(), '.')) {
      this.next();
      const s = this.next();
      if (s.kind !== 'ident') throw this.error(`expected a property name after '.' but found ${this.describe(s)}`, s.pos);
      names.push(this.checkName(s.text, s.pos));
      if (names.length > this.limits.maxKeyPathLength) throw this.error(`key path is longer than ${this.limits.maxKeyPathLength} segments`, s.pos);
    }
    return names;
  }

  private parseDescriptor(): Descriptor {
    const kw = this.next();
    if (kw.kind !== 'ident') throw this.error('expected SORT, DISTINCT or LIMIT', kw.pos);
    this.expectPunct('(');
    this.countNode(kw.pos);
    if (kw.upper === 'LIMIT') {
      const n = this.next();
      if (n.kind !== 'number' || !/^[0-9]+$/.test(n.text) || n.text.length > 15) {
        throw this.error('LIMIT needs a whole number', n.pos);
      }
      this.expectPunct(')', 'to close LIMIT');
      return { kind: 'limit', count: Number(n.text), pos: kw.pos };
    }
    if (kw.upper === 'SORT') {
      const keys: SortKey[] = [];
      for (;;) {
        const path = this.parseKeyPathNames();
        let ascending = true;
        const d = this.peek();
        if (d.kind === 'ident' && (d.upper === 'ASC' || d.upper === 'ASCENDING' || d.upper === 'DESC' || d.upper === 'DESCENDING')) {
          this.next();
          ascending = d.upper.startsWith('ASC');
        }
        keys.push({ path, ascending });
        if (keys.length > this.limits.maxListItems) throw this.error('too many SORT keys', d.pos);
        if (this.isPunct(this.peek(), ',')) {
          this.next();
          continue;
        }
        break;
      }
      this.expectPunct(')', 'to close SORT');
      return { kind: 'sort', keys, pos: kw.pos };
    }
    const paths: string[][] = [];
    for (;;) {
      paths.push(this.parseKeyPathNames());
      if (paths.length > this.limits.maxListItems) throw this.error('too many DISTINCT keys', kw.pos);
      if (this.isPunct(this.peek(), ',')) {
        this.next();
        continue;
      }
      break;
    }
    this.expectPunct(')', 'to close DISTINCT');
    return { kind: 'distinct', paths, pos: kw.pos };
  }
}

/** Parses a query text into its syntax tree, or throws a QueryError with the position. */
export function parseQuery(text: string, options: ParseOptions = {}): QueryAst {
  const limits = resolveLimits(options.limits, DEFAULT_QUERY_LIMITS);
  return new Parser(text, limits, options.allowExpansions === true).parseQuery();
}
