import type {
  ArgExpr,
  ArithOp,
  AtOperator,
  CompareOp,
  Descriptor,
  ExpansionExpr,
  ListIndex,
  Expr,
  ListExpr,
  ListItem,
  Literal,
  LiteralExpr,
  ObjectRefExpr,
  PathExpr,
  PathSegment,
  Predicate,
  QueryAst,
  Quantifier,
  SortKey,
  SubqueryExpr,
  GeoExpr,
  GeoPointText,
} from './ast.ts';
import { AT_OPERATORS } from './ast.ts';
import { encodeBase64 } from './base64.ts';
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
  TEXT: 'TEXT',
  GEOWITHIN: 'GEOWITHIN',
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
    const open: number[] = [];
    this.tokens.forEach((t, i) => {
      if (t.kind !== 'punct') return;
      if (t.text === '(') open.push(i);
      else if (t.text === ')' && open.length) this.closing.set(open.pop()!, i);
    });
  }

  /** For each '(' token, the index of its matching ')' (decides predicate group or value group). */
  private readonly closing = new Map<number, number>();

  private isArithToken(t: Token): boolean {
    return t.kind === 'punct' && (t.text === '+' || t.text === '-' || t.text === '*' || t.text === '/');
  }

  /** Whether the parenthesis at the current token groups a value (`(age - 5) * 2 == 70`), not a predicate. */
  private parenGroupsValue(): boolean {
    const close = this.closing.get(this.i);
    if (close === undefined) return false;
    const after = this.tokens[close + 1]!;
    if (this.isArithToken(after) || after.kind === 'modifier') return true;
    if (after.kind === 'punct') return SYMBOL_OPS[after.text] !== undefined;
    return after.kind === 'ident' && STRING_OPS[after.upper] !== undefined;
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
    if (this.isPunct(t, '(') && !this.parenGroupsValue()) {
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
    const left = this.parseOperand();
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
    const right = this.parseOperand();
    if (op === 'GEOWITHIN' && right.kind !== 'geo' && right.kind !== 'arg') {
      throw this.error('geoWithin needs a shape: geoCircle(…), geoBox(…), geoPolygon(…) or an argument such as $0', right.pos);
    }
    if (op === 'TEXT' && right.kind !== 'literal' && right.kind !== 'arg') {
      throw this.error("TEXT needs a string or an argument, as in description TEXT 'apple -banana'", right.pos);
    }
    if (op === 'BETWEEN' && right.kind !== 'list' && right.kind !== 'arg' && right.kind !== 'expansion') {
      throw this.error('BETWEEN needs a list of two values: x BETWEEN {low, high}', right.pos);
    }
    if (op === 'BETWEEN' && right.kind === 'list' && right.items.length !== 2) {
      throw this.error('BETWEEN needs exactly two values: x BETWEEN {low, high}', right.pos);
    }
    this.countNode(start.pos);
    return { kind: 'compare', op, left, right, caseInsensitive, diacriticInsensitive, pos: start.pos };
  }

  /** A comparison side: an optional ANY/SOME/ALL/NONE, then an arithmetic expression. */
  private parseOperand(): Expr {
    const t = this.peek();
    if (!(t.kind === 'ident' && (t.upper === 'ANY' || t.upper === 'SOME' || t.upper === 'ALL' || t.upper === 'NONE'))) return this.parseArith();
    this.next();
    const q: Quantifier = t.upper === 'SOME' ? 'ANY' : (t.upper as Quantifier);
    const after = this.peek();
    if (after.kind !== 'ident' && after.kind !== 'variable' && after.kind !== 'arg' && after.kind !== 'at' && !this.isPunct(after, '{') && !this.isPunct(after, '(')) {
      throw this.error(`${t.upper} must be followed by a key path, a list or a list argument`, after.pos);
    }
    if (after.kind === 'ident' && RESERVED_WORDS.has(after.upper)) throw this.error(`${t.upper} must be followed by a key path, a list or a list argument`, after.pos);
    const e = this.parseArith();
    switch (e.kind) {
      case 'path':
        return { ...e, quantifier: q, pos: t.pos };
      case 'list':
      case 'arg':
      case 'arith':
        return { ...e, quantifier: q, pos: t.pos };
      default:
        throw this.error(`${t.upper} must be followed by a key path, a list or a list argument`, after.pos);
    }
  }

  private parseArith(): Expr {
    let left = this.parseTerm();
    for (;;) {
      const t = this.peek();
      if (!(this.isPunct(t, '+') || this.isPunct(t, '-'))) return left;
      this.next();
      this.countNode(t.pos);
      const right = this.parseTerm();
      left = { kind: 'arith', op: (t as { text: string }).text as ArithOp, left, right, pos: left.pos };
    }
  }

  private parseTerm(): Expr {
    let left = this.parseFactor();
    for (;;) {
      const t = this.peek();
      if (!(this.isPunct(t, '*') || this.isPunct(t, '/'))) return left;
      this.next();
      this.countNode(t.pos);
      const right = this.parseFactor();
      left = { kind: 'arith', op: (t as { text: string }).text as ArithOp, left, right, pos: left.pos };
    }
  }

  private parseFactor(): Expr {
    const t = this.peek();
    if (!this.isPunct(t, '(')) return this.parseValue();
    this.next();
    this.enter(t.pos);
    const inner = this.parseArith();
    this.leave();
    this.expectPunct(')', 'to close the parenthesis');
    if (inner.kind !== 'arith') throw this.error('parentheses in a value must hold arithmetic, as in (age - 5) * 2', t.pos);
    return { ...inner, grouped: true, pos: t.pos };
  }

  /** `bin('text')`, `binary("text")` or `bin(B64"…")`: binary data. */
  private parseBinaryCall(): LiteralExpr {
    const kw = this.next();
    this.expectPunct('(', `after ${kw.kind === 'ident' ? kw.text : 'bin'}`);
    const v = this.next();
    let base64: string;
    if (v.kind === 'string') base64 = encodeBase64(new TextEncoder().encode(v.value));
    else if (v.kind === 'binary') base64 = v.base64;
    else throw this.error("bin(…) needs a string, as in bin('abc')", v.pos);
    this.expectPunct(')', 'to close bin(…)');
    return { kind: 'literal', literal: { type: 'binary', base64, explicitBinary: true }, pos: kw.pos };
  }

  /** `obj('Type', key)`: a reference to the object of that type with that primary key. */
  private parseObjectRef(): ObjectRefExpr {
    const kw = this.next();
    this.expectPunct('(', 'after obj');
    const type = this.next();
    if (type.kind !== 'string') throw this.error("obj(…) needs the type name as a string first, as in obj('Dog', 'rex')", type.pos);
    this.expectPunct(',', 'after the type name in obj(…)');
    const k = this.peek();
    let key: LiteralExpr | ArgExpr;
    if (k.kind === 'arg') {
      this.next();
      key = { kind: 'arg', index: k.index, pos: k.pos };
    } else if (k.kind === 'string' || k.kind === 'number' || k.kind === 'objectId' || k.kind === 'uuid') key = this.parseLiteral();
    else throw this.error('obj(…) needs a primary key value or an argument', k.pos);
    this.expectPunct(')', 'to close obj(…)');
    return { kind: 'objectRef', objectType: type.value, key, pos: kw.pos };
  }

  /** A number in a geo shape, with an optional sign written apart (`- 73.9`). */
  private geoNumber(what: string): string {
    const a = this.peek();
    if (a.kind === 'arg') {
      this.next();
      return `$${a.index}`;
    }
    let sign = '';
    if (this.isPunct(this.peek(), '-') || this.isPunct(this.peek(), '+')) sign = (this.next() as { text: string }).text === '-' ? '-' : '';
    const n = this.next();
    if (n.kind !== 'number' || !/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(n.text)) {
      throw this.error(`${what} needs a number here but found ${this.describe(n)}`, n.pos);
    }
    const text = sign + n.text.replace(/^\+/, '');
    return text.startsWith('--') ? text.slice(2) : text;
  }

  /** `[lng, lat]` */
  private geoPoint(what: string): GeoPointText {
    this.expectPunct('[', `for a point [longitude, latitude] in ${what}`);
    const lng = this.geoNumber(what);
    this.expectPunct(',', `between longitude and latitude in ${what}`);
    const lat = this.geoNumber(what);
    if (this.isPunct(this.peek(), ',')) {
      // An altitude may be given, as in Realm; geoWithin ignores it.
      this.next();
      this.geoNumber(what);
    }
    this.expectPunct(']', `to close the point in ${what}`);
    return [lng, lat];
  }

  /** geoCircle([lng, lat], radius) / geoBox([lng, lat], [lng, lat]) / geoPolygon({[lng, lat], …}, …) */
  private parseGeo(): GeoExpr {
    const kw = this.next() as Token & { upper: string; text: string };
    const what = kw.text;
    this.expectPunct('(', `after ${what}`);
    let out: GeoExpr;
    if (kw.upper === 'GEOCIRCLE') {
      const center = this.geoPoint(what);
      this.expectPunct(',', `after the centre in ${what}`);
      const radius = this.geoNumber(what);
      out = { kind: 'geo', shape: 'circle', center, radius, pos: kw.pos };
    } else if (kw.upper === 'GEOBOX') {
      const bottomLeft = this.geoPoint(what);
      this.expectPunct(',', `after the bottom-left corner in ${what}`);
      const topRight = this.geoPoint(what);
      out = { kind: 'geo', shape: 'box', bottomLeft, topRight, pos: kw.pos };
    } else {
      const rings: GeoPointText[][] = [];
      for (;;) {
        this.expectPunct('{', `for a ring {[lng, lat], …} in ${what}`);
        const ring: GeoPointText[] = [];
        for (;;) {
          ring.push(this.geoPoint(what));
          if (ring.length > this.limits.maxListItems) throw this.error(`a ring has more than ${this.limits.maxListItems} points`, kw.pos);
          if (!this.isPunct(this.peek(), ',')) break;
          this.next();
        }
        this.expectPunct('}', `to close the ring in ${what}`);
        rings.push(ring);
        if (rings.length > this.limits.maxListItems) throw this.error(`more than ${this.limits.maxListItems} rings`, kw.pos);
        if (!this.isPunct(this.peek(), ',')) break;
        this.next();
      }
      out = { kind: 'geo', shape: 'polygon', rings, pos: kw.pos };
    }
    this.expectPunct(')', `to close ${what}`);
    return out;
  }

  private isCall(t: Token, ...names: string[]): boolean {
    return t.kind === 'ident' && names.includes(t.upper) && this.isPunct(this.peek(1), '(');
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
      case 'at':
        if (t.name.toLowerCase() === '@links') return this.parsePath(null, t.pos);
        break;
      case 'punct':
        if (t.text === '{') return this.parseList();
        break;
      case 'ident': {
        const u = t.upper;
        if (u === 'TRUE' || u === 'FALSE' || u === 'NULL' || u === 'NIL' || u === 'INF' || u === 'INFINITY' || u === 'NAN') {
          return this.parseLiteral();
        }
        if (u === 'SUBQUERY') return this.parseSubquery();
        if (this.isCall(t, 'BIN', 'BINARY')) return this.parseBinaryCall();
        if (this.isCall(t, 'OBJ')) return this.parseObjectRef();
        if (this.isCall(t, 'GEOCIRCLE', 'GEOBOX', 'GEOPOLYGON')) return this.parseGeo();
        // As in Realm, a property may be named like an operator (`in`, `between`, `contains`):
        // where a value is expected, such a word can only be a key path.
        if (STRING_OPS[u] !== undefined) return this.parsePath(null, t.pos, true);
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
    const items: ListItem[] = [];
    if (this.isPunct(this.peek(), '}')) {
      this.next();
      return { kind: 'list', items, pos: open.pos };
    }
    for (;;) {
      const t = this.peek();
      if (items.length >= this.limits.maxListItems) {
        throw this.error(`list has more than ${this.limits.maxListItems} items`, t.pos);
      }
      let item: ListItem;
      if (this.isCall(t, 'BIN', 'BINARY')) item = this.parseBinaryCall();
      else if (this.isCall(t, 'OBJ')) item = this.parseObjectRef();
      else if (t.kind === 'arg') {
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

  private parsePath(quantifier: Quantifier | null, pos: number, operatorWord = false): PathExpr {
    const first = this.next();
    let variable: string | null = null;
    const segments: PathSegment[] = [];
    if (first.kind === 'variable') variable = first.name;
    else if (first.kind === 'at' && first.name.toLowerCase() === '@links') segments.push({ type: 'op', op: '@links', pos: first.pos });
    else if (first.kind === 'ident') {
      if (RESERVED_WORDS.has(first.upper) && !operatorWord) throw this.error(`unexpected keyword ${first.text} where a key path was expected`, first.pos);
      segments.push({ type: 'field', name: this.checkName(first.text, first.pos), pos: first.pos });
    } else throw this.error(`expected a key path but found ${this.describe(first)}`, first.pos);
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, '.')) {
        this.next();
        const s = this.next();
        if (s.kind === 'ident') segments.push({ type: 'field', name: this.checkName(s.text, s.pos), pos: s.pos });
        else if (s.kind === 'at') {
          const name = s.name === '@links' || s.name === '@type' ? s.name : s.name.toLowerCase() === '@links' || s.name.toLowerCase() === '@type' ? s.name.toLowerCase() : s.name;
          if (!(AT_OPERATORS as readonly string[]).includes(name)) {
            throw this.error(`unknown operator ${s.name}; expected one of ${AT_OPERATORS.join(' ')}`, s.pos);
          }
          segments.push({ type: 'op', op: name as AtOperator, pos: s.pos });
        } else throw this.error(`expected a property name after '.' but found ${this.describe(s)}`, s.pos);
      } else if (this.isPunct(t, '[')) {
        this.next();
        const k = this.next();
        if (k.kind === 'string') {
          this.expectPunct(']', 'after the dictionary key');
          segments.push({ type: 'key', key: this.checkName(k.value, k.pos), pos: t.pos });
        } else {
          let index: ListIndex;
          if (k.kind === 'number' && /^[0-9]{1,9}$/.test(k.text)) index = Number(k.text);
          else if (k.kind === 'ident' && (k.upper === 'FIRST' || k.upper === 'LAST')) index = k.upper === 'FIRST' ? 'first' : 'last';
          else if (this.isPunct(k, '*')) index = 'all';
          else if (k.kind === 'arg') index = { arg: k.index };
          else throw this.error("expected a quoted key or a list position inside [ ], as in dict['key'] or list[0], list[FIRST], list[LAST]", k.pos);
          this.expectPunct(']', 'after the list position');
          segments.push({ type: 'index', index, pos: t.pos });
        }
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

/** A geo shape written as text (`geoBox([0, 0], [1, 1])`), as Realm accepts one in a string argument. */
export function parseGeoText(text: string, limits: QueryLimits): GeoExpr {
  const ast = new Parser(`_ GEOWITHIN ${text}`, limits, false).parseQuery();
  const p = ast.predicate;
  if (ast.descriptors.length > 0 || p.kind !== 'compare' || p.right.kind !== 'geo') {
    throw new QueryError(`not a geo shape: ${JSON.stringify(text)} (expected geoCircle(…), geoBox(…) or geoPolygon(…))`, 0, text);
  }
  return p.right;
}
