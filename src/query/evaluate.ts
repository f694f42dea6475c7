import { Decimal128, isRecord, type ObjectRecord, type PrimaryKey } from '../model/index.ts';
import type { BoundArith, BoundCompare, BoundDescriptor, BoundOperand, BoundPredicate, Step } from './bound.ts';
import {
  QueryDate,
  bytesContain,
  bytesEndWith,
  bytesStartWith,
  codePointLength,
  compareStrings,
  equalityKey,
  foldString,
  queryEquals,
  queryOrder,
  sortCompare,
} from './compare.ts';
import { aggregate } from './aggregate.ts';
import { codePoints, compileLike, likeMatch, type LikePattern } from './like.ts';
import { parseTextSearch, textMatches, type TextSearch } from './fulltext.ts';
import { geoContains, storedGeoPoint, type GeoShape } from './geo.ts';
import { typeNameMatches, typeNameOf } from './type-names.ts';

/** Looks up linked objects: a link field holds the target's primary key. */
export interface ObjectResolver {
  get(type: string, pk: PrimaryKey): ObjectRecord | undefined;
  /**
   * Backlinks: the objects of `type` whose link, list or set of links `property` holds `pk`, once per
   * link (as Realm counts backlinks). Needed by queries with `@links` or linkingObjects
   * properties; an implementation keeps a reverse index (or builds one per query), never a scan
   * per object.
   */
  linking?(type: string, property: string, pk: PrimaryKey): readonly ObjectRecord[];
}

export interface EvalEnv {
  readonly resolver: ObjectResolver | undefined;
}

export type PredicateFn = (rec: ObjectRecord, env: EvalEnv) => boolean;
type ValuesFn = (rec: ObjectRecord, env: EvalEnv) => unknown[];
type ValueFn = (rec: ObjectRecord, env: EvalEnv) => unknown;

/** Reads a field; a missing field (or an inherited member of a plain object) reads as null. */
function readField(rec: unknown, name: string): unknown {
  if (rec === null || typeof rec !== 'object') return null;
  const v = (rec as Record<string, unknown>)[name];
  return v === undefined || typeof v === 'function' ? null : v;
}

function readKey(rec: unknown, key: string): unknown {
  if (!isRecord(rec)) return null;
  return Object.prototype.hasOwnProperty.call(rec, key) ? (rec[key] ?? null) : null;
}

function sizeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'string') return codePointLength(v);
  if (v instanceof Uint8Array) return v.length;
  if (isRecord(v)) return Object.keys(v).length;
  // As in Realm: a collection or string that is not there (null, or behind a null link) has size 0.
  return v === null || v === undefined ? 0 : null;
}

/** Dictionary keys in Realm's order (dictionaries are ordered by key, in code point order). */
function sortedKeys(rec: Record<string, unknown>): string[] {
  return Object.keys(rec).sort(compareStrings);
}

