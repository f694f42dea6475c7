import { Decimal128, ObjectId, UUID } from '../model/index.ts';
import { encodeBase64 } from './base64.ts';
import type { BoundCompare, BoundConst, BoundConstList, BoundOp, BoundPath, BoundPredicate, Step, ValueType } from './bound.ts';
import type { CompiledQuery } from './compile.ts';
import { QueryDate, codePointLength, foldString, isNaNNumeric, kindOf } from './compare.ts';
import { QueryError } from './errors.ts';
import { OBJECTS_TABLE, quoteTableName, storagePrimaryKey } from './storage-doc.ts';

/**
 * Translation of a compiled query's predicate into a parameterized SQL condition over the storage
 * document (storage-doc.ts), for SQLite (JSON1 functions) and PostgreSQL (jsonb).
 *
 * Every value from the query is a bound parameter; property names come from the schema (checked
 * identifiers) and are the only names written into the SQL text.
 *
 * Where SQL cannot decide a comparison exactly like the evaluator, the translation keeps two
 * conditions per node: an upper one (true for every object the evaluator accepts, maybe more) and
 * a lower one (true only for objects the evaluator accepts). NOT swaps them. The result is the
 * upper condition of the root; `exact` is false when upper and lower differ anywhere that matters,
 * and then the caller must post-filter the rows with `compiled.matches`. Every condition is
 * two-valued (never SQL NULL), so NOT, ALL and NONE keep their meaning.
 *
 * Inexact cases: [c]/[d] on non-ASCII text (Unicode case folding is not SQL's), decimals in SQLite,
 * binary ordering/substring/LIKE in SQLite, LIKE on binary, non-finite constants, and anything
 * outside the subscription subset (links followed, aggregates, SUBQUERY, field-to-field comparisons),
 * which translates to "maybe" (TRUE upper, FALSE lower).
 */

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlOptions {
  /** The objects table (`name` or `schema.name`); default `objects`. */
  readonly table?: string;
  /** PostgreSQL: the number of the first parameter ($n); default 1. Ignored for SQLite (`?`). */
  readonly paramStart?: number;
}

export interface SqlCondition {
  /** A boolean SQL expression over the row (the objects table is aliased `o`). */
  readonly text: string;
  readonly params: unknown[];
  /** True when the rows it selects are exactly the evaluator's matches. */
  readonly exact: boolean;
}

export interface SqlQuery extends SqlCondition {
  /** `SELECT o.pk, o.doc FROM objects AS o WHERE o.type = ? AND (…)` */
  readonly sql: string;
  /** The condition alone (same as `text`). */
  readonly where: string;
}

// ---- SQL fragments with deferred parameters ----------------------------------------------------

class Param {
  constructor(
    readonly value: unknown,
    /** PostgreSQL cast written after the placeholder. */
    readonly cast: string | undefined,
  ) {}
}
type Frag = string | Param | readonly Frag[];

function render(f: Frag, dialect: SqlDialect, start: number, params: unknown[]): string {
  let out = '';
  const visit = (x: Frag): void => {
    if (typeof x === 'string') out += x;
    else if (x instanceof Param) {
      params.push(x.value);
      out += dialect === 'sqlite' ? '?' : `$${start + params.length - 1}${x.cast ? `::${x.cast}` : ''}`;
    } else for (const y of x) visit(y);
  };
  visit(f);
  return out;
}

const TRUE: Frag = 'TRUE';
const FALSE: Frag = 'FALSE';

/** A condition pair: `up` ⊇ truth ⊇ `lo`. When exact, both are the same fragment. */
interface Bounds {
  readonly up: Frag;
  readonly lo: Frag;
  readonly exact: boolean;
}

const exactB = (f: Frag): Bounds => ({ up: f, lo: f, exact: true });
const MAYBE: Bounds = { up: TRUE, lo: FALSE, exact: false };

function joinBalanced(parts: readonly Frag[], op: 'AND' | 'OR'): Frag {
  // Balanced, so a long AND/OR does not nest deeper than log2(n) (SQLite limits expression depth).
  if (parts.length === 0) return op === 'AND' ? TRUE : FALSE;
  if (parts.length === 1) return parts[0]!;
  const mid = parts.length >> 1;
  return ['(', joinBalanced(parts.slice(0, mid), op), `) ${op} (`, joinBalanced(parts.slice(mid), op), ')'];
}

function andB(parts: readonly Bounds[]): Bounds {
  if (parts.every((p) => p.exact)) return exactB(joinBalanced(parts.map((p) => p.up), 'AND'));
  return { up: joinBalanced(parts.map((p) => p.up), 'AND'), lo: joinBalanced(parts.map((p) => p.lo), 'AND'), exact: false };
}

function orB(parts: readonly Bounds[]): Bounds {
  if (parts.every((p) => p.exact)) return exactB(joinBalanced(parts.map((p) => p.up), 'OR'));
  return { up: joinBalanced(parts.map((p) => p.up), 'OR'), lo: joinBalanced(parts.map((p) => p.lo), 'OR'), exact: false };
}

