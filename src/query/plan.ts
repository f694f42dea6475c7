import type { ObjectRecord } from '../model/index.ts';
import type { BoundCompare, BoundConst, BoundConstList, BoundPath, BoundPredicate, ValueBase } from './bound.ts';
import type { CompiledQuery } from './compile.ts';
import { equalityKey, isNaNNumeric, kindOf, queryEquals, queryOrder, sortCompare } from './compare.ts';
import { compilePredicate, type ObjectResolver } from './evaluate.ts';

/**
 * Index push-down: pulls equality, IN and range conditions on indexed top-level fields out of the
 * top-level conjuncts of a query (only conditions the whole predicate implies), so that the worker
 * can fetch candidates through an index and test only the rest (the residual).
 */

export interface IndexBound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

export type IndexCondition =
  | { readonly field: string; readonly kind: 'eq'; readonly value: unknown }
  | { readonly field: string; readonly kind: 'in'; readonly values: readonly unknown[] }
  | { readonly field: string; readonly kind: 'range'; readonly lower?: IndexBound; readonly upper?: IndexBound };

export interface IndexPlan {
  /** The usable condition of each indexed field (conditions on one field merged), best first. */
  readonly candidates: readonly IndexCondition[];
  /** The chosen condition (the first candidate), or undefined: scan everything. */
  readonly index: IndexCondition | undefined;
  /** The predicate without the conjuncts the chosen condition covers (TRUEPREDICATE when none remain). */
  readonly residual: BoundPredicate;
  /** Tests an object fetched through the index against the residual predicate. */
  residualMatches(obj: ObjectRecord, resolver?: ObjectResolver): boolean;
  /** The residual for another candidate, if the caller prefers a different index. */
  residualFor(condition: IndexCondition): BoundPredicate;
}

export interface PlanOptions {
  /** Indexed fields; default: the properties the schema marks `indexed`, plus the primary key. */
  readonly indexed?: Iterable<string> | ((field: string) => boolean);
  /** Field types an index can serve; default string, int, double, date, objectId, uuid, link. */
  readonly types?: readonly ValueBase[];
}

const DEFAULT_TYPES: readonly ValueBase[] = ['string', 'int', 'double', 'date', 'objectId', 'uuid', 'link'];

interface Usable {
  readonly conjunct: BoundPredicate;
  readonly field: string;
  readonly op: '==' | 'IN' | '<' | '<=' | '>' | '>=' | 'BETWEEN';
  readonly values: readonly unknown[];
}

const MIRROR = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==' } as const;

function conjunctsOf(p: BoundPredicate): BoundPredicate[] {
  if (p.kind !== 'and') return [p];
  return p.operands.flatMap(conjunctsOf);
}

function usableValue(v: unknown): boolean {
  const k = kindOf(v);
  if (k === 'null' || k === 'other' || k === 'bool') return false;
  if ((k === 'number' || k === 'decimal') && isNaNNumeric(v as number)) return false;
  return true;
}

function usable(c: BoundCompare, isIndexed: (f: string) => boolean, types: readonly ValueBase[]): Usable | undefined {
  if (c.caseInsensitive || c.diacriticInsensitive) return undefined;
  if (c.op === 'TEXT' || c.op === 'GEOWITHIN' || c.typeOf) return undefined;
  let path: BoundPath;
  let other: BoundConst | BoundConstList;
  let op = c.op as string;
  if (c.left.kind === 'path' && (c.right.kind === 'const' || c.right.kind === 'constList')) {
    path = c.left;
    other = c.right;
  } else if (c.right.kind === 'path' && c.left.kind === 'const' && op in MIRROR) {
    path = c.right;
    other = c.left;
    op = MIRROR[op as keyof typeof MIRROR];
  } else return undefined;
  if (path.steps.length !== 1 || path.multi || path.variable !== null) return undefined;
  // `x == ALL {…}` / `x == NONE {…}` are not index lookups.
  if (other.kind === 'constList' && other.quantifier !== null && other.quantifier !== 'ANY') return undefined;
  const step = path.steps[0]!;
  if (step.kind !== 'field' || step.prop.collection !== 'none') return undefined;
  if (!types.includes(path.type.base) || !isIndexed(step.name)) return undefined;
  const values = other.kind === 'const' ? [other.value] : other.values;
  if (!values.every(usableValue)) return undefined;
  if (op === '==' && other.kind === 'constList') return { conjunct: c, field: step.name, op: 'IN', values };
  if (op === '==' || op === '<' || op === '<=' || op === '>' || op === '>=') {
    if (other.kind !== 'const') return undefined;
    return { conjunct: c, field: step.name, op, values };
  }
  if (op === 'BETWEEN') return { conjunct: c, field: step.name, op, values };
  return undefined;
}