/** Walks a path's steps over a working list of items (one item while the path is single-valued). */
function walk(steps: readonly Step[], rec: ObjectRecord, env: EvalEnv): unknown[] {
  let items: unknown[] = [rec];
  let multi = false;
  for (const step of steps) {
    const out: unknown[] = [];
    switch (step.kind) {
      case 'field':
        for (const it of items) {
          // A null object in a single-valued path reads as null; inside a list it has no values.
          if (it === null || it === undefined) {
            if (!multi) out.push(null);
          } else out.push(readField(it, step.name));
        }
        break;
      case 'follow':
        for (const it of items) {
          const target = it === null || it === undefined || env.resolver === undefined ? undefined : env.resolver.get(step.objectType, it as PrimaryKey);
          if (target !== undefined) out.push(target);
          else if (!multi) out.push(null);
        }
        break;
      case 'expand':
        multi = true;
        for (const it of items) if (Array.isArray(it)) for (const x of it) out.push(x);
        break;
      case 'dictValues':
        multi = true;
        for (const it of items) if (isRecord(it)) for (const k of sortedKeys(it)) out.push(it[k] ?? null);
        break;
      case 'dictKeys':
        multi = true;
        for (const it of items) if (isRecord(it)) for (const k of sortedKeys(it)) out.push(k);
        break;
      case 'index':
        // One element of each list; a list without that position contributes no value.
        for (const it of items) {
          if (!Array.isArray(it)) {
            if (!multi) out.push(null);
            continue;
          }
          const i = step.index === 'first' ? 0 : step.index === 'last' ? it.length - 1 : step.index;
          if (i >= 0 && i < it.length) out.push(it[i]);
          else if (!multi) out.push(null);
        }
        break;
      case 'dictKey':
        for (const it of items) {
          if (it === null || it === undefined) {
            if (!multi) out.push(null);
          } else out.push(readKey(it, step.key));
        }
        break;
      case 'length':
        // Realm gives null strings and data length 0.
        for (const it of items) out.push(typeof it === 'string' ? codePointLength(it) : it instanceof Uint8Array ? it.length : it === null || it === undefined ? 0 : null);
        break;
      case 'size':
        if (step.over === 'items') out.push(items.length);
        else out.push(sizeOf(items[0]));
        multi = false;
        break;
      case 'agg':
        out.push(aggregate(step.fn, items, step.anyKind === true));
        multi = false;
        break;
      case 'linkCount':
        for (const it of items) out.push(isRecord(it) ? 1 : 0);
        break;
      case 'backlinks': {
        multi = true;
        const linking = env.resolver?.linking;
        if (!linking) break;
        for (const it of items) {
          if (!isRecord(it)) continue;
          const pk = it[step.pkName];
          if (pk === null || pk === undefined) continue;
          for (const src of step.sources) for (const r of linking.call(env.resolver, src.type, src.property, pk as PrimaryKey)) out.push(r);
        }
        break;
      }
      case 'pk':
        for (const it of items) out.push(readField(it, step.name));
        break;
      case 'typeOf':
        for (const it of items) out.push(step.fixed ?? typeNameOf(it));
        break;
    }
    items = out;
  }
  return items;
}

/** Whether a path can be read as one plain chain of property reads (the common, fast case). */
function simpleFieldChain(steps: readonly Step[]): string[] | undefined {
  const names: string[] = [];
  for (const s of steps) {
    if (s.kind !== 'field' || s.prop.collection !== 'none') return undefined;
    names.push(s.name);
  }
  return names;
}

interface CompiledOperand {
  readonly multi: boolean;
  readonly single: ValueFn;
  readonly values: ValuesFn;
  readonly constant: boolean;
}

function compileOperand(o: BoundOperand, compilePred: (p: BoundPredicate) => PredicateFn): CompiledOperand {
  switch (o.kind) {
    case 'const': {
      const v = o.value;
      const arr = [v];
      return { multi: false, single: () => v, values: () => arr, constant: true };
    }
    case 'constList': {
      const vs = [...o.values];
      return { multi: true, single: () => vs[0] ?? null, values: () => vs, constant: true };
    }
    case 'arith':
      return compileArith(o, compilePred);
    case 'subquery': {
      const coll = o.collection.steps;
      const pred = compilePred(o.predicate);
      const count: ValueFn = (rec, env) => {
        let n = 0;
        for (const item of walk(coll, rec, env)) if (isRecord(item) && pred(item, env)) n++;
        return n;
      };
      return { multi: false, single: count, values: (rec, env) => [count(rec, env)], constant: false };
    }
    case 'path': {
      const steps = o.steps;
      const chain = simpleFieldChain(steps);
      let single: ValueFn;
      if (chain && chain.length === 1) {
        const name = chain[0]!;
        single = (rec) => readField(rec, name);
      } else if (chain) {
        single = (rec) => {
          let v: unknown = rec;
          for (const name of chain) {
            if (v === null) return null;
            v = readField(v, name);
          }
          return v;
        };
      } else single = (rec, env) => walk(steps, rec, env)[0] ?? null;
      const values: ValuesFn = o.multi ? (rec, env) => walk(steps, rec, env) : (rec, env) => [single(rec, env)];
      return { multi: o.multi, single, values, constant: false };
    }
  }
}

/** A number for arithmetic (decimals in binary floating point), or undefined for anything else. */
function arithNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Decimal128) return Number(v.toString());
  return undefined;
}

