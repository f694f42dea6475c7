import { Binary } from 'bson';
import {
  ObjectId,
  UUID,
  coerceScalar,
  isRecord,
  type LinkingObjectsSchema,
  type ObjectSchema,
  type PropertySchema,
  type Schema,
} from '../model/index.ts';
import type { ArithExpr, ComparePredicate, Expr, ListIndex, Literal, PathExpr, Predicate, QueryAst, Quantifier, SubqueryExpr } from './ast.ts';
import type {
  BoundArith,
  BoundCompare,
  BoundConst,
  BoundConstList,
  BoundDescriptor,
  BoundOp,
  BoundOperand,
  BoundPath,
  BoundPredicate,
  BoundSortKey,
  BoundSubquery,
  Step,
  ValueBase,
  ValueType,
} from './bound.ts';
import { decodeBase64 } from './base64.ts';
import { dateFromTimestamp, decimalFromText, numberFromText, utf8, utf8Text, uuidFromHex } from './literals.ts';
import { checkComparable } from './comparable.ts';
import { T, describeType, propertyValueType } from './value-types.ts';
import { kindOf } from './compare.ts';
import { QueryError } from './errors.ts';
import { parseTextSearch } from './fulltext.ts';
import { GeoShapeError, geoShapeFrom, type GeoShape } from './geo.ts';
import { geoShapeFromLiteral } from './geo-literal.ts';
import { formatExpr } from './format.ts';
import { parseGeoText } from './parser.ts';
import { TYPE_NAMES, isTypeName } from './type-names.ts';
import type { QueryLimits } from './limits.ts';

export interface BindOptions {
  readonly limits: QueryLimits;
  /** The query text, for line/column in errors. */
  readonly text?: string;
  /** Supplies the value of a `%%…` expansion (permission filters); absent: expansions are errors. */
  readonly expansion?: (path: readonly string[], pos: number) => unknown;
}

export interface BoundQuery {
  readonly predicate: BoundPredicate;
  readonly descriptors: readonly BoundDescriptor[];
  /** Whether evaluation follows links (and so needs an ObjectResolver). */
  readonly needsResolver: boolean;
  /** Whether evaluation follows links backwards (and so needs the resolver's `linking`). */
  readonly needsBacklinks: boolean;
  /** The object types other than the queried one that evaluation may read through the resolver. */
  readonly readsTypes: ReadonlySet<string>;
}

interface Scope {
  readonly type: ObjectSchema;
  /** The SUBQUERY variable bound to the current element, if any. */
  readonly variable: string | null;
  /** Variables of enclosing SUBQUERY expressions (not reachable from here, but their names are taken). */
  readonly outer: ReadonlySet<string>;
}

type Pending =
  | { readonly kind: 'literal'; readonly literal: Literal; readonly pos: number }
  | { readonly kind: 'value'; readonly value: unknown; readonly pos: number; readonly what: string }
  | { readonly kind: 'list'; readonly items: readonly Pending[]; readonly quantifier: Quantifier | null; readonly pos: number }
  /** `obj('Type', key)`: a link to that object, by primary key. */
  | { readonly kind: 'objref'; readonly objectType: string; readonly key: Pending; readonly pos: number };

const isPendingKind = (k: string): boolean => k === 'literal' || k === 'value' || k === 'list' || k === 'objref';

type Cur =
  | { readonly k: 'record'; readonly type: ObjectSchema; readonly isRoot: boolean }
  | { readonly k: 'link'; readonly target: ObjectSchema }
  | { readonly k: 'coll'; readonly prop: PropertySchema }
  | { readonly k: 'dict'; readonly prop: PropertySchema }
  | { readonly k: 'value'; readonly type: ValueType }
  /** Records of `type` reached backwards (`@links.Type.prop`, a linkingObjects property). */
  | { readonly k: 'blinks'; readonly type: ObjectSchema }
  | { readonly k: 'done'; readonly type: ValueType };

class Binder {
  private needsResolver = false;
  private needsBacklinks = false;
  private readonly readsTypes = new Set<string>();
  private depth = 0;

  constructor(
    private readonly schema: Schema,
    private readonly root: ObjectSchema,
    private readonly args: readonly unknown[],
    private readonly opts: BindOptions,
  ) {
    if (args.length > opts.limits.maxArguments) {
      throw new QueryError(`more than ${opts.limits.maxArguments} arguments`, 0, opts.text);
    }
  }

  private err(message: string, pos: number): QueryError {
    return new QueryError(message, pos, this.opts.text);
  }

  bind(ast: QueryAst): BoundQuery {
    const predicate = this.bindPredicate(ast.predicate, { type: this.root, variable: null, outer: new Set() });
    const descriptors = ast.descriptors.map((d): BoundDescriptor => {
      switch (d.kind) {
        case 'limit':
          if (!Number.isSafeInteger(d.count) || d.count < 0) throw this.err('LIMIT needs a whole number', d.pos);
          return { kind: 'limit', count: d.count };
        case 'sort':
          return {
            kind: 'sort',
            keys: d.keys.map((k): BoundSortKey => ({ steps: this.bindScalarPath(k.path, 'SORT', d.pos), ascending: k.ascending, path: k.path })),
          };
        case 'distinct':
          return { kind: 'distinct', keys: d.paths.map((p) => this.bindScalarPath(p, 'DISTINCT', d.pos)), paths: d.paths };
      }
    });
    const addSteps = (steps: readonly Step[]): void => {
      for (const st of steps) {
        if (st.kind === 'follow') this.readsTypes.add(st.objectType);
        else if (st.kind === 'backlinks') for (const src of st.sources) this.readsTypes.add(src.type);
      }
    };
    const addOperand = (o: BoundOperand): void => {
      if (o.kind === 'path') addSteps(o.steps);
      else if (o.kind === 'arith') {
        addOperand(o.left);
        addOperand(o.right);
      } else if (o.kind === 'subquery') {
        addSteps(o.collection.steps);
        addPredicate(o.predicate);
      }
    };
    const addPredicate = (p: BoundPredicate): void => {
      if (p.kind === 'compare') {
        addOperand(p.left);
        addOperand(p.right);
      } else if (p.kind === 'not') addPredicate(p.operand);
      else if (p.kind === 'and' || p.kind === 'or') p.operands.forEach(addPredicate);
    };
    addPredicate(predicate);
    for (const d of descriptors) {
      if (d.kind === 'sort') d.keys.forEach((k) => addSteps(k.steps));
      else if (d.kind === 'distinct') d.keys.forEach(addSteps);
    }
    return { predicate, descriptors, needsResolver: this.needsResolver, needsBacklinks: this.needsBacklinks, readsTypes: this.readsTypes };
  }