function notB(b: Bounds): Bounds {
  if (b.exact) return exactB(['NOT (', b.up, ')']);
  return { up: ['NOT (', b.lo, ')'], lo: ['NOT (', b.up, ')'], exact: false };
}

/** Makes a possibly-NULL SQL boolean two-valued. */
const sure = (f: Frag): Frag => ['COALESCE((', f, '), FALSE)'];

// ---- Element access per dialect ------------------------------------------------------------------

type JsonKind = 'string' | 'number' | 'bool' | 'null' | 'object';

/** One JSON value reachable from the row: a path into `o.doc`, or a dictionary key being iterated. */
interface Elem {
  /** Condition: the value is of this JSON kind (may be NULL when absent; callers use `sure`). */
  is(kind: JsonKind): Frag;
  /** Absent or JSON null. */
  isNull(): Frag;
  text(): Frag;
  num(): Frag;
  bool(): Frag;
  /** The value under a marker key ($date, $oid, …) of an object value. */
  marker(name: string): Elem;
  field(name: string): Elem;
  key(key: string): Elem;
}

interface Level {
  readonly from: Frag;
  readonly elem: Elem;
}

interface Dialect {
  root(): Elem;
  /** Iterates a list's elements or a dictionary's values (`keys`: the dictionary's keys as strings). */
  iterate(e: Elem, alias: string, what: 'elements' | 'values' | 'keys'): Level;
  /** Text comparisons in code point order. */
  collate(f: Frag): Frag;
  lower(f: Frag): Frag;
  isAscii(f: Frag): Frag;
  startsWith(text: Frag, needle: string): Frag;
  endsWith(text: Frag, needle: string): Frag;
  contains(text: Frag, needle: string): Frag;
  like(text: Frag, pattern: string): Frag;
  numParam(v: number | string): Frag;
  textParam(v: string): Frag;
  boolValue(e: Elem): Frag;
  boolParam(v: boolean): Frag;
  /** Binary comparisons, when the dialect can do them exactly. */
  binary?: {
    value(e: Elem): Frag;
    param(bytes: Uint8Array): Frag;
    startsWith(b: Frag, needle: Uint8Array): Frag;
    endsWith(b: Frag, needle: Uint8Array): Frag;
    contains(b: Frag, needle: Uint8Array): Frag;
  };
  /** Decimal comparisons, when the dialect can do them exactly. */
  decimal?: { value(e: Elem): Frag; param(text: string): Frag };
  /** An index-friendly condition implied by `field == value` on a top-level field. */
  equalityHint(field: string, value: string | number | boolean): Frag;
}

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
function checkName(name: string): string {
  // Property names come from the schema; this is a second line of defence before they touch SQL.
  if (!SAFE_NAME.test(name)) throw new QueryError(`property name ${JSON.stringify(name)} cannot be used in SQL`, 0);
  return name;
}

/** SQLite: values are addressed by a JSON path expression into o.doc. */
class SqliteElem implements Elem {
  constructor(
    /** SQL expression producing the JSON path text; when `literal` is set, the path is that constant. */
    readonly path: Frag,
    readonly literal: string | undefined,
    /** For dictionary keys being iterated: the key column. */
    readonly keyColumn?: string,
  ) {}
  private append(suffix: string): SqliteElem {
    if (this.literal !== undefined) {
      const lit = this.literal + suffix;
      return new SqliteElem(`'${lit}'`, lit);
    }
    return new SqliteElem(['(', this.path, ` || '${suffix}')`], undefined);
  }
  private typeExpr(): Frag {
    return ['json_type(o.doc, ', this.path, ')'];
  }
  is(kind: JsonKind): Frag {
    if (this.keyColumn) return kind === 'string' ? TRUE : FALSE;
    switch (kind) {
      case 'string':
        return [this.typeExpr(), " = 'text'"];
      case 'number':
        return [this.typeExpr(), " IN ('integer', 'real')"];
      case 'bool':
        return [this.typeExpr(), " IN ('true', 'false')"];
      case 'null':
        return this.isNull();
      case 'object':
        return [this.typeExpr(), " = 'object'"];
    }
  }
  isNull(): Frag {
    if (this.keyColumn) return FALSE;
    return ['COALESCE(', this.typeExpr(), ", 'null') = 'null'"];
  }
  text(): Frag {
    return this.keyColumn ?? ['json_extract(o.doc, ', this.path, ')'];
  }
  num(): Frag {
    return ['json_extract(o.doc, ', this.path, ')'];
  }
  bool(): Frag {
    return ['(', this.typeExpr(), " = 'true')"];
  }
  marker(name: string): Elem {
    return this.append(`."${name}"`);
  }
  field(name: string): Elem {
    return this.append(`.${checkName(name)}`);
  }
  key(key: string): Elem {
    // The key goes into the JSON path as a quoted label, passed as a bound parameter.
    const label = '.' + JSON.stringify(key);
    if (this.literal !== undefined) return new SqliteElem(new Param(this.literal + label, undefined), undefined);
    return new SqliteElem(['(', this.path, ' || ', new Param(label, undefined), ')'], undefined);
  }
}