function compileArith(o: BoundArith, compilePred: (p: BoundPredicate) => PredicateFn): CompiledOperand {
  const l = compileOperand(o.left, compilePred);
  const r = compileOperand(o.right, compilePred);
  const apply = (a: unknown, b: unknown): unknown => {
    const x = arithNumber(a);
    const y = arithNumber(b);
    if (x === undefined || y === undefined) return null;
    switch (o.op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        return x / y;
    }
  };
  const single: ValueFn = (rec, env) => apply(l.single(rec, env), r.single(rec, env));
  let values: ValuesFn;
  if (l.multi) {
    values = (rec, env) => {
      const b = r.single(rec, env);
      const out: unknown[] = [];
      for (const a of l.values(rec, env)) {
        const v = apply(a, b);
        if (v !== null) out.push(v);
      }
      return out;
    };
  } else if (r.multi) {
    values = (rec, env) => {
      const a = l.single(rec, env);
      const out: unknown[] = [];
      for (const b of r.values(rec, env)) {
        const v = apply(a, b);
        if (v !== null) out.push(v);
      }
      return out;
    };
  } else values = (rec, env) => [single(rec, env)];
  return { multi: o.multi, single, values, constant: l.constant && r.constant };
}

/** ASCII lower case of bytes ([c] on binary data, as in Realm). */
function foldBytes(b: Uint8Array): Uint8Array {
  let out: Uint8Array | undefined;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 65 && c <= 90) {
      out ??= Uint8Array.from(b);
      out[i] = c + 32;
    }
  }
  return out ?? b;
}

type Test = (l: unknown, r: unknown) => boolean;

function likeTest(fold: (s: string) => string, bfold: (b: Uint8Array) => Uint8Array): Test {
  let lastPattern: unknown = undefined;
  let compiled: LikePattern | undefined;
  return (l, r) => {
    if (typeof l === 'string' && typeof r === 'string') {
      if (r !== lastPattern) {
        lastPattern = r;
        compiled = compileLike(codePoints(fold(r)));
      }
      return likeMatch(codePoints(fold(l)), compiled!);
    }
    if (l instanceof Uint8Array && r instanceof Uint8Array) {
      if (r !== lastPattern) {
        lastPattern = r;
        compiled = compileLike(bfold(r));
      }
      return likeMatch(bfold(l), compiled!);
    }
    // As in Realm, a null pattern matches exactly the null value.
    return (l === null || l === undefined) && (r === null || r === undefined);
  };
}

/**
 * BEGINSWITH / ENDSWITH / CONTAINS. As in Realm, a null needle is the empty string (every string,
 * binary value and null contains it), except that CONTAINS[c] on binary data does not match a null
 * value; a null value contains no other needle.
 */
function substringTest(
  fold: (s: string) => string,
  bfold: (b: Uint8Array) => Uint8Array,
  strOp: (h: string, n: string) => boolean,
  byteOp: (h: Uint8Array, n: Uint8Array) => boolean,
  nullHaystackMatchesNull: boolean,
): Test {
  return (l, r) => {
    if (typeof l === 'string' && typeof r === 'string') return strOp(fold(l), fold(r));
    if (l instanceof Uint8Array && r instanceof Uint8Array) return byteOp(bfold(l), bfold(r));
    if (r === null || r === undefined) {
      if (typeof l === 'string' || l instanceof Uint8Array) return true;
      return (l === null || l === undefined) && nullHaystackMatchesNull;
    }
    return false;
  };
}