  /** SORT and DISTINCT keys: properties through to-one links and embedded objects, ending at a scalar. */
  private bindScalarPath(names: readonly string[], what: string, pos: number): Step[] {
    let type = this.root;
    const steps: Step[] = [];
    names.forEach((name, i) => {
      const prop = type.properties.get(name);
      if (!prop) throw this.err(`${what}: ${type.name} has no property '${name}'`, pos);
      if (prop.collection !== 'none') throw this.err(`${what}: cannot use '${names.join('.')}': '${name}' is a ${prop.collection}`, pos);
      steps.push({ kind: 'field', name, prop, owner: type });
      const last = i === names.length - 1;
      if (prop.type === 'object') {
        if (last) throw this.err(`${what}: '${names.join('.')}' is an object; name one of its properties`, pos);
        const target = this.schema.require(prop.objectType!);
        if (!target.embedded) {
          steps.push({ kind: 'follow', objectType: target.name });
          this.needsResolver = true;
        }
        type = target;
      } else if (!last) {
        throw this.err(`${what}: '${name}' is not an object, it has no property '${names[i + 1]}'`, pos);
      }
    });
    return steps;
  }

  private bindPredicate(p: Predicate, scope: Scope): BoundPredicate {
    if (++this.depth > this.opts.limits.maxDepth + 4) throw this.err(`query is nested deeper than ${this.opts.limits.maxDepth} levels`, p.pos);
    try {
      switch (p.kind) {
        case 'constant':
          return { kind: 'constant', value: p.value, pos: p.pos };
        case 'not':
          return { kind: 'not', operand: this.bindPredicate(p.operand, scope), pos: p.pos };
        case 'and':
        case 'or':
          if (p.operands.length === 0) throw this.err(`empty ${p.kind.toUpperCase()}`, p.pos);
          return { kind: p.kind, operands: p.operands.map((o) => this.bindPredicate(o, scope)), pos: p.pos };
        case 'compare':
          return this.bindCompare(p, scope);
      }
    } finally {
      this.depth--;
    }
  }

  // ---- operands --------------------------------------------------------------------------------

  private prebind(e: Expr, scope: Scope): BoundPath | BoundSubquery | BoundArith | Pending {
    switch (e.kind) {
      case 'literal':
        return { kind: 'literal', literal: e.literal, pos: e.pos };
      case 'arg': {
        if (e.index >= this.args.length) {
          throw this.err(`argument $${e.index} is not provided (${this.args.length} argument${this.args.length === 1 ? '' : 's'} given)`, e.pos);
        }
        const v = this.pendingValue(this.args[e.index], e.pos, `argument $${e.index}`);
        if (e.quantifier) {
          if (v.kind !== 'list') throw this.err(`${e.quantifier} needs a list; argument $${e.index} is not a list`, e.pos);
          return { ...v, quantifier: e.quantifier };
        }
        return v;
      }
      case 'objectRef': {
        const target = this.schema.get(e.objectType);
        if (!target || target.embedded) throw this.err(`obj(…) needs a top-level object type; '${e.objectType}' is not one`, e.pos);
        const key = this.prebind(e.key, scope) as Pending;
        return { kind: 'objref', objectType: e.objectType, key, pos: e.pos };
      }
      case 'arith':
        return this.bindArith(e, scope);
      case 'expansion': {
        if (!this.opts.expansion) throw this.err(`%%${e.path.join('.')} is only allowed in permission filters`, e.pos);
        return this.pendingValue(this.opts.expansion(e.path, e.pos), e.pos, `%%${e.path.join('.')}`);
      }
      case 'list': {
        if (e.items.length > this.opts.limits.maxListItems) throw this.err(`list has more than ${this.opts.limits.maxListItems} items`, e.pos);
        const items = e.items.map((it) => {
          const b = this.prebind(it, scope);
          if (b.kind === 'list') throw this.err('a list cannot contain a list', it.pos);
          return b as Pending;
        });
        return { kind: 'list', items, quantifier: e.quantifier ?? null, pos: e.pos };
      }
      case 'path':
        return this.bindPath(e, scope);
      case 'subquery':
        return this.bindSubquery(e, scope);
      case 'geo':
        throw this.err('a geo shape (geoCircle, geoBox, geoPolygon) can only follow geoWithin', e.pos);
    }
  }

  private pendingValue(raw: unknown, pos: number, what: string): Pending {
    if (Array.isArray(raw)) {
      if (raw.length > this.opts.limits.maxListItems) throw this.err(`${what} has more than ${this.opts.limits.maxListItems} items`, pos);
      return {
        kind: 'list',
        items: raw.map((x, i) => {
          if (Array.isArray(x)) throw this.err(`${what}[${i}] is a list; lists cannot be nested`, pos);
          return { kind: 'value', value: x, pos, what: `${what}[${i}]` } as const;
        }),
        quantifier: null,
        pos,
      };
    }
    return { kind: 'value', value: raw, pos, what };
  }

  /** A runtime value (argument or expansion) with its type, checked to be something a query can hold. */
  private runtimeConst(raw: unknown, pos: number, what: string, hint: ValueType | null): BoundConst {
    let v: unknown = raw === undefined ? null : raw;
    if (v instanceof ArrayBuffer) v = new Uint8Array(v);
    else if (v instanceof Binary && !(v instanceof UUID)) v = new Uint8Array(v.buffer.subarray(0, v.position));
    if (v instanceof Date && Number.isNaN(v.getTime())) throw this.err(`${what} is an invalid date`, pos);
    const k = kindOf(v);
    let type: ValueType;
    switch (k) {
      case 'null':
        type = T('null');
        break;
      case 'number':
        type = T(Number.isInteger(v) ? 'int' : 'double');
        break;
      case 'decimal':
        type = T('decimal');
        break;
      case 'other':
        if (isRecord(v)) {
          type = T('record');
          break;
        }
        throw this.err(`${what} has a type queries do not support (${v === null ? 'null' : typeof v})`, pos);
      case 'data':
        // Copy: the caller may reuse its buffer after compiling.
        v = new Uint8Array(v as Uint8Array);
        type = T('data');
        break;
      default:
        type = T(k as ValueBase);
    }
    if (hint && hint.base === 'int' && typeof v === 'number' && !Number.isFinite(v)) {
      throw this.err(`${Number.isNaN(v) ? 'NaN' : 'infinity'} is not supported for int (${what})`, pos);
    }
    if (hint && (hint.base === 'link') && type.base === 'record') {
      return { kind: 'const', value: this.linkKeyOf(v as Record<string, unknown>, hint, pos, what), type: hint, pos };
    }
    return { kind: 'const', value: v, type, pos };
  }

