import type { Schema } from '../model/index.ts';
import type { Expr, PathExpr, QueryAst } from './ast.ts';
import type { BoundOperand, BoundPath, BoundPredicate } from './bound.ts';
import { compileQuery, type CompiledQuery } from './compile.ts';
import { QueryError } from './errors.ts';
import { SUBSCRIPTION_QUERY_LIMITS, resolveLimits, type QueryLimits } from './limits.ts';

/**
 * The fields the server lets subscriptions (and permission filters) query: per type, plus fields
 * queryable on every type that has them (Realm's "global queryable fields"). A type's primary key
 * is always queryable.
 */
export interface QueryableFields {
  readonly global?: readonly string[];
  readonly byType?: Readonly<Record<string, readonly string[]>>;
}

export interface SubscriptionOptions {
  /** Defaults to SUBSCRIPTION_QUERY_LIMITS. */
  readonly limits?: Partial<QueryLimits>;
}

export function isQueryable(schema: Schema, typeName: string, field: string, queryable: QueryableFields): boolean {
  const t = schema.get(typeName);
  if (t?.primaryKey === field) return true;
  if (queryable.global?.includes(field)) return true;
  const own = queryable.byType && Object.prototype.hasOwnProperty.call(queryable.byType, typeName) ? queryable.byType[typeName] : undefined;
  return own?.includes(field) ?? false;
}

function pathText(p: PathExpr): string {
  return p.segments.map((s) => (s.type === 'field' ? s.name : s.type === 'op' ? s.op : s.type === 'key' ? `['${s.key}']` : '[…]')).join('.');
}


/** The first operator or `length` in a path, for the message. */
function aggregateName(p: PathExpr): string {
  for (const s of p.segments) {
    if (s.type === 'op' && s.op !== '@keys' && s.op !== '@values') return s.op;
    if (s.type === 'field' && s.name === 'length') return 'length';
  }
  return 'an aggregate';
}

/**
 * Checks that a compiled query stays inside the flexible-sync subset (docs/query-language.md, flexible sync): no SORT,
 * DISTINCT or LIMIT; no @count/@size/@sum/@avg/@min/@max or length; no SUBQUERY; no key path
 * through a link, no backlinks (@links, linkingObjects), no TEXT, no @type; every comparison
 * between one queryable field and constants (geoWithin a constant shape is one). Embedded-object
 * paths are fine when their top field is queryable; lists of scalars with ANY/ALL/NONE/IN are fine.
 * `what` names the thing in messages ("subscription", "permission filter").
 */
export function checkSubscriptionSubset(q: CompiledQuery, queryable: QueryableFields, what = 'subscription'): void {
  const text = q.text;
  const err = (msg: string, pos: number): QueryError => new QueryError(msg, pos, text);
  checkDescriptors(q.ast, what, err);
  const visit = (p: BoundPredicate): void => {
    switch (p.kind) {
      case 'constant':
        return;
      case 'not':
        return visit(p.operand);
      case 'and':
      case 'or':
        return p.operands.forEach(visit);
      case 'compare': {
        const src = p.source;
        if (p.ordered) {
          throw err(`comparing a list with a list element by element is not allowed in a ${what}; write ANY, ALL or NONE (as in ANY tags IN {…})`, p.pos);
        }
        if (p.left.kind === 'constList' && p.left.quantifier !== null) {
          throw err(`a quantifier on a constant list on the left is not allowed in a ${what}; put the key path on the left`, p.pos);
        }
        if (p.right.kind === 'path' && (p.right.quantifier === 'ALL' || p.right.quantifier === 'NONE')) {
          throw err(`ALL or NONE on the right-hand key path is not allowed in a ${what}; put the key path on the left`, p.pos);
        }
        // As Realm's flexible sync: full-text search and @type are not part of the subset.
        if (p.op === 'TEXT') throw err(`full-text search (TEXT) is not allowed in a ${what}`, p.pos);
        if (p.typeOf) throw err(`@type is not allowed in a ${what}`, p.pos);
        const paths = [checkOperand(p.left, src.left), checkOperand(p.right, src.right)].filter((x): x is BoundPath => x !== null);
        if (paths.length === 0) throw err(`a comparison in a ${what} must name a field`, p.pos);
        if (paths.length === 2) throw err(`a ${what} compares a field with constants; comparing two fields is not allowed`, p.pos);
        return;
      }
    }
  };
  const checkOperand = (o: BoundOperand, src: Expr): BoundPath | null => {
    if (o.kind === 'subquery') throw err(`SUBQUERY is not allowed in a ${what}`, o.pos);
    if (o.kind === 'arith') throw err(`arithmetic (+ - * /) is not allowed in a ${what}`, o.pos);
    if (o.kind !== 'path') return null;
    const sp = src as PathExpr;
    if (o.backlinks) throw err(`the key path '${pathText(sp)}' follows links backwards (@links or a linkingObjects property); backlinks are not allowed in a ${what}`, o.pos);
    if (o.aggregate) throw err(`${aggregateName(sp)} is not allowed in a ${what}`, o.pos);
    if (o.throughLink) throw err(`the key path '${pathText(sp)}' goes through a link; paths through links are not allowed in a ${what}`, o.pos);
    if (o.steps.some((st) => st.kind === 'index')) throw err(`list positions ([FIRST], [LAST], [n]) are not allowed in a ${what}`, o.pos);
    const top = o.steps[0];
    if (!top || top.kind !== 'field') throw err(`a ${what} must compare a field`, o.pos);
    if (!isQueryable(q.schema, q.typeName, top.name, queryable)) {
      throw err(`field ${top.name} is not queryable on ${q.typeName}`, o.pos);
    }
    return o;
  };
  visit(q.predicate);
}

function checkDescriptors(ast: QueryAst, what: string, err: (m: string, pos: number) => QueryError): void {
  for (const d of ast.descriptors) {
    throw err(`${d.kind.toUpperCase()} is not allowed in a ${what}`, d.pos);
  }
}

/**
 * Parses, type-checks and validates a flexible-sync subscription query. Returns the compiled
 * query (evaluate it, or translate it with toSql) or throws a QueryError saying what is not allowed.
 */
export function validateSubscription(
  schema: Schema,
  typeName: string,
  query: string,
  args: readonly unknown[],
  queryable: QueryableFields,
  options: SubscriptionOptions = {},
): CompiledQuery {
  const limits = resolveLimits(options.limits, SUBSCRIPTION_QUERY_LIMITS);
  const q = compileQuery(schema, typeName, query, args, { limits });
  checkSubscriptionSubset(q, queryable, 'subscription');
  return q;
}