function makeTest(c: BoundCompare): Test {
  const ci = c.caseInsensitive;
  const di = c.diacriticInsensitive;
  const folding = ci || di;
  const fold = folding ? (s: string) => foldString(s, ci, di) : (s: string) => s;
  const bfold = ci ? foldBytes : (b: Uint8Array) => b;
  const eq = (l: unknown, r: unknown): boolean => {
    if (typeof l === 'string' && typeof r === 'string') return fold(l) === fold(r);
    if (ci && l instanceof Uint8Array && r instanceof Uint8Array) return queryEquals(bfold(l), bfold(r));
    return queryEquals(l, r);
  };
  // Realm's quirk: CONTAINS[c] on binary data does not match a null value against a null needle.
  const binaryType = (o: BoundOperand): boolean => (o.kind === 'path' || o.kind === 'const') && o.type.base === 'data';
  const nullMatches = !(ci && c.op === 'CONTAINS' && (binaryType(c.left) || binaryType(c.right)));
  if (c.typeOf) {
    // One side yields type names of values, the other the names queried (either order).
    const same = (l: unknown, r: unknown): boolean => typeNameMatches(l, r) || typeNameMatches(r, l);
    return c.op === '!=' ? (l, r) => !same(l, r) : same;
  }
  switch (c.op) {
    case 'TEXT': {
      let lastText: unknown = undefined;
      let search: TextSearch | undefined;
      return (l, r) => {
        if (r !== lastText) {
          lastText = r;
          search = typeof r === 'string' ? parseTextSearch(r) : undefined;
        }
        return search !== undefined && textMatches(l, search);
      };
    }
    case 'GEOWITHIN':
      return (l, r) => {
        const p = storedGeoPoint(l);
        return p !== undefined && geoContains(r as GeoShape, p);
      };
    case '==':
      return folding ? eq : queryEquals;
    case '!=':
      return folding ? (l, r) => !eq(l, r) : (l, r) => !queryEquals(l, r);
    case '<':
      return (l, r) => queryOrder(l, r) < 0;
    case '<=':
      return (l, r) => queryOrder(l, r) <= 0 || (isNull(l) && isNull(r));
    case '>':
      return (l, r) => queryOrder(l, r) > 0;
    case '>=':
      // As in Realm, null >= null and null <= null hold (a null argument against a null value).
      return (l, r) => queryOrder(l, r) >= 0 || (isNull(l) && isNull(r));
    case 'BEGINSWITH':
      return substringTest(fold, bfold, (h, n) => h.startsWith(n), bytesStartWith, true);
    case 'ENDSWITH':
      return substringTest(fold, bfold, (h, n) => h.endsWith(n), bytesEndWith, true);
    case 'CONTAINS':
      return substringTest(fold, bfold, (h, n) => h.includes(n), bytesContain, nullMatches);
    case 'LIKE':
      return likeTest(fold, bfold);
    case 'BETWEEN':
      // Evaluated specially (the right side is the pair of bounds).
      return () => false;
  }
}

type Quant = 'ANY' | 'ALL' | 'NONE';

/** A key path that ends by opening a set. */
function isSetPath(o: BoundOperand): boolean {
  if (o.kind !== 'path') return false;
  const prev = o.steps[o.steps.length - 2];
  return o.steps[o.steps.length - 1]?.kind === 'expand' && prev?.kind === 'field' && prev.prop.collection === 'set';
}

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

function quantifierOf(o: BoundOperand): Quant | null {
  return o.kind === 'path' || o.kind === 'arith' || o.kind === 'constList' ? o.quantifier : null;
}