  /** The primary key of an object given where a link is compared. */
  private linkKeyOf(rec: Record<string, unknown>, hint: ValueType, pos: number, what: string): unknown {
    const target = this.schema.require(hint.objectType!);
    // An object of another type is not a link target (Realm: "cannot be compared to an argument of type …").
    for (const k of Object.keys(rec)) {
      if (!target.properties.has(k)) throw this.err(`${what} is not a ${target.name} object (it has '${k}', which ${target.name} does not)`, pos);
    }
    const pkName = target.primaryKey!;
    const pkProp = target.properties.get(pkName)!;
    const pk = Object.prototype.hasOwnProperty.call(rec, pkName) ? coerceScalar(pkProp.type, rec[pkName]) : undefined;
    if (pk === undefined || pk === null) throw this.err(`${what} is not a ${target.name} object (no valid primary key '${pkName}')`, pos);
    return pk;
  }

  private literalConst(lit: Literal, pos: number, hint: ValueType | null): BoundConst {
    switch (lit.type) {
      case 'null':
        return { kind: 'const', value: null, type: T('null'), pos };
      case 'bool':
        return { kind: 'const', value: lit.value, type: T('bool'), pos };
      case 'number': {
        if (hint && hint.base === 'int' && /inf/i.test(lit.text)) throw this.err('infinity is not supported for int', pos);
        if (hint && hint.base === 'decimal') {
          const d = decimalFromText(lit.text);
          if (!d) throw this.err(`${lit.text} cannot be represented as a decimal`, pos);
          return { kind: 'const', value: d, type: T('decimal'), pos };
        }
        const n = numberFromText(lit.text);
        return { kind: 'const', value: n, type: T(Number.isInteger(n) ? 'int' : 'double'), pos };
      }
      case 'string':
        if (hint && hint.base === 'data') return { kind: 'const', value: utf8.encode(lit.value), type: T('data'), pos };
        return { kind: 'const', value: lit.value, type: T('string'), pos };
      case 'timestamp':
        return { kind: 'const', value: dateFromTimestamp(lit.seconds, lit.nanos), type: T('date'), pos };
      case 'objectId':
        return { kind: 'const', value: new ObjectId(lit.hex), type: T('objectId'), pos };
      case 'uuid':
        return { kind: 'const', value: uuidFromHex(lit.hex), type: T('uuid'), pos };
      case 'binary': {
        // The lexer validated the base64; decode it here so the tree keeps only text.
        const bytes = decodeBase64(lit.base64);
        if (!bytes) throw this.err('invalid base64 in B64 literal', pos);
        // As in Realm, B64"…" against a string or mixed value is the text those bytes encode
        // (bin(…) stays binary: the parser marks it).
        if (!lit.explicitBinary && hint && (hint.base === 'string' || hint.base === 'mixed')) {
          const text = utf8Text(bytes);
          if (text !== undefined) return { kind: 'const', value: text, type: T('string'), pos };
        }
        return { kind: 'const', value: bytes, type: T('data'), pos };
      }
    }
  }

  private resolvePending(p: Pending, hint: ValueType | null): BoundConst | BoundConstList {
    switch (p.kind) {
      case 'literal':
        return this.literalConst(p.literal, p.pos, hint);
      case 'value':
        return this.runtimeConst(p.value, p.pos, p.what, hint);
      case 'list': {
        const items = p.items.map((it) => this.resolvePending(it, hint) as BoundConst);
        return { kind: 'constList', values: items.map((i) => i.value), types: items.map((i) => i.type), quantifier: p.quantifier, pos: p.pos };
      }
      case 'objref': {
        const target = this.schema.require(p.objectType);
        const pkProp = target.properties.get(target.primaryKey!)!;
        const key = this.resolvePending(p.key, propertyValueType(pkProp, this.schema)) as BoundConst;
        const pk = coerceScalar(pkProp.type, key.value);
        if (pk === undefined || pk === null) throw this.err(`obj('${p.objectType}', …) needs a ${pkProp.type} primary key`, p.pos);
        return { kind: 'const', value: pk, type: T('link', target.name), pos: p.pos };
      }
    }
  }

  /** Arithmetic: numbers (or mixed values) only; one side may be multi-valued, not both. */
  private bindArith(e: ArithExpr, scope: Scope): BoundArith {
    const side = (x: Expr): BoundOperand => {
      const b = this.prebind(x, scope);
      return isPendingKind(b.kind) ? this.resolvePending(b as Pending, null) : (b as BoundOperand);
    };
    const left = side(e.left);
    const right = side(e.right);
    const multi = (o: BoundOperand): boolean => o.kind === 'constList' || ((o.kind === 'path' || o.kind === 'arith') && o.multi);
    if (multi(left) && multi(right)) throw this.err(`arithmetic needs a single value on one side of ${e.op}; both sides are lists`, e.pos);
    let result: ValueBase = e.op === '/' ? 'double' : 'int';
    for (const o of [left, right]) {
      for (const t of this.typesOf(o)) {
        if (t.base === 'decimal') result = 'decimal';
        else if (t.base === 'double' && result !== 'decimal') result = 'double';
        else if (t.base === 'mixed' && result !== 'decimal') result = 'double';
        else if (t.base !== 'int' && t.base !== 'null' && t.base !== 'mixed') throw this.err(`arithmetic needs numbers, not ${describeType(t)}`, o.pos);
      }
    }
    return { kind: 'arith', op: e.op, left, right, multi: multi(left) || multi(right), type: T(result), quantifier: e.quantifier ?? null, pos: e.pos };
  }