const sqlite: Dialect = {
  root: () => new SqliteElem("'$'", '$'),
  iterate(e, alias, what) {
    const se = e as SqliteElem;
    const from: Frag = ['json_each(o.doc, ', se.path, `) AS ${alias}`];
    if (what === 'keys') return { from, elem: new SqliteElem(`${alias}.fullkey`, undefined, `${alias}.key`) };
    return { from, elem: new SqliteElem(`${alias}.fullkey`, undefined) };
  },
  collate: (f) => f,
  lower: (f) => ['lower(', f, ')'],
  isAscii: (f) => ['length(CAST(', f, ' AS BLOB)) = length(', f, ')'],
  startsWith: (t, n) => ['substr(', t, ', 1, ', new Param(codePointLength(n), undefined), ') = ', new Param(n, undefined)],
  endsWith: (t, n) => ['substr(', t, ', -', new Param(codePointLength(n), undefined), ') = ', new Param(n, undefined)],
  contains: (t, n) => ['instr(', t, ', ', new Param(n, undefined), ') > 0'],
  // GLOB has Realm's wildcards (* and ?); '[' starts a character class there, so it is escaped as '[[]'.
  like: (t, p) => [t, ' GLOB ', new Param(p.replace(/\[/g, '[[]'), undefined)],
  numParam: (v) => new Param(typeof v === 'string' ? Number(v) : v, undefined),
  textParam: (v) => new Param(v, undefined),
  boolValue: (e) => e.bool(),
  boolParam: (v) => new Param(v ? 1 : 0, undefined),
  // Matches an expression index on json_extract(doc, '$.field'); JSON true/false read as 1/0.
  equalityHint: (field, v) => [`json_extract(o.doc, '$.${checkName(field)}') = `, new Param(typeof v === 'boolean' ? (v ? 1 : 0) : v, undefined)],
};

/** PostgreSQL: values are jsonb expressions. */
class PgElem implements Elem {
  constructor(
    readonly json: Frag,
    readonly keyColumn?: string,
  ) {}
  private typeExpr(): Frag {
    return ['jsonb_typeof(', this.json, ')'];
  }
  is(kind: JsonKind): Frag {
    if (this.keyColumn) return kind === 'string' ? TRUE : FALSE;
    switch (kind) {
      case 'string':
        return [this.typeExpr(), " = 'string'"];
      case 'number':
        return [this.typeExpr(), " = 'number'"];
      case 'bool':
        return [this.typeExpr(), " = 'boolean'"];
      case 'null':
        return this.isNull();
      case 'object':
        return [this.typeExpr(), " = 'object'"];
    }
  }
  isNull(): Frag {
    if (this.keyColumn) return FALSE;
    return ['COALESCE(', this.typeExpr(), ", 'null') = 'null'"];
  }
  text(): Frag {
    return this.keyColumn ?? ['(', this.json, " #>> '{}')"];
  }
  num(): Frag {
    // CASE guarantees the cast only sees numbers (AND does not promise an evaluation order).
    return ['(CASE WHEN ', this.typeExpr(), " = 'number' THEN (", this.json, ')::numeric END)'];
  }
  bool(): Frag {
    return ['(CASE WHEN ', this.typeExpr(), " = 'boolean' THEN (", this.json, ')::boolean END)'];
  }
  marker(name: string): Elem {
    return new PgElem(['(', this.json, `->'${name}')`]);
  }
  field(name: string): Elem {
    return new PgElem(['(', this.json, `->'${checkName(name)}')`]);
  }
  key(key: string): Elem {
    return new PgElem(['(', this.json, '->', new Param(key, 'text'), ')']);
  }
}

const postgres: Dialect = {
  root: () => new PgElem('o.doc'),
  iterate(e, alias, what) {
    const j = (e as PgElem).json;
    if (what === 'elements') {
      const from: Frag = ["jsonb_array_elements(CASE WHEN jsonb_typeof(", j, ") = 'array' THEN ", j, ` ELSE '[]'::jsonb END) AS ${alias}(v)`];
      return { from, elem: new PgElem(`${alias}.v`) };
    }
    const from: Frag = ["jsonb_each(CASE WHEN jsonb_typeof(", j, ") = 'object' THEN ", j, ` ELSE '{}'::jsonb END) AS ${alias}(k, v)`];
    return { from, elem: what === 'keys' ? new PgElem(`${alias}.v`, `${alias}.k`) : new PgElem(`${alias}.v`) };
  },
  collate: (f) => ['(', f, ') COLLATE "C"'],
  lower: (f) => ['lower((', f, ') COLLATE "C")'],
  isAscii: (f) => ['octet_length(', f, ') = char_length(', f, ')'],
  startsWith: (t, n) => ['starts_with(', t, ', ', new Param(n, 'text'), ')'],
  endsWith: (t, n) => ['right(', t, ', ', new Param(codePointLength(n), 'int'), ') = ', new Param(n, 'text')],
  contains: (t, n) => ['strpos(', t, ', ', new Param(n, 'text'), ') > 0'],
  like: (t, p) => {
    let out = '';
    for (const ch of p) {
      if (ch === '*') out += '%';
      else if (ch === '?') out += '_';
      else if (ch === '%' || ch === '_' || ch === '\\') out += '\\' + ch;
      else out += ch;
    }
    return ['(', t, ') LIKE ', new Param(out, 'text')];
  },
  numParam: (v) => new Param(typeof v === 'number' ? String(v) : v, 'numeric'),
  textParam: (v) => new Param(v, 'text'),
  boolValue: (e) => e.bool(),
  boolParam: (v) => new Param(v, 'boolean'),
  binary: {
    value: (e) => ["decode(", e.marker('$binary').text(), ", 'base64')"],
    param: (b) => ['decode(', new Param(encodeBase64(b), 'text'), ", 'base64')"],
    startsWith: (b, n) => ['substring(', b, ' from 1 for ', new Param(n.length, 'int'), ') = decode(', new Param(encodeBase64(n), 'text'), ", 'base64')"],
    endsWith: (b, n) =>
      n.length === 0
        ? TRUE
        : ['(length(', b, ') >= ', new Param(n.length, 'int'), ' AND substring(', b, ' from length(', b, ') - ', new Param(n.length - 1, 'int'), ') = decode(', new Param(encodeBase64(n), 'text'), ", 'base64'))"],
    contains: (b, n) => ['position(decode(', new Param(encodeBase64(n), 'text'), ", 'base64') in ", b, ') > 0'],
  },
  decimal: {
    // 'NaN' decimals are excluded by the caller: numeric NaN sorts above everything in PostgreSQL.
    value: (e) => ['(', e.marker('$decimal').text(), ')::numeric'],
    param: (t) => new Param(t, 'numeric'),
  },
  // Containment can use a GIN index on doc (jsonb_path_ops); jsonb compares numbers by value.
  equalityHint: (field, v) => ['o.doc @> ', new Param(JSON.stringify({ [checkName(field)]: v }), 'jsonb')],
};

// ---- Comparisons ---------------------------------------------------------------------------------

const MIRROR: Partial<Record<BoundOp, BoundOp>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function sqlOp(op: BoundOp): string {
  return op === '==' ? '=' : op === '!=' ? '<>' : op;
}

type ConstKind = 'string' | 'number' | 'bool' | 'date' | 'objectId' | 'uuid' | 'data';

class Translator {
  private aliasCounter = 0;
  constructor(
    private readonly d: Dialect,
    /** Primary-key kind of each object type (a link holds its target's key). */
    private readonly linkKeyKinds: ReadonlyMap<string, string>,
  ) {}

  /** Whether values of declared type `t` can be of the constant's kind. */
  private accepts(t: ValueType, kind: ConstKind): boolean {
    if (t.base === 'mixed') return true;
    if (t.base === 'link') return this.linkKeyKinds.get(t.objectType!) === kind;
    if (kind === 'number') return t.base === 'int' || t.base === 'double' || t.base === 'decimal';
    return t.base === kind;
  }

  predicate(p: BoundPredicate): Bounds {
    switch (p.kind) {
      case 'constant':
        return exactB(p.value ? TRUE : FALSE);
      case 'not':
        return notB(this.predicate(p.operand));
      case 'and':
        return andB(p.operands.map((o) => this.predicate(o)));
      case 'or':
        return orB(p.operands.map((o) => this.predicate(o)));
      case 'compare':
        return this.compare(p);
    }
  }

  private compare(c: BoundCompare): Bounds {
    // Element-by-element list comparison, quantified constant lists on the left and quantified
    // key paths on the right are evaluated in memory only (outside the subscription subset).
    if (c.ordered) return MAYBE;
    // Shapes, full-text words and type names are decided in memory: the rows all stay candidates
    // (the bounds are not exact), and the evaluator filters them.
    const cop = c.op;
    if (cop === 'GEOWITHIN' || cop === 'TEXT' || c.typeOf) return MAYBE;
    if (c.left.kind === 'constList' && c.left.quantifier !== null) return MAYBE;
    if (c.right.kind === 'path' && (c.right.quantifier === 'ALL' || c.right.quantifier === 'NONE')) return MAYBE;
    let path: BoundPath;
    let other: BoundConst | BoundConstList;
    let op = cop;
    if (c.left.kind === 'path' && (c.right.kind === 'const' || c.right.kind === 'constList')) {
      path = c.left;
      other = c.right;
    } else if (c.right.kind === 'path' && (c.left.kind === 'const' || c.left.kind === 'constList') && MIRROR[op]) {
      path = c.right;
      other = c.left;
      op = MIRROR[op]! as typeof op;
    } else return MAYBE;
    if (path.variable !== null) return MAYBE;
    const quantifier = c.left.kind === 'path' ? (c.left.quantifier ?? 'ANY') : 'ANY';

    // Walk the steps: property reads extend the element, collections open a new iteration level.
    const levels: Level[] = [];
    const guards: Frag[][] = [[]];
    let elem = this.d.root();
    for (let i = 0; i < path.steps.length; i++) {
      const s: Step = path.steps[i]!;
      switch (s.kind) {
        case 'field':
          // Inside a collection a null embedded object has no values (the evaluator drops it).
          if (i > 0 && levels.length > 0) guards[guards.length - 1]!.push(sure(elem.is('object')));
          elem = elem.field(s.name);
          break;
        case 'dictKey':
          elem = elem.key(s.key);
          break;
        case 'expand':
        case 'dictValues':
        case 'dictKeys': {
          const alias = `e${++this.aliasCounter}`;
          const level = this.d.iterate(elem, alias, s.kind === 'expand' ? 'elements' : s.kind === 'dictValues' ? 'values' : 'keys');
          levels.push(level);
          guards.push([]);
          elem = level.elem;
          break;
        }
        default:
          return MAYBE; // links, aggregates, length
      }
    }
    const atom = (e: Elem): Bounds => this.atom(e, path.type, op, other, c);
    if (levels.length === 0) return atom(elem);

    // ANY: EXISTS over the nested levels. ALL = NOT ANY NOT; NONE = NOT ANY.
    const anyOf = (cond: (e: Elem) => Bounds): Bounds => {
      const inner = cond(elem);
      const build = (f: Frag): Frag => {
        let acc: Frag = f;
        for (let li = levels.length - 1; li >= 0; li--) {
          const conds = [...guards[li + 1]!, acc];
          acc = ['EXISTS (SELECT 1 FROM ', levels[li]!.from, ' WHERE ', joinBalanced(conds, 'AND'), ')'];
        }
        // Guards before the first level apply to the row itself.
        return guards[0]!.length ? joinBalanced([...guards[0]!, acc], 'AND') : acc;
      };
      if (inner.exact) return exactB(build(inner.up));
      return { up: build(inner.up), lo: build(inner.lo), exact: false };
    };
    switch (quantifier) {
      case 'ANY':
        return anyOf(atom);
      case 'ALL':
        return notB(anyOf((e) => notB(atom(e))));
      case 'NONE':
        return notB(anyOf(atom));
    }
  }

  /** One element against the constant(s). */
  private atom(e: Elem, type: ValueType, op: BoundOp, other: BoundConst | BoundConstList, c: BoundCompare): Bounds {
    const fold = { ci: c.caseInsensitive, di: c.diacriticInsensitive };
    if (op === 'BETWEEN') {
      const [lo, hi] = (other as BoundConstList).values;
      return andB([this.scalar(e, type, '>=', lo, fold), this.scalar(e, type, '<=', hi, fold)]);
    }
    if (other.kind === 'const') return this.scalar(e, type, op, other.value, fold);
    const values = other.values;
    // `x op ALL {…}`: every constant; `x op NONE {…}`: no constant (both true for an empty list).
    if (other.quantifier === 'ALL') return values.length === 0 ? exactB(TRUE) : andB(values.map((v) => this.scalar(e, type, op, v, fold)));
    const anyOf = (): Bounds => {
      if (values.length === 0) return exactB(FALSE);
      if (op === '==') return this.inList(e, type, values, fold);
      return orB(values.map((v) => this.scalar(e, type, op, v, fold)));
    };
    return other.quantifier === 'NONE' ? notB(anyOf()) : anyOf();
  }

  /** `e IN (values)`: one IN (…) per kind of constant, so long lists stay flat. */
  private inList(e: Elem, type: ValueType, values: readonly unknown[], fold: { ci: boolean; di: boolean }): Bounds {
    const groups = new Map<string, unknown[]>();
    const rest: Bounds[] = [];
    for (const v of values) {
      const k = kindOf(v);
      if ((k === 'string' && !fold.ci && !fold.di) || (k === 'number' && Number.isFinite(v)) || k === 'date' || k === 'objectId' || k === 'uuid') {
        let g = groups.get(k);
        if (!g) groups.set(k, (g = []));
        g.push(v);
      } else rest.push(this.scalar(e, type, '==', v, fold));
    }
    const parts: Bounds[] = [...rest];
    for (const [k, vs] of groups) {
      if (vs.length === 1) {
        parts.push(this.scalar(e, type, '==', vs[0], fold));
        continue;
      }
      switch (k) {
        case 'string':
          if (!this.accepts(type, 'string')) break;
          parts.push(exactB(sure([e.is('string'), ' AND ', e.text(), ' IN (', list(vs.map((v) => this.d.textParam(v as string))), ')'])));
          break;
        case 'objectId':
        case 'uuid': {
          if (!this.accepts(type, k)) break;
          const m = e.marker(k === 'objectId' ? '$oid' : '$uuid');
          const texts = vs.map((v) => (k === 'objectId' ? (v as ObjectId).toHexString() : (v as UUID).toHexString(false).toLowerCase()));
          parts.push(exactB(sure([m.is('string'), ' AND ', m.text(), ' IN (', list(texts.map((t) => this.d.textParam(t))), ')'])));
          break;
        }
        case 'date': {
          if (!this.accepts(type, 'date')) break;
          const m = e.marker('$date');
          parts.push(exactB(sure([m.is('number'), ' AND ', m.num(), ' IN (', list(vs.map((v) => this.d.numParam(dateValue(v)))), ')'])));
          break;
        }
        case 'number':
          // Numbers may also match decimals and non-finite markers: per value.
          for (const v of vs) parts.push(this.scalar(e, type, '==', v, fold));
          break;
      }
    }
    return orB(parts);
  }

  /** One element against one constant. */
  private scalar(e: Elem, type: ValueType, op: BoundOp, v: unknown, fold: { ci: boolean; di: boolean }): Bounds {
    if (op === '!=') return notB(this.scalar(e, type, '==', v, fold));
    const k = kindOf(v);
    const d = this.d;
    switch (k) {
      case 'null': {
        // The binder rejects ordering with null. As in Realm, a null needle is the empty string:
        // every string, binary value and null contains it (CONTAINS[c] on binary data: not null).
        if (op === 'BEGINSWITH' || op === 'ENDSWITH' || op === 'CONTAINS') {
          const parts: Frag[] = [];
          if (this.accepts(type, 'string')) parts.push(sure(e.is('string')));
          if (this.accepts(type, 'data')) parts.push(sure(e.marker('$binary').is('string')));
          if (!(op === 'CONTAINS' && fold.ci && type.base === 'data')) parts.push(e.isNull());
          return exactB(parts.length ? joinBalanced(parts, 'OR') : FALSE);
        }
        // Ordering against a null argument (as Realm allows): < and > match nothing, <= and >= null.
        if (op === '<' || op === '>') return exactB(FALSE);
        return exactB(e.isNull()); // == <= >= and LIKE: only null matches
      }
      case 'bool':
        if (!this.accepts(type, 'bool')) return exactB(FALSE);
        return exactB(sure([e.is('bool'), ' AND ', d.boolValue(e), ` ${sqlOp(op)} `, d.boolParam(v as boolean)]));
      case 'string':
        if (!this.accepts(type, 'string')) return exactB(FALSE);
        return this.stringAtom(e, op, v as string, fold);
      case 'number':
      case 'decimal':
        return this.numericAtom(e, type, op, v as number | Decimal128);
      case 'date': {
        if (!this.accepts(type, 'date') || !isOrderOp(op)) return exactB(FALSE);
        const m = e.marker('$date');
        return exactB(sure([m.is('number'), ' AND ', m.num(), ` ${sqlOp(op)} `, d.numParam(dateValue(v))]));
      }
      case 'objectId': {
        if (!this.accepts(type, 'objectId') || !isOrderOp(op)) return exactB(FALSE);
        const m = e.marker('$oid');
        return exactB(sure([m.is('string'), ' AND ', d.collate(m.text()), ` ${sqlOp(op)} `, d.textParam((v as ObjectId).toHexString())]));
      }
      case 'uuid': {
        if (!this.accepts(type, 'uuid') || !isOrderOp(op)) return exactB(FALSE);
        const m = e.marker('$uuid');
        return exactB(sure([m.is('string'), ' AND ', d.collate(m.text()), ` ${sqlOp(op)} `, d.textParam((v as UUID).toHexString(false).toLowerCase())]));
      }
      case 'data':
        if (!this.accepts(type, 'data')) return exactB(FALSE);
        return this.binaryAtom(e, op, v as Uint8Array);
      default:
        return MAYBE;
    }
  }

  private stringAtom(e: Elem, op: BoundOp, needle: string, fold: { ci: boolean; di: boolean }): Bounds {
    const d = this.d;
    const folding = fold.ci || fold.di;
    const n = folding ? foldString(needle, fold.ci, fold.di) : needle;
    const cmp = (t: Frag): Frag => {
      switch (op) {
        case 'BEGINSWITH':
          return n === '' ? TRUE : d.startsWith(t, n);
        case 'ENDSWITH':
          return n === '' ? TRUE : d.endsWith(t, n);
        case 'CONTAINS':
          return n === '' ? TRUE : d.contains(t, n);
        case 'LIKE':
          return d.like(t, n);
        default:
          return [d.collate(t), ` ${sqlOp(op)} `, d.textParam(n)];
      }
    };
    if (!folding) return exactB(sure([e.is('string'), ' AND ', cmp(e.text())]));
    // [c]/[d] are exact on ASCII text (folding is then ASCII lower-casing, or nothing); other text
    // is left to the evaluator.
    const text = e.text();
    const folded = fold.ci ? d.lower(text) : text;
    const ascii = d.isAscii(text);
    return {
      up: sure([e.is('string'), ' AND (NOT (', ascii, ') OR (', cmp(folded), '))']),
      lo: sure([e.is('string'), ' AND ', ascii, ' AND (', cmp(folded), ')']),
      exact: false,
    };
  }

  private numericAtom(e: Elem, type: ValueType, op: BoundOp, v: number | Decimal128): Bounds {
    const d = this.d;
    if (!isOrderOp(op) || !this.accepts(type, 'number')) return exactB(FALSE);
    const finite = typeof v === 'number' ? Number.isFinite(v) : !isNaNNumeric(v) && !/inf/i.test(v.toString());
    if (!finite) return MAYBE;
    const text = typeof v === 'number' ? String(v) : v.toString();
    const parts: Bounds[] = [];
    if (type.base !== 'decimal') {
      if (typeof v === 'number' || d.decimal) {
        parts.push(exactB(sure([e.is('number'), ' AND ', e.num(), ` ${sqlOp(op)} `, d.numParam(typeof v === 'number' ? v : text)])));
      } else {
        // A Decimal128 constant against a JSON number: SQLite would round it to a double.
        parts.push({ up: sure(e.is('number')), lo: FALSE, exact: false });
      }
    }
    if (type.base === 'double' || type.base === 'mixed') {
      // Non-finite doubles are stored as {"$double": "Infinity" | "-Infinity" | "NaN"}.
      const m = e.marker('$double');
      if (op === '>' || op === '>=') parts.push(exactB(sure([m.text(), " = 'Infinity'"])));
      if (op === '<' || op === '<=') parts.push(exactB(sure([m.text(), " = '-Infinity'"])));
    }
    if (type.base === 'decimal' || type.base === 'mixed') {
      const m = e.marker('$decimal');
      if (d.decimal) {
        // A NaN decimal matches no comparison (PostgreSQL would sort NaN above every number).
        parts.push(
          exactB(
            sure([
              m.is('string'),
              " AND (CASE WHEN lower(",
              m.text(),
              ") IN ('nan', '-nan', '+nan') THEN FALSE ELSE ",
              d.decimal.value(e),
              ` ${sqlOp(op)} `,
              d.decimal.param(text),
              ' END)',
            ]),
          ),
        );
      } else {
        parts.push({ up: sure(m.is('string')), lo: FALSE, exact: false });
      }
    }
    return orB(parts);
  }

  private binaryAtom(e: Elem, op: BoundOp, bytes: Uint8Array): Bounds {
    const d = this.d;
    const m = e.marker('$binary');
    if (op === '==') return exactB(sure([m.is('string'), ' AND ', m.text(), ' = ', d.textParam(encodeBase64(bytes))]));
    const present = sure(m.is('string'));
    const bin = d.binary;
    if (!bin || op === 'LIKE') return { up: present, lo: FALSE, exact: false };
    const b = bin.value(e);
    switch (op) {
      case 'BEGINSWITH':
        return exactB(sure([m.is('string'), ' AND ', bin.startsWith(b, bytes)]));
      case 'ENDSWITH':
        return exactB(sure([m.is('string'), ' AND ', bin.endsWith(b, bytes)]));
      case 'CONTAINS':
        return exactB(sure([m.is('string'), ' AND ', bin.contains(b, bytes)]));
      default:
        return exactB(sure([m.is('string'), ' AND ', b, ` ${sqlOp(op)} `, bin.param(bytes)]));
    }
  }
}

function list(parts: readonly Frag[]): Frag {
  const out: Frag[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(', ');
    out.push(p);
  });
  return out;
}