function compileCompare(c: BoundCompare, compilePred: (p: BoundPredicate) => PredicateFn): PredicateFn {
  const left = compileOperand(c.left, compilePred);
  const right = compileOperand(c.right, compilePred);
  const quantifier: Quant = quantifierOf(c.left) ?? 'ANY';
  const rightQuantifier: Quant = quantifierOf(c.right) ?? 'ANY';

  if (c.op === 'BETWEEN') {
    const bounds = c.right.kind === 'constList' ? c.right.values : [];
    const lo = bounds[0];
    const hi = bounds[1];
    const inRange = (l: unknown): boolean => queryOrder(l, lo) >= 0 && queryOrder(l, hi) <= 0;
    if (!left.multi) return (rec, env) => inRange(left.single(rec, env));
    return quantified(quantifier, left.values, inRange);
  }

  if (c.typeOf || c.op === 'TEXT' || c.op === 'GEOWITHIN') {
    // Their own tests, never the equality fast paths below.
    const t = makeTest(c);
    if (!left.multi && !right.multi) return (rec, env) => t(left.single(rec, env), right.single(rec, env));
    if (!right.multi) return quantifiedAgainst(quantifier, left.values, right.single, t);
    const matchRight = (l: unknown, rs: unknown[]): boolean => {
      switch (rightQuantifier) {
        case 'ANY':
          return rs.some((r) => t(l, r));
        case 'ALL':
          return rs.every((r) => t(l, r));
        case 'NONE':
          return !rs.some((r) => t(l, r));
      }
    };
    return (rec, env) => {
      const rs = right.values(rec, env);
      const ls = left.multi ? left.values(rec, env) : [left.single(rec, env)];
      switch (quantifier) {
        case 'ANY':
          return ls.some((l) => matchRight(l, rs));
        case 'ALL':
          return ls.every((l) => matchRight(l, rs));
        case 'NONE':
          return !ls.some((l) => matchRight(l, rs));
      }
    };
  }

  // As in Realm: a constant null with BEGINSWITH, ENDSWITH or CONTAINS on the left matches nothing.
  if ((c.op === 'BEGINSWITH' || c.op === 'ENDSWITH' || c.op === 'CONTAINS') && c.left.kind === 'const' && c.left.value === null) {
    return () => false;
  }

  const test = makeTest(c);
  if (c.ordered) {
    // Two lists, no quantifier: element by element, in order (Realm's list comparison). A set's
    // order is its sorted order, as Realm keeps sets.
    const inOrder = (o: BoundOperand, f: ValuesFn): ValuesFn => (isSetPath(o) ? (rec, env) => [...f(rec, env)].sort(sortCompare) : f);
    const lv = inOrder(c.left, left.values);
    const rv = inOrder(c.right, right.values);
    const eq = c.op === '!=' ? makeTest({ ...c, op: '==' }) : test;
    const same = (ls: unknown[], rs: unknown[]): boolean => {
      if (ls.length !== rs.length) return false;
      for (let i = 0; i < ls.length; i++) if (!eq(ls[i], rs[i])) return false;
      return true;
    };
    if (c.op === '!=') return (rec, env) => !same(lv(rec, env), rv(rec, env));
    return (rec, env) => same(lv(rec, env), rv(rec, env));
  }

  // IN / == against a constant list: one hash lookup per left value.
  const folding = c.caseInsensitive || c.diacriticInsensitive;
  if (c.right.kind === 'constList' && rightQuantifier === 'ANY' && c.op === '==' && c.right.values.length > 4 && !(c.caseInsensitive && c.right.types.some((t) => t.base === 'data'))) {
    const fold = (v: unknown): unknown => (folding && typeof v === 'string' ? foldString(v, c.caseInsensitive, c.diacriticInsensitive) : v);
    const keys = new Set(c.right.values.map((v) => equalityKey(fold(v))));
    const member = (l: unknown): boolean => keys.has(equalityKey(fold(l)));
    if (!left.multi) return (rec, env) => member(left.single(rec, env));
    return quantified(quantifier, left.values, member);
  }

  if (!left.multi && !right.multi) {
    if (right.constant) {
      const r = right.single(undefined as unknown as ObjectRecord, { resolver: undefined });
      // Fast paths for the most common shapes: a plain field against a string or number constant.
      if (!folding && c.op === '==' && (typeof r === 'string' || (typeof r === 'number' && !Number.isNaN(r)))) {
        const t = typeof r;
        return (rec, env) => {
          const l = left.single(rec, env);
          return typeof l === t ? l === r : queryEquals(l, r);
        };
      }
      if (!folding && c.op === '!=' && (typeof r === 'string' || (typeof r === 'number' && !Number.isNaN(r)))) {
        const t = typeof r;
        return (rec, env) => {
          const l = left.single(rec, env);
          return typeof l === t ? l !== r : !queryEquals(l, r);
        };
      }
      if (r instanceof QueryDate || r instanceof Date) {
        const ms = r instanceof Date ? r.getTime() : r.ms;
        const op = c.op;
        if (op === '==' || op === '<' || op === '<=' || op === '>' || op === '>=') {
          return (rec, env) => {
            const l = left.single(rec, env);
            if (!(l instanceof Date)) return test(l, r);
            const t = l.getTime();
            return op === '==' ? t === ms : op === '<' ? t < ms : op === '<=' ? t <= ms : op === '>' ? t > ms : t >= ms;
          };
        }
      }
      if (typeof r === 'number' && !Number.isNaN(r) && (c.op === '<' || c.op === '<=' || c.op === '>' || c.op === '>=')) {
        const op = c.op;
        return (rec, env) => {
          const l = left.single(rec, env);
          if (typeof l !== 'number') return test(l, r);
          return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
        };
      }
      return (rec, env) => test(left.single(rec, env), r);
    }
    return (rec, env) => test(left.single(rec, env), right.single(rec, env));
  }
  return (rec, env) => {
    const rs = right.values(rec, env);
    const matchRight = (l: unknown): boolean => {
      switch (rightQuantifier) {
        case 'ANY':
          for (const r of rs) if (test(l, r)) return true;
          return false;
        case 'ALL':
          for (const r of rs) if (!test(l, r)) return false;
          return true;
        case 'NONE':
          for (const r of rs) if (test(l, r)) return false;
          return true;
      }
    };
    const ls = left.values(rec, env);
    switch (quantifier) {
      case 'ANY':
        for (const l of ls) if (matchRight(l)) return true;
        return false;
      case 'ALL':
        for (const l of ls) if (!matchRight(l)) return false;
        return true;
      case 'NONE':
        for (const l of ls) if (matchRight(l)) return false;
        return true;
    }
  };
}