  private bindPath(e: PathExpr, scope: Scope): BoundPath {
    if (e.variable !== null && e.variable !== scope.variable) {
      if (scope.outer.has(e.variable)) {
        throw this.err(`${e.variable} belongs to an enclosing SUBQUERY; inside this SUBQUERY only ${scope.variable} can be used`, e.pos);
      }
      throw this.err(`unknown variable ${e.variable}`, e.pos);
    }
    if (e.segments.length === 0) throw this.err(`compare a property of ${e.variable}, not ${e.variable} itself`, e.pos);
    const steps: Step[] = [];
    let cur: Cur = { k: 'record', type: scope.type, isRoot: true };
    let multi = false;
    let throughLink = false;
    let aggregate = false;
    let backlinks = false;
    const segs = e.segments;
    const shown = (upTo: number): string =>
      segs
        .slice(0, upTo + 1)
        .map((s) => (s.type === 'field' ? s.name : s.type === 'op' ? s.op : s.type === 'key' ? `['${s.key}']` : '[…]'))
        .join('.');
    const elementCur = (prop: PropertySchema): Cur => {
      const vt = propertyValueType(prop, this.schema);
      if (vt.base === 'link') return { k: 'link', target: this.schema.require(vt.objectType!) };
      if (vt.base === 'embedded') return { k: 'record', type: this.schema.require(vt.objectType!), isRoot: false };
      return { k: 'value', type: vt };
    };
    let i = 0;
    while (i < segs.length) {
      const seg = segs[i]!;
      switch (cur.k) {
        case 'link': {
          if (seg.type === 'op' && seg.op === '@type') {
            steps.push({ kind: 'typeOf', fixed: 'object' });
            cur = { k: 'done', type: T('string') };
            i++;
            continue;
          }
          if (seg.type === 'op' && (seg.op === '@count' || seg.op === '@size')) {
            steps.push({ kind: 'follow', objectType: cur.target.name }, { kind: 'linkCount' });
            this.needsResolver = true;
            throughLink = true;
            aggregate = true;
            cur = { k: 'done', type: T('int') };
            i++;
            continue;
          }
          steps.push({ kind: 'follow', objectType: cur.target.name });
          this.needsResolver = true;
          throughLink = true;
          cur = { k: 'record', type: cur.target, isRoot: false };
          continue; // same segment, now on the record
        }
        case 'record': {
          if (seg.type === 'op' && seg.op === '@links') {
            // `@links.@count`: every link to the object; `@links.Type.property`: the objects of
            // Type whose link `property` points at it.
            if (cur.type.embedded || cur.type.primaryKey === undefined) throw this.err(`@links needs a top-level object; ${cur.type.name} is embedded`, seg.pos);
            const next = segs[i + 1];
            if (next && next.type === 'op' && (next.op === '@count' || next.op === '@size')) {
              steps.push({ kind: 'backlinks', pkName: cur.type.primaryKey, sources: this.allBacklinkSources(cur.type) });
              steps.push({ kind: 'size', over: 'items' });
              this.needsResolver = true;
              this.needsBacklinks = true;
              backlinks = true;
              throughLink = true;
              aggregate = true;
              multi = false;
              cur = { k: 'done', type: T('int') };
              i += 2;
              continue;
            }
            const typeSeg = segs[i + 1];
            const propSeg = segs[i + 2];
            if (!typeSeg || typeSeg.type !== 'field' || !propSeg || propSeg.type !== 'field') {
              throw this.err('@links must be followed by .@count or by an object type and its link property: @links.Type.property', seg.pos);
            }
            const source = this.backlinkSource(cur.type, typeSeg.name, propSeg.name, typeSeg.pos);
            steps.push({ kind: 'backlinks', pkName: cur.type.primaryKey, sources: [{ type: source.name, property: propSeg.name }] });
            this.needsResolver = true;
            this.needsBacklinks = true;
            backlinks = true;
            throughLink = true;
            multi = true;
            cur = { k: 'blinks', type: source };
            i += 3;
            continue;
          }
          if (seg.type === 'field' && !cur.type.properties.has(seg.name) && cur.type.linkingObjects.has(seg.name)) {
            const lo: LinkingObjectsSchema = cur.type.linkingObjects.get(seg.name)!;
            steps.push({ kind: 'backlinks', pkName: cur.type.primaryKey!, sources: [{ type: lo.objectType, property: lo.property }] });
            this.needsResolver = true;
            this.needsBacklinks = true;
            backlinks = true;
            throughLink = true;
            multi = true;
            cur = { k: 'blinks', type: this.schema.require(lo.objectType) };
            i++;
            continue;
          }
          if (seg.type !== 'field') {
            throw this.err(
              seg.type === 'op'
                ? `${seg.op} applies to a list, set, dictionary or string, not to ${cur.type.name}`
                : seg.type === 'index'
                  ? `${cur.type.name} is not a list`
                  : `${cur.type.name} is not a dictionary`,
              seg.pos,
            );
          }
          const prop = cur.type.properties.get(seg.name);
          if (!prop) throw this.err(`${cur.type.name} has no property '${seg.name}'`, seg.pos);
          steps.push({ kind: 'field', name: seg.name, prop, owner: cur.type });
          if (prop.collection === 'list' || prop.collection === 'set') cur = { k: 'coll', prop };
          else if (prop.collection === 'dictionary') cur = { k: 'dict', prop };
          else cur = elementCur(prop);
          i++;
          continue;
        }
        case 'blinks': {
          const source = cur.type;
          if (seg.type === 'op' && (seg.op === '@count' || seg.op === '@size')) {
            steps.push({ kind: 'size', over: 'items' });
            aggregate = true;
            multi = false;
            cur = { k: 'done', type: T('int') };
            i++;
            continue;
          }
          if (seg.type === 'op' && (seg.op === '@sum' || seg.op === '@avg' || seg.op === '@min' || seg.op === '@max')) {
            const next = segs[i + 1];
            if (!next || next.type !== 'field') throw this.err(`${seg.op} over backlinks needs a property: ${shown(i)}.property`, seg.pos);
            const prop = source.properties.get(next.name);
            if (!prop) throw this.err(`${source.name} has no property '${next.name}'`, next.pos);
            if (prop.collection !== 'none') throw this.err(`${seg.op} needs a single value per object; '${next.name}' is a ${prop.collection}`, next.pos);
            const valueType = propertyValueType(prop, this.schema);
            steps.push({ kind: 'field', name: next.name, prop, owner: source });
            const aggType = this.aggregateType(seg.op, valueType, seg.pos);
            steps.push(aggStep(seg.op, valueType));
            aggregate = true;
            multi = false;
            cur = { k: 'done', type: aggType };
            i += 2;
            continue;
          }
          if (seg.type !== 'field' && !(seg.type === 'op' && seg.op === '@links')) {
            throw this.err(`'${shown(i - 1)}' are ${source.name} objects; '${shown(i)}' is not valid`, seg.pos);
          }
          cur = { k: 'record', type: source, isRoot: false };
          continue; // same segment, now on each record
        }
        case 'coll': {
          const elem = propertyValueType(cur.prop, this.schema);
          if (seg.type === 'op' && seg.op === '@links' && elem.base === 'link') {
            // `items.@links.…`: from each linked object (the counts add up over the list, as in Realm).
            steps.push({ kind: 'expand' });
            multi = true;
            cur = { k: 'link', target: this.schema.require(elem.objectType!) };
            continue;
          }
          if (seg.type === 'op' && seg.op === '@type') {
            steps.push({ kind: 'expand' }, elem.base === 'mixed' ? { kind: 'typeOf' } : { kind: 'typeOf', fixed: fixedTypeName(elem.base) });
            multi = true;
            cur = { k: 'done', type: T('string') };
            i++;
            continue;
          }
          if (seg.type === 'op') {
            if (seg.op === '@count' || seg.op === '@size') {
              if (elem.base === 'link') {
                steps.push({ kind: 'expand' }, { kind: 'follow', objectType: elem.objectType! });
                this.needsResolver = true;
                steps.push({ kind: 'size', over: 'items' });
              } else if (multi) {
                steps.push({ kind: 'expand' }, { kind: 'size', over: 'items' });
              } else steps.push({ kind: 'size', over: 'value' });
              aggregate = true;
              multi = false;
              cur = { k: 'done', type: T('int') };
              i++;
              continue;
            }
            if (seg.op === '@keys' || seg.op === '@values') throw this.err(`${seg.op} applies to a dictionary; '${shown(i - 1)}' is a ${cur.prop.collection}`, seg.pos);
            // @sum @avg @min @max
            steps.push({ kind: 'expand' });
            let valueType = elem;
            if (elem.base === 'link' || elem.base === 'embedded') {
              const next = segs[i + 1];
              if (!next || next.type !== 'field') throw this.err(`${seg.op} over a list of objects needs a property: ${shown(i)}.property`, seg.pos);
              const target = this.schema.require(elem.objectType!);
              if (elem.base === 'link') {
                steps.push({ kind: 'follow', objectType: target.name });
                this.needsResolver = true;
                throughLink = true;
              }
              const prop = target.properties.get(next.name);
              if (!prop) throw this.err(`${target.name} has no property '${next.name}'`, next.pos);
              if (prop.collection !== 'none') throw this.err(`${seg.op} needs a single value per object; '${next.name}' is a ${prop.collection}`, next.pos);
              steps.push({ kind: 'field', name: next.name, prop, owner: target });
              valueType = propertyValueType(prop, this.schema);
              i++;
            }
            const aggType = this.aggregateType(seg.op, valueType, seg.pos);
            steps.push(aggStep(seg.op, valueType));
            aggregate = true;
            multi = false;
            cur = { k: 'done', type: aggType };
            i++;
            continue;
          }
          if (seg.type === 'key') throw this.err(`'${shown(i - 1)}' is a ${cur.prop.collection}, not a dictionary`, seg.pos);
          if (seg.type === 'index') {
            const index = this.listIndex(seg.index, seg.pos);
            if (typeof index === 'string' && index !== 'all' && cur.prop.collection !== 'list') {
              throw this.err(`'${shown(i - 1)}' is a ${cur.prop.collection}; only lists have positions`, seg.pos);
            }
            if (typeof index === 'number' && cur.prop.collection !== 'list') throw this.err(`'${shown(i - 1)}' is a ${cur.prop.collection}; only lists have positions`, seg.pos);
            if (index === 'all') {
              steps.push({ kind: 'expand' });
              multi = true;
            } else steps.push({ kind: 'index', index });
            cur = elementCur(cur.prop);
            i++;
            continue;
          }
          // A property of the elements: expand, then go on from each element.
          steps.push({ kind: 'expand' });
          multi = true;
          cur = elementCur(cur.prop);
          if (cur.k === 'value' && !(seg.name === 'length' && (cur.type.base === 'string' || cur.type.base === 'data' || cur.type.base === 'mixed'))) {
            throw this.err(`'${shown(i - 1)}' is a list of ${describeType(cur.type)}; it has no property '${seg.name}'`, seg.pos);
          }
          continue;
        }
        case 'dict': {
          const prop = cur.prop;
          if (seg.type === 'index') {
            const ix = seg.index;
            if (ix === 'all') {
              steps.push({ kind: 'dictValues' });
              multi = true;
              cur = elementCur(prop);
              i++;
              continue;
            }
            const key = typeof ix === 'object' ? this.args[ix.arg] : undefined;
            if (typeof key !== 'string') throw this.err(`'${shown(i - 1)}' is a dictionary: its entries have keys, not positions`, seg.pos);
            steps.push({ kind: 'dictKey', key });
            cur = elementCur(prop);
            i++;
            continue;
          }
          if (seg.type === 'field' || seg.type === 'key') {
            const key = seg.type === 'field' ? seg.name : seg.key;
            steps.push({ kind: 'dictKey', key });
            cur = elementCur(prop);
            i++;
            continue;
          }
          switch (seg.op) {
            case '@type': {
              const elem = propertyValueType(prop, this.schema);
              if (elem.base !== 'mixed') throw this.err(`@type applies to mixed values; '${shown(i - 1)}' holds ${describeType(elem)}`, seg.pos);
              steps.push({ kind: 'dictValues' }, { kind: 'typeOf' });
              multi = true;
              cur = { k: 'done', type: T('string') };
              break;
            }
            case '@links':
              throw this.err('@links applies to an object, not to a dictionary', seg.pos);
            case '@keys':
              steps.push({ kind: 'dictKeys' });
              multi = true;
              cur = { k: 'value', type: T('string') };
              break;
            case '@values':
              steps.push({ kind: 'dictValues' });
              multi = true;
              cur = elementCur(prop);
              break;
            case '@count':
            case '@size':
              if (multi) steps.push({ kind: 'dictKeys' }, { kind: 'size', over: 'items' });
              else steps.push({ kind: 'size', over: 'value' });
              aggregate = true;
              multi = false;
              cur = { k: 'done', type: T('int') };
              break;
            default: {
              const elem = propertyValueType(prop, this.schema);
              const aggType = this.aggregateType(seg.op, elem, seg.pos);
              steps.push({ kind: 'dictValues' }, aggStep(seg.op, elem));
              aggregate = true;
              multi = false;
              cur = { k: 'done', type: aggType };
            }
          }
          i++;
          continue;
        }
        case 'value': {
          const b = cur.type.base;
          if (seg.type === 'op' && seg.op === '@type') {
            steps.push(b === 'mixed' ? { kind: 'typeOf' } : { kind: 'typeOf', fixed: fixedTypeName(b) });
            cur = { k: 'done', type: T('string') };
            i++;
            continue;
          }
          if (seg.type === 'field' && seg.name === 'length' && (b === 'string' || b === 'data' || b === 'mixed')) {
            steps.push({ kind: 'length' });
            aggregate = true;
            cur = { k: 'value', type: T('int') };
            i++;
            continue;
          }
          if (seg.type === 'op' && multi && seg.op !== '@keys' && seg.op !== '@values') {
            // `items.price.@sum`: an aggregate over every value the path reached.
            if (seg.op === '@count' || seg.op === '@size') {
              steps.push({ kind: 'size', over: 'items' });
              cur = { k: 'done', type: T('int') };
            } else {
              const aggType = this.aggregateType(seg.op, cur.type, seg.pos);
              steps.push(aggStep(seg.op, cur.type));
              cur = { k: 'done', type: aggType };
            }
            aggregate = true;
            multi = false;
            i++;
            continue;
          }
          if (seg.type === 'op' && (seg.op === '@size' || seg.op === '@count') && (b === 'string' || b === 'data' || b === 'mixed')) {
            steps.push({ kind: 'size', over: 'value' });
            aggregate = true;
            cur = { k: 'done', type: T('int') };
            i++;
            continue;
          }
          throw this.err(`'${shown(i - 1)}' is ${describeType(cur.type)}; '${shown(i)}' is not valid`, seg.pos);
        }
        case 'done':
          throw this.err(`nothing can follow '${shown(i - 1)}'`, seg.pos);
      }
    }
    // The end of the path.
    let type: ValueType;
    switch (cur.k) {
      case 'coll':
        steps.push({ kind: 'expand' });
        multi = true;
        type = propertyValueType(cur.prop, this.schema);
        break;
      case 'dict':
        steps.push({ kind: 'dictValues' });
        multi = true;
        type = propertyValueType(cur.prop, this.schema);
        break;
      case 'link':
        type = T('link', cur.target.name);
        break;
      case 'blinks':
        // Compared as links: by the primary keys of the linking objects.
        steps.push({ kind: 'pk', name: cur.type.primaryKey! });
        type = T('link', cur.type.name);
        break;
      case 'record':
        if (cur.isRoot) throw this.err('a key path must name a property', e.pos);
        type = T('embedded', cur.type.name);
        break;
      default:
        type = cur.type;
    }
    if (e.quantifier !== null && !multi) {
      throw this.err(`${e.quantifier} needs a key path through a list, set or dictionary; '${shown(segs.length - 1)}' has one value`, e.pos);
    }
    return { kind: 'path', steps, multi, type, quantifier: e.quantifier, throughLink, aggregate, variable: e.variable, ...(backlinks ? { backlinks: true as const } : {}), pos: e.pos };
  }