function tighter(a: IndexBound | undefined, b: IndexBound, lower: boolean): IndexBound {
  if (!a) return b;
  const c = queryOrder(b.value, a.value);
  if (c === 0) return { value: a.value, inclusive: a.inclusive && b.inclusive };
  return (lower ? c > 0 : c < 0) ? b : a;
}

function score(c: IndexCondition): number {
  if (c.kind === 'eq') return 0;
  if (c.kind === 'in') return 1 + c.values.length / 1e6;
  return c.lower && c.upper ? 3 : 4;
}

/** Whether a field value satisfies an index condition, with the evaluator's comparison meaning. */
export function indexConditionMatches(c: IndexCondition, value: unknown): boolean {
  switch (c.kind) {
    case 'eq':
      return queryEquals(value, c.value);
    case 'in':
      return c.values.some((v) => queryEquals(value, v));
    case 'range': {
      if (c.lower) {
        const o = queryOrder(value, c.lower.value);
        if (!(c.lower.inclusive ? o >= 0 : o > 0)) return false;
      }
      if (c.upper) {
        const o = queryOrder(value, c.upper.value);
        if (!(c.upper.inclusive ? o <= 0 : o < 0)) return false;
      }
      return true;
    }
  }
}

export function planIndexes(q: CompiledQuery, options: PlanOptions = {}): IndexPlan {
  const t = q.objectSchema;
  let isIndexed: (f: string) => boolean;
  if (typeof options.indexed === 'function') isIndexed = options.indexed;
  else if (options.indexed) {
    const set = new Set(options.indexed);
    isIndexed = (f) => set.has(f);
  } else isIndexed = (f) => t.primaryKey === f || t.properties.get(f)?.indexed === true;
  const types = options.types ?? DEFAULT_TYPES;

  const conjuncts = conjunctsOf(q.predicate);
  const byField = new Map<string, Usable[]>();
  for (const c of conjuncts) {
    if (c.kind !== 'compare') continue;
    const u = usable(c, isIndexed, types);
    if (!u) continue;
    let list = byField.get(u.field);
    if (!list) byField.set(u.field, (list = []));
    list.push(u);
  }
  const covered = new Map<IndexCondition, Set<BoundPredicate>>();
  const candidates: IndexCondition[] = [];
  for (const [field, us] of byField) {
    const eq = us.find((u) => u.op === '==');
    if (eq) {
      const cond: IndexCondition = { field, kind: 'eq', value: eq.values[0] };
      candidates.push(cond);
      covered.set(cond, new Set([eq.conjunct]));
      continue;
    }
    const ins = us.filter((u) => u.op === 'IN').sort((a, b) => a.values.length - b.values.length);
    if (ins.length) {
      const cond: IndexCondition = { field, kind: 'in', values: ins[0]!.values };
      candidates.push(cond);
      covered.set(cond, new Set([ins[0]!.conjunct]));
      continue;
    }
    let lower: IndexBound | undefined;
    let upper: IndexBound | undefined;
    const used = new Set<BoundPredicate>();
    for (const u of us) {
      const v = u.values;
      switch (u.op) {
        case '>':
          lower = tighter(lower, { value: v[0], inclusive: false }, true);
          break;
        case '>=':
          lower = tighter(lower, { value: v[0], inclusive: true }, true);
          break;
        case '<':
          upper = tighter(upper, { value: v[0], inclusive: false }, false);
          break;
        case '<=':
          upper = tighter(upper, { value: v[0], inclusive: true }, false);
          break;
        case 'BETWEEN':
          lower = tighter(lower, { value: v[0], inclusive: true }, true);
          upper = tighter(upper, { value: v[1], inclusive: true }, false);
          break;
        default:
          continue;
      }
      used.add(u.conjunct);
    }
    if (used.size) {
      const cond: IndexCondition = { field, kind: 'range', ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
      candidates.push(cond);
      covered.set(cond, used);
    }
  }
  candidates.sort((a, b) => score(a) - score(b));
  const residualFor = (cond: IndexCondition): BoundPredicate => {
    const drop = covered.get(cond) ?? new Set();
    const rest = conjuncts.filter((c) => !drop.has(c));
    if (rest.length === 0) return { kind: 'constant', value: true, pos: 0 };
    if (rest.length === 1) return rest[0]!;
    return { kind: 'and', operands: rest, pos: 0 };
  };
  const index = candidates[0];
  const residual = index ? residualFor(index) : q.predicate;
  const fn = compilePredicate(residual);
  return {
    candidates,
    index,
    residual,
    residualMatches: (obj, resolver) => fn(obj, { resolver }),
    residualFor,
  };
}

/**
 * A reference in-memory index over one field: a sorted array for ranges and a hash for equality,
 * answering IndexConditions with the evaluator's comparison meaning. The worker's IndexedDB index
 * must return the same objects (IndexedDB orders strings by UTF-16 code unit and keys by type, so
 * its key encoding has to be chosen to agree, or its results post-checked with
 * `indexConditionMatches`).
 */
export class MemoryIndex {
  private readonly sorted: { value: unknown; rec: ObjectRecord }[];
  private readonly byKey = new Map<string, ObjectRecord[]>();
  /** Index of the first entry that can satisfy a range (nulls and NaN sort first and never do). */
  private readonly firstComparable: number;

  constructor(
    readonly field: string,
    records: Iterable<ObjectRecord>,
  ) {
    this.sorted = [];
    for (const rec of records) {
      const value = rec[field] ?? null;
      this.sorted.push({ value, rec });
      const key = equalityKey(value);
      let list = this.byKey.get(key);
      if (!list) this.byKey.set(key, (list = []));
      list.push(rec);
    }
    this.sorted.sort((a, b) => sortCompare(a.value, b.value));
    let i = 0;
    while (i < this.sorted.length && !usableValue(this.sorted[i]!.value)) i++;
    this.firstComparable = i;
  }

  lookup(c: IndexCondition): ObjectRecord[] {
    if (c.field !== this.field) throw new Error(`index on ${this.field} cannot answer a condition on ${c.field}`);
    switch (c.kind) {
      case 'eq':
        return this.byKey.get(equalityKey(c.value)) ?? [];
      case 'in': {
        const seen = new Set<string>();
        const out: ObjectRecord[] = [];
        for (const v of c.values) {
          const k = equalityKey(v);
          if (seen.has(k)) continue;
          seen.add(k);
          out.push(...(this.byKey.get(k) ?? []));
        }
        return out;
      }
      case 'range': {
        // Binary search for the first entry at or above the lower bound, then scan to the upper one.
        let lo = this.firstComparable;
        if (c.lower) {
          let hi = this.sorted.length;
          const lower = c.lower;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            const o = queryOrder(this.sorted[mid]!.value, lower.value);
            if (lower.inclusive ? o >= 0 : o > 0) hi = mid;
            else lo = mid + 1;
          }
        }
        const out: ObjectRecord[] = [];
        for (let i = lo; i < this.sorted.length; i++) {
          const e = this.sorted[i]!;
          if (!indexConditionMatches(c, e.value)) break;
          out.push(e.rec);
        }
        return out;
      }
    }
  }
}