/** A quantifier over the left side's values, each tested against the right side's one value. */
function quantifiedAgainst(q: Quant, values: ValuesFn, right: ValueFn, test: Test): PredicateFn {
  switch (q) {
    case 'ANY':
      return (rec, env) => {
        const r = right(rec, env);
        return values(rec, env).some((l) => test(l, r));
      };
    case 'ALL':
      return (rec, env) => {
        const r = right(rec, env);
        return values(rec, env).every((l) => test(l, r));
      };
    case 'NONE':
      return (rec, env) => {
        const r = right(rec, env);
        return !values(rec, env).some((l) => test(l, r));
      };
  }
}

function quantified(q: 'ANY' | 'ALL' | 'NONE', values: ValuesFn, test: (l: unknown) => boolean): PredicateFn {
  switch (q) {
    case 'ANY':
      return (rec, env) => values(rec, env).some(test);
    case 'ALL':
      return (rec, env) => values(rec, env).every(test);
    case 'NONE':
      return (rec, env) => !values(rec, env).some(test);
  }
}

/** Compiles a bound predicate into a closure (no eval, no Function constructor). */
export function compilePredicate(p: BoundPredicate): PredicateFn {
  switch (p.kind) {
    case 'constant': {
      const v = p.value;
      return () => v;
    }
    case 'not': {
      const inner = compilePredicate(p.operand);
      return (rec, env) => !inner(rec, env);
    }
    case 'and': {
      const parts = p.operands.map(compilePredicate);
      if (parts.length === 2) {
        const [a, b] = parts as [PredicateFn, PredicateFn];
        return (rec, env) => a(rec, env) && b(rec, env);
      }
      return (rec, env) => {
        for (const f of parts) if (!f(rec, env)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = p.operands.map(compilePredicate);
      return (rec, env) => {
        for (const f of parts) if (f(rec, env)) return true;
        return false;
      };
    }
    case 'compare':
      return compileCompare(p, compilePredicate);
  }
}

/** Reads the one value of a SORT / DISTINCT key path. */
export function readKeyPath(steps: readonly Step[], rec: ObjectRecord, env: EvalEnv): unknown {
  return walk(steps, rec, env)[0] ?? null;
}

/**
 * Applies SORT, DISTINCT and LIMIT in the order written. Each SORT is stable, so a later SORT
 * orders first and earlier ones break its ties (Realm's rule for consecutive SORTs); DISTINCT
 * keeps the first object of each group in the current order; LIMIT keeps the first n.
 */
export function applyDescriptors(
  objects: ObjectRecord[],
  descriptors: readonly BoundDescriptor[],
  env: EvalEnv,
): ObjectRecord[] {
  let out = objects;
  for (const d of descriptors) {
    switch (d.kind) {
      case 'limit':
        if (out.length > d.count) out = out.slice(0, d.count);
        break;
      case 'sort': {
        const decorated = out.map((rec) => ({ rec, keys: d.keys.map((k) => readKeyPath(k.steps, rec, env)) }));
        decorated.sort((a, b) => {
          for (let i = 0; i < d.keys.length; i++) {
            const c = sortCompare(a.keys[i], b.keys[i]);
            if (c !== 0) return d.keys[i]!.ascending ? c : -c;
          }
          return 0;
        });
        out = decorated.map((x) => x.rec);
        break;
      }
      case 'distinct': {
        const seen = new Set<string>();
        const kept: ObjectRecord[] = [];
        for (const rec of out) {
          const key = d.keys.map((k) => equalityKey(readKeyPath(k, rec, env))).join('\u0000');
          if (seen.has(key)) continue;
          seen.add(key);
          kept.push(rec);
        }
        out = kept;
        break;
      }
    }
  }
  return out;
}