  /** A list position from the query: a number, FIRST, LAST, * or an argument holding a whole number. */
  private listIndex(ix: ListIndex, pos: number): number | 'first' | 'last' | 'all' {
    if (typeof ix !== 'object') return ix;
    if (ix.arg >= this.args.length) throw this.err(`argument $${ix.arg} is not provided`, pos);
    const v = this.args[ix.arg];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.err(`argument $${ix.arg} must be a whole number to be used as a list position`, pos);
    return v;
  }

  /** The type named in `@links.Type.property`, checked to link to `target` through that property. */
  private backlinkSource(target: ObjectSchema, typeName: string, property: string, pos: number): ObjectSchema {
    const source = this.schema.get(typeName);
    if (!source) throw this.err(`@links: no object type '${typeName}'`, pos);
    const prop = source.properties.get(property);
    if (!prop) throw this.err(`@links: ${typeName} has no property '${property}'`, pos);
    if (source.embedded) throw this.err(`@links: ${typeName} is embedded; links from embedded objects are not followed back`, pos);
    if (prop.type !== 'object' || prop.embedded || prop.objectType !== target.name) {
      throw this.err(`@links: ${typeName}.${property} is not a link, list, set or dictionary of links to ${target.name}`, pos);
    }
    return source;
  }

  /** Every link property of a top-level type that points at `target` (for `@links.@count`). */
  private allBacklinkSources(target: ObjectSchema): { type: string; property: string }[] {
    const out: { type: string; property: string }[] = [];
    for (const t of this.schema.types.values()) {
      if (t.embedded) continue;
      for (const p of t.properties.values()) {
        if (p.type === 'object' && !p.embedded && p.objectType === target.name) out.push({ type: t.name, property: p.name });
      }
    }
    return out;
  }