function isOrderOp(op: BoundOp): boolean {
  return op === '==' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

function dateValue(v: unknown): number {
  return v instanceof QueryDate ? v.ms : (v as Date).getTime();
}

function pkKinds(q: CompiledQuery): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of q.schema.types.values()) {
    if (!t.primaryKey) continue;
    const p = t.properties.get(t.primaryKey)!;
    m.set(t.name, p.type === 'int' ? 'number' : p.type);
  }
  return m;
}

function dialectOf(d: SqlDialect): Dialect {
  if (d === 'sqlite') return sqlite;
  if (d === 'postgres') return postgres;
  throw new QueryError(`unknown SQL dialect ${JSON.stringify(d)}`, 0);
}

/**
 * Index-friendly terms implied by the top-level conjuncts (`field == constant` on a top-level
 * string, int or bool field, or on the primary key). They are ANDed in front of the condition:
 * being implied, they never change the result, but they let SQLite use an expression index on
 * json_extract(doc, '$.field'), PostgreSQL a GIN index on doc, and both the (type, pk) key.
 */
function equalityHints(q: CompiledQuery, d: Dialect): Frag[] {
  const conjuncts: BoundPredicate[] = [];
  const collect = (p: BoundPredicate): void => {
    if (p.kind === 'and') p.operands.forEach(collect);
    else conjuncts.push(p);
  };
  collect(q.predicate);
  const hints: Frag[] = [];
  const pkName = q.objectSchema.primaryKey;
  for (const c of conjuncts) {
    if (c.kind !== 'compare' || c.op !== '==' || c.caseInsensitive || c.diacriticInsensitive) continue;
    const [path, other] = c.left.kind === 'path' ? [c.left, c.right] : [c.right, c.left];
    if (path.kind !== 'path' || other.kind !== 'const' || path.steps.length !== 1) continue;
    const step = path.steps[0]!;
    if (step.kind !== 'field' || step.prop.collection !== 'none') continue;
    const v = other.value;
    if (step.name === pkName && (typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v)) || v instanceof ObjectId)) {
      const pkType = step.prop.type;
      const fits = (pkType === 'string' && typeof v === 'string') || (pkType === 'int' && typeof v === 'number') || (pkType === 'objectId' && v instanceof ObjectId);
      if (fits) hints.push(['o.pk = ', new Param(storagePrimaryKey(v as string), 'text')]);
      continue;
    }
    const base = path.type.base;
    if ((base === 'string' && typeof v === 'string') || (base === 'int' && typeof v === 'number' && Number.isSafeInteger(v)) || (base === 'bool' && typeof v === 'boolean')) {
      hints.push(d.equalityHint(step.name, v));
    }
  }
  return hints;
}

