import { pkKey, type CollectionKind, type ObjectRecord, type ObjectSchema, type PrimaryKey, type Schema } from '../model/index.ts';
import type { QueryAst } from './ast.ts';
import type { BoundDescriptor, BoundPredicate } from './bound.ts';
import { QueryError } from './errors.ts';
import { applyDescriptors, compilePredicate, type EvalEnv, type ObjectResolver, type PredicateFn } from './evaluate.ts';
import { DEFAULT_QUERY_LIMITS, resolveLimits, type QueryLimits } from './limits.ts';
import { parseQuery } from './parser.ts';
import { bindQuery } from './typecheck.ts';

export interface CompileOptions {
  readonly limits?: Partial<QueryLimits>;
  /** Accept `%%…` expansions, resolved by `expansion` (used by permission filters). */
  readonly allowExpansions?: boolean;
  readonly expansion?: (path: readonly string[], pos: number) => unknown;
}

/** A parsed, type-checked query for one object type, ready to evaluate. */
export class CompiledQuery {
  readonly schema: Schema;
  readonly typeName: string;
  readonly objectSchema: ObjectSchema;
  /** The query text, when compiled from text. */
  readonly text: string | undefined;
  readonly ast: QueryAst;
  readonly args: readonly unknown[];
  readonly predicate: BoundPredicate;
  readonly descriptors: readonly BoundDescriptor[];
  /** Whether the query follows links, so `matches` and `run` need an ObjectResolver. */
  readonly needsResolver: boolean;
  /** Whether the query follows links backwards, so the resolver must implement `linking`. */
  readonly needsBacklinks: boolean;
  /** The types other than `typeName` the resolver must hold (reached through links or backlinks). */
  readonly readsTypes: ReadonlySet<string>;
  readonly limits: QueryLimits;
  private readonly fn: PredicateFn;

  constructor(init: {
    schema: Schema;
    typeName: string;
    text: string | undefined;
    ast: QueryAst;
    args: readonly unknown[];
    predicate: BoundPredicate;
    descriptors: readonly BoundDescriptor[];
    needsResolver: boolean;
    needsBacklinks: boolean;
    readsTypes: ReadonlySet<string>;
    limits: QueryLimits;
  }) {
    this.schema = init.schema;
    this.typeName = init.typeName;
    this.objectSchema = init.schema.require(init.typeName);
    this.text = init.text;
    this.ast = init.ast;
    this.args = init.args;
    this.predicate = init.predicate;
    this.descriptors = init.descriptors;
    this.needsResolver = init.needsResolver;
    this.needsBacklinks = init.needsBacklinks;
    this.readsTypes = init.readsTypes;
    this.limits = init.limits;
    this.fn = compilePredicate(init.predicate);
  }

  private env(resolver: ObjectResolver | undefined): EvalEnv {
    if (this.needsResolver && resolver === undefined) {
      throw new QueryError('this query follows links: pass an ObjectResolver', 0, this.text);
    }
    if (this.needsBacklinks && resolver?.linking === undefined) {
      throw new QueryError('this query follows links backwards (@links or a linkingObjects property): pass an ObjectResolver with linking()', 0, this.text);
    }
    return { resolver };
  }

  /** Whether one object of the type matches the predicate (SORT/DISTINCT/LIMIT do not apply). */
  matches(obj: ObjectRecord, resolver?: ObjectResolver): boolean {
    return this.fn(obj, this.env(resolver));
  }

  /** The objects matching the predicate, in input order. */
  filter(objects: Iterable<ObjectRecord>, resolver?: ObjectResolver): ObjectRecord[] {
    const env = this.env(resolver);
    const out: ObjectRecord[] = [];
    for (const o of objects) if (this.fn(o, env)) out.push(o);
    return out;
  }

  /** The query's result: the matching objects, then SORT / DISTINCT / LIMIT in the order written. */
  run(objects: Iterable<ObjectRecord>, resolver?: ObjectResolver): ObjectRecord[] {
    const matched = this.filter(objects, resolver);
    return this.descriptors.length > 0 ? applyDescriptors(matched, this.descriptors, this.env(resolver)) : matched;
  }

  get hasDescriptors(): boolean {
    return this.descriptors.length > 0;
  }
}

/**
 * Parses (when given text) and type-checks a query against `typeName`. Arguments are bound now:
 * `$0` is `args[0]`, and an array argument is a list.
 */
export function compileQuery(
  schema: Schema,
  typeName: string,
  query: string | QueryAst,
  args: readonly unknown[] = [],
  options: CompileOptions = {},
): CompiledQuery {
  const limits = resolveLimits(options.limits, DEFAULT_QUERY_LIMITS);
  const text = typeof query === 'string' ? query : undefined;
  const ast = typeof query === 'string' ? parseQuery(query, { limits, allowExpansions: options.allowExpansions === true }) : query;
  const bound = bindQuery(schema, typeName, ast, args, {
    limits,
    ...(text !== undefined ? { text } : {}),
    ...(options.expansion ? { expansion: options.expansion } : {}),
  });
  return new CompiledQuery({ schema, typeName, text, ast, args, ...bound, limits });
}

/** A resolver over in-memory objects, keyed by type and primary key. */
export function createResolver(schema: Schema, objects: Iterable<{ type: string; record: ObjectRecord }>): ObjectResolver & {
  add(type: string, record: ObjectRecord): void;
} {
  const byType = new Map<string, Map<string, ObjectRecord>>();
  // Reverse indexes for backlinks, built on first use per (type, property) and dropped when an
  // object of that type is added: one pass over the type, then a lookup per object.
  const reverse = new Map<string, Map<string, ObjectRecord[]>>();
  const add = (type: string, record: ObjectRecord): void => {
    const t = schema.require(type);
    if (t.primaryKey === undefined) return;
    let m = byType.get(type);
    if (!m) byType.set(type, (m = new Map()));
    m.set(pkKey(record[t.primaryKey] as PrimaryKey), record);
    for (const k of reverse.keys()) if (k.startsWith(type + '.')) reverse.delete(k);
  };
  for (const o of objects) add(o.type, o.record);
  return {
    add,
    get(type, pk) {
      return byType.get(type)?.get(pkKey(pk));
    },
    linking(type, property, pk) {
      const key = `${type}.${property}`;
      let index = reverse.get(key);
      if (!index) {
        index = buildReverseIndex(byType.get(type)?.values() ?? [], property, schema.get(type)?.properties.get(property)?.collection ?? 'none');
        reverse.set(key, index);
      }
      return index.get(pkKey(pk)) ?? [];
    },
  };
}

/**
 * For one link property of one type: target primary key → the objects linking to it, once per link
 * (as Realm keeps backlinks: a list holding the same target twice links to it twice). A link holds
 * the target's key; a list or set of links holds keys.
 */
export function buildReverseIndex(records: Iterable<ObjectRecord>, property: string, collection: CollectionKind): Map<string, ObjectRecord[]> {
  const index = new Map<string, ObjectRecord[]>();
  const push = (pk: unknown, rec: ObjectRecord): void => {
    if (pk === null || pk === undefined) return;
    const k = pkKey(pk as PrimaryKey);
    const list = index.get(k);
    if (!list) index.set(k, [rec]);
    else list.push(rec);
  };
  for (const rec of records) {
    const v = rec[property];
    if (collection === 'dictionary') {
      if (v !== null && typeof v === 'object') for (const x of Object.values(v as Record<string, unknown>)) push(x, rec);
    } else if (collection !== 'none') {
      if (Array.isArray(v)) for (const x of v) push(x, rec);
    } else push(v, rec);
  }
  return index;
}