  private aggregateType(op: string, elem: ValueType, pos: number): ValueType {
    const b = elem.base;
    const numeric = b === 'int' || b === 'double' || b === 'decimal';
    if (op === '@sum' || op === '@avg') {
      if (numeric) return T(op === '@avg' && b === 'int' ? 'double' : b);
      if (b === 'mixed') return T('mixed');
      throw this.err(`${op} needs numbers, not ${describeType(elem)}`, pos);
    }
    if (numeric || b === 'date' || b === 'mixed') return elem;
    throw this.err(`${op} needs numbers or dates, not ${describeType(elem)}`, pos);
  }

  private bindSubquery(e: SubqueryExpr, scope: Scope): BoundSubquery {
    if (e.variable === scope.variable || scope.outer.has(e.variable)) {
      throw this.err(`the SUBQUERY variable ${e.variable} is already in use`, e.pos);
    }
    const coll = this.bindPath(e.collection, scope);
    if (!coll.multi || (coll.type.base !== 'link' && coll.type.base !== 'embedded') || coll.aggregate) {
      throw this.err('SUBQUERY needs a list or set of objects', e.collection.pos);
    }
    const steps = [...coll.steps];
    if (steps[steps.length - 1]?.kind === 'pk') {
      // Backlinks already yield the records themselves.
      steps.pop();
    } else if (coll.type.base === 'link') {
      steps.push({ kind: 'follow', objectType: coll.type.objectType! });
      this.needsResolver = true;
    }
    const elementType = this.schema.require(coll.type.objectType!);
    const outer = new Set(scope.outer);
    if (scope.variable) outer.add(scope.variable);
    const predicate = this.bindPredicate(e.predicate, { type: elementType, variable: e.variable, outer });
    return {
      kind: 'subquery',
      collection: { ...coll, steps, throughLink: coll.throughLink || coll.type.base === 'link' },
      variable: e.variable,
      elementType: elementType.name,
      predicate,
      pos: e.pos,
    };
  }

  // ---- comparisons -----------------------------------------------------------------------------