function translate(q: CompiledQuery, dialect: SqlDialect): Bounds {
  const d = dialectOf(dialect);
  const b = new Translator(d, pkKinds(q)).predicate(q.predicate);
  const hints = equalityHints(q, d);
  if (hints.length === 0) return b;
  const h = joinBalanced(hints, 'AND');
  return b.exact ? exactB(joinBalanced([h, b.up], 'AND')) : { up: joinBalanced([h, b.up], 'AND'), lo: b.lo, exact: false };
}

/** The query's predicate as a SQL condition over `o.doc` (superset when not exact). */
export function toSqlCondition(q: CompiledQuery, dialect: SqlDialect, options: SqlOptions = {}): SqlCondition {
  const b = translate(q, dialect);
  const params: unknown[] = [];
  const text = render(b.up, dialect, options.paramStart ?? 1, params);
  return { text, params, exact: b.exact };
}

function select(dialect: SqlDialect, typeName: string, cond: Frag, options: SqlOptions): { sql: string; where: string; params: unknown[] } {
  const table = quoteTableName(options.table ?? OBJECTS_TABLE);
  const params: unknown[] = [];
  const start = options.paramStart ?? 1;
  const typeParam = render(new Param(typeName, 'text'), dialect, start, params);
  const where = render(cond, dialect, start, params);
  return { sql: `SELECT o.pk, o.doc FROM ${table} AS o WHERE o.type = ${typeParam} AND (${where})`, where, params };
}