  private operandType(o: BoundOperand): ValueType | null {
    switch (o.kind) {
      case 'path':
      case 'arith':
        return o.type;
      case 'subquery':
        return T('int');
      case 'const':
        return o.type;
      case 'constList':
        return null;
    }
  }

  private bindCompare(p: ComparePredicate, scope: Scope): BoundPredicate {
    if (p.op === 'GEOWITHIN') return this.bindGeoWithin(p, scope);
    if (p.op === 'TEXT') return this.bindText(p, scope);
    const lp = this.prebind(p.left, scope);
    const rp = this.prebind(p.right, scope);
    const isPending = (x: { kind: string }): x is Pending => isPendingKind(x.kind);
    const isTypeOf = (x: { kind: string }): boolean => x.kind === 'path' && (x as BoundPath).steps[(x as BoundPath).steps.length - 1]?.kind === 'typeOf';
    if (isTypeOf(lp) || isTypeOf(rp)) return this.bindTypeOf(p, lp, rp);
    // Constants take their exact form from the other side (a number against a decimal field is
    // a Decimal128, a string against binary data is its UTF-8 bytes).
    let left: BoundOperand;
    let right: BoundOperand;
    if (isPending(lp) && isPending(rp)) {
      left = this.resolvePending(lp, null);
      right = this.resolvePending(rp, this.operandType(left));
    } else if (isPending(lp)) {
      right = rp as BoundOperand;
      left = this.resolvePending(lp, this.operandType(right));
    } else if (isPending(rp)) {
      left = lp as BoundOperand;
      right = this.resolvePending(rp, this.operandType(left));
    } else {
      left = lp as BoundOperand;
      right = rp as BoundOperand;
    }
    const isMulti = (o: BoundOperand): boolean => o.kind === 'constList' || ((o.kind === 'path' || o.kind === 'arith') && o.multi);
    const quantifierOf = (o: BoundOperand): Quantifier | null =>
      o.kind === 'path' || o.kind === 'arith' || o.kind === 'constList' ? o.quantifier : null;
    for (const o of [left, right]) {
      const q = quantifierOf(o);
      if (q !== null && !isMulti(o)) throw this.err(`${q} needs a list, a list argument or a key path through a list, set or dictionary`, o.pos);
    }
    const lq = quantifierOf(left);
    const rq = quantifierOf(right);
    const ordered = isMulti(left) && isMulti(right) && lq === null && rq === null;
    if (ordered && primitiveListColumn(left) && primitiveListColumn(right)) {
      throw this.err('comparing two lists of values needs ANY, ALL or NONE on one side (as in ANY a == ANY b)', p.pos);
    }
    let op: BoundOp;
    switch (p.op) {
      case 'IN':
        if (!isMulti(right)) throw this.err('the value after IN must be a list: {…}, a list argument, or a list property', p.right.pos);
        op = '==';
        break;
      case 'BETWEEN':
        if (right.kind !== 'constList' || right.values.length !== 2) {
          throw this.err('BETWEEN needs exactly two values: x BETWEEN {low, high}', p.right.pos);
        }
        // As in Realm: on a list only with ALL (every element in the range).
        if (isMulti(left) && lq !== 'ALL') throw this.err('BETWEEN on a list needs ALL (every element in the range); use ANY x >= low AND … per element otherwise', p.pos);
        op = 'BETWEEN';
        break;
      default:
        op = p.op;
    }
    // A list of links (or a link reached through a list) is not compared with null, as in Realm.
    for (const [a, b] of [[left, right], [right, left]] as const) {
      if (a.kind === 'path' && a.multi && a.type.base === 'link' && b.kind === 'const' && b.type.base === 'null') {
        throw this.err('a list of links cannot be compared with null; use @count == 0', p.pos);
      }
    }
    const fold = p.caseInsensitive || p.diacriticInsensitive;
    // A constant list may mix types, as in Realm: items of a type that cannot compare simply never
    // match, as long as one item can. A single constant of the wrong type is an error.
    const lTypes = this.typesOf(left);
    const rTypes = this.typesOf(right);
    const lenient = (left.kind === 'constList' ? 1 : 0) + (right.kind === 'constList' ? 1 : 0) === 1;
    let firstError: unknown = undefined;
    let anyOk = false;
    for (const lt of lTypes) {
      for (const rt of rTypes) {
        try {
          checkComparable(this.schema, op, lt, rt, fold, p, (m, pos) => this.err(m, pos));
          anyOk = true;
        } catch (err) {
          if (!lenient) throw err;
          firstError ??= err;
        }
      }
    }
    if (lenient && !anyOk && firstError !== undefined) throw firstError;
    return {
      kind: 'compare',
      op,
      left,
      right,
      caseInsensitive: p.caseInsensitive,
      diacriticInsensitive: p.diacriticInsensitive,
      isIn: p.op === 'IN',
      ordered,
      pos: p.pos,
      source: p,
    };
  }

  private compareNode(p: ComparePredicate, op: BoundOp, left: BoundOperand, right: BoundOperand, extra: { typeOf?: true } = {}): BoundCompare {
    return { kind: 'compare', op, left, right, caseInsensitive: p.caseInsensitive, diacriticInsensitive: p.diacriticInsensitive, isIn: p.op === 'IN', ordered: false, ...extra, pos: p.pos, source: p };
  }

  /** `location geoWithin geoCircle(…)` or `… geoWithin $0`: a GeoPoint object path against a shape. */
  private bindGeoWithin(p: ComparePredicate, scope: Scope): BoundPredicate {
    const left = this.prebind(p.left, scope);
    if (left.kind !== 'path' || left.type.base !== 'embedded' || left.aggregate) {
      throw this.err('geoWithin needs a key path to a GeoPoint object (an embedded object with type and coordinates) on the left', p.left.pos);
    }
    const pointType = this.schema.require(left.type.objectType!);
    const coords = pointType.properties.get('coordinates');
    const kind = pointType.properties.get('type');
    if (!coords || coords.collection !== 'list' || (coords.type !== 'double' && coords.type !== 'float') || !kind || kind.type !== 'string' || kind.collection !== 'none') {
      throw this.err(`geoWithin needs a GeoPoint object: ${pointType.name} must have 'type: string' and 'coordinates: double[]'`, p.left.pos);
    }
    let shape: GeoShape;
    try {
      if (p.right.kind === 'geo') {
        for (const m of formatExpr(p.right).matchAll(/\$(\d+)/g)) {
          if (Number(m[1]) >= this.args.length) throw this.err(`argument $${m[1]} is not provided`, p.right.pos);
        }
        shape = geoShapeFromLiteral(p.right, this.args);
      } else if (p.right.kind === 'arg') {
        if (p.right.index >= this.args.length) throw this.err(`argument $${p.right.index} is not provided`, p.right.pos);
        const arg = this.args[p.right.index];
        // A shape may also be given as its text, as Realm prints it: 'geoCircle([1, 2], 0.5)'.
        shape = typeof arg === 'string' ? geoShapeFromLiteral(parseGeoText(arg, this.opts.limits), []) : geoShapeFrom(arg);
      } else throw this.err('geoWithin needs geoCircle(…), geoBox(…), geoPolygon(…) or an argument', p.right.pos);
    } catch (err) {
      if (err instanceof GeoShapeError) throw this.err(err.message, p.right.pos);
      throw err;
    }
    return this.compareNode(p, 'GEOWITHIN', left, { kind: 'const', value: shape, type: T('geo'), pos: p.right.pos });
  }

  /** `description TEXT 'word -other pre*'` on a string property indexed 'full-text'. */
  private bindText(p: ComparePredicate, scope: Scope): BoundPredicate {
    const left = this.prebind(p.left, scope);
    const last = left.kind === 'path' ? left.steps[left.steps.length - 1] : undefined;
    if (left.kind !== 'path' || left.multi || !last || last.kind !== 'field' || last.prop.type !== 'string' || last.prop.collection !== 'none') {
      throw this.err('TEXT needs a string property on the left', p.left.pos);
    }
    if (!last.prop.fullText) throw this.err(`TEXT needs a full-text index: ${last.owner.name}.${last.name} is not indexed 'full-text'`, p.left.pos);
    const rp = this.prebind(p.right, scope);
    const right = isPendingKind(rp.kind) ? this.resolvePending(rp as Pending, T('string')) : undefined;
    if (!right || right.kind !== 'const' || typeof right.value !== 'string') throw this.err('TEXT needs a string to search for', p.right.pos);
    if (!parseTextSearch(right.value)) throw this.err('TEXT needs at least one word to search for', p.right.pos);
    return this.compareNode(p, 'TEXT', left, right);
  }

  /** `mixed.@type == 'string'`, `values.@type IN {'int', 'double'}`: type names, as in Realm. */
  private bindTypeOf(p: ComparePredicate, lp: BoundPath | BoundSubquery | BoundArith | Pending, rp: BoundPath | BoundSubquery | BoundArith | Pending): BoundPredicate {
    const typeStep = (x: typeof lp): Step | undefined => (x.kind === 'path' ? x.steps[x.steps.length - 1] : undefined);
    const lt = typeStep(lp);
    const rt = typeStep(rp);
    if (lt?.kind === 'typeOf' && rt?.kind === 'typeOf') {
      // Two @type paths: their type names compared.
      if (p.op !== '==' && p.op !== '!=') throw this.err(`@type supports ==, != and IN, not ${p.op}`, p.pos);
      if (p.caseInsensitive || p.diacriticInsensitive) throw this.err('@type comparisons take no [c] or [d]', p.pos);
      return this.compareNode(p, p.op, lp as BoundPath, rp as BoundPath, { typeOf: true });
    }
    const flip = !(lt?.kind === 'typeOf');
    const path = (flip ? rp : lp) as BoundPath;
    const other = flip ? lp : rp;
    const step = (flip ? rt : lt) as Step & { kind: 'typeOf' };
    if (step.fixed !== undefined) throw this.err(`'@type' of a property that is not mixed is always '${step.fixed}': comparing it with a constant compares two constants`, p.pos);
    if (p.caseInsensitive || p.diacriticInsensitive) throw this.err('@type comparisons take no [c] or [d]', p.pos);
    if (!isPendingKind(other.kind)) throw this.err('@type is compared with type names, as in mixed.@type == "string"', p.pos);
    const names = this.resolvePending(other as Pending, T('string'));
    const values = names.kind === 'constList' ? names.values : [names.value];
    for (const v of values) {
      if (typeof v !== 'string') throw this.err('@type is compared with type names (strings), as in mixed.@type == "string"', p.pos);
      if (!isTypeName(v)) throw this.err(`unknown type name '${v}' for @type; use one of ${TYPE_NAMES.join(', ')}`, p.pos);
    }
    let op: BoundOp;
    if (p.op === 'IN' || p.op === '==') op = '==';
    else if (p.op === '!=') op = '!=';
    else throw this.err(`@type supports ==, != and IN, not ${p.op}`, p.pos);
    if (p.op === 'IN' && names.kind !== 'constList') throw this.err('the value after IN must be a list: {…}', p.right.pos);
    const left: BoundOperand = flip ? names : path;
    const right: BoundOperand = flip ? path : names;
    return this.compareNode(p, op, left, right, { typeOf: true });
  }

  private typesOf(o: BoundOperand): readonly ValueType[] {
    if (o.kind === 'constList') return o.types;
    return [this.operandType(o)!];
  }

}


/** The `@type` name of a property that is not mixed. */
function fixedTypeName(b: ValueBase): string {
  switch (b) {
    case 'data':
      return 'binary';
    case 'objectId':
      return 'objectid';
    case 'link':
    case 'embedded':
      return 'object';
    default:
      return b;
  }
}

function aggStep(op: string, elem: ValueType): Step {
  const fn = op.slice(1) as 'sum' | 'avg' | 'min' | 'max';
  return elem.base === 'mixed' ? { kind: 'agg', fn, anyKind: true } : { kind: 'agg', fn };
}

/** A key path that ends by opening a list or set of scalars held by the object itself (`integers`). */
function primitiveListColumn(o: BoundOperand): boolean {
  if (o.kind !== 'path' || !o.multi || o.throughLink) return false;
  const last = o.steps[o.steps.length - 1];
  const prev = o.steps[o.steps.length - 2];
  return last?.kind === 'expand' && prev?.kind === 'field' && prev.prop.type !== 'object' && prev.prop.collection !== 'none';
}

/** Resolves and type-checks a parsed query against an object type. */
export function bindQuery(
  schema: Schema,
  typeName: string,
  ast: QueryAst,
  args: readonly unknown[],
  opts: BindOptions,
): BoundQuery {
  const type = schema.get(typeName);
  if (!type) throw new QueryError(`unknown object type '${typeName}'`, 0, opts.text);
  if (type.embedded) throw new QueryError(`${typeName} is embedded; query the type that holds it`, 0, opts.text);
  return new Binder(schema, type, args, opts).bind(ast);
}

export type { BoundConst, BoundConstList };