/**
 * A SELECT of the query's candidate rows: `SELECT o.pk, o.doc FROM objects AS o WHERE o.type = ?
 * AND (…)`. When `exact` is false, filter the rows with `q.matches`. SORT/DISTINCT/LIMIT are not
 * translated: apply them with `q.run` on the decoded rows.
 */
export function toSql(q: CompiledQuery, dialect: SqlDialect, options: SqlOptions = {}): SqlQuery {
  const b = translate(q, dialect);
  const s = select(dialect, q.typeName, b.up, options);
  return { sql: s.sql, where: s.where, text: s.where, params: s.params, exact: b.exact };
}

/**
 * The rows a session sees of one type: (any of the subscriptions) AND (the read filter, if any).
 * `exact` is false when any part is inexact; then post-filter with the same queries.
 */
export function toSqlForView(
  typeName: string,
  subscriptions: readonly CompiledQuery[],
  readFilter: CompiledQuery | null,
  dialect: SqlDialect,
  options: SqlOptions = {},
): SqlQuery {
  for (const q of [...subscriptions, ...(readFilter ? [readFilter] : [])]) {
    if (q.typeName !== typeName) throw new QueryError(`query is for ${q.typeName}, not ${typeName}`, 0);
  }
  const subs = orB(subscriptions.map((q) => translate(q, dialect)));
  const all = readFilter ? andB([subs, translate(readFilter, dialect)]) : subs;
  const s = select(dialect, typeName, all.up, options);
  return { sql: s.sql, where: s.where, text: s.where, params: s.params, exact: all.exact };
}

