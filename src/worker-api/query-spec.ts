import type { Schema } from '../model/index.ts';
import {
  compileQuery,
  parseQuery,
  type CompiledQuery,
  type Descriptor,
  type Expr,
  type Predicate,
  type QueryAst,
} from '../query/index.ts';
import { fromStorable, type Storable } from './codec.ts';

/*
 * A query as the page builds it: `objects(type).filtered(q1, ...a1).filtered(q2, ...a2).sorted(k)`.
 * Each `filtered` has its own `$0..$n`; the combined query ANDs the predicates with the later
 * filters' arguments renumbered after the earlier ones', and appends the sorts as SORT
 * descriptors. The page compiles it for early errors; the worker compiles the same spec to run it.
 */

export interface QuerySpec {
  readonly type: string;
  readonly filters: readonly { readonly query: string; readonly args: readonly Storable[] }[];
  readonly sorts: readonly (readonly { readonly keyPath: string; readonly ascending: boolean }[])[];
}

function shiftExpr(e: Expr, by: number): Expr {
  switch (e.kind) {
    case 'arg':
      return { ...e, index: e.index + by };
    case 'list':
      return { ...e, items: e.items.map((i) => shiftExpr(i, by) as typeof i) };
    case 'subquery':
      return { ...e, predicate: shiftPredicate(e.predicate, by) };
    default:
      return e;
  }
}

function shiftPredicate(p: Predicate, by: number): Predicate {
  if (by === 0) return p;
  switch (p.kind) {
    case 'compare':
      return { ...p, left: shiftExpr(p.left, by), right: shiftExpr(p.right, by) };
    case 'and':
    case 'or':
      return { ...p, operands: p.operands.map((o) => shiftPredicate(o, by)) };
    case 'not':
      return { ...p, operand: shiftPredicate(p.operand, by) };
    case 'constant':
      return p;
  }
}

/**
 * Parsed filters by text: a page runs the same query text with different arguments (a status, an
 * id), and parsing was a tenth of a small indexed query. Syntax trees are never modified.
 */
const parsed = new Map<string, QueryAst>();

function parse(text: string): QueryAst {
  let ast = parsed.get(text);
  if (!ast) {
    ast = parseQuery(text);
    if (parsed.size >= 500) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, ast);
  }
  return ast;
}

/** The combined syntax tree and the arguments (model values) of a spec. */
export function specToAst(spec: QuerySpec): { ast: QueryAst; args: unknown[] } {
  const predicates: Predicate[] = [];
  const descriptors: Descriptor[] = [];
  const args: unknown[] = [];
  for (const f of spec.filters) {
    const ast = parse(f.query);
    predicates.push(shiftPredicate(ast.predicate, args.length));
    descriptors.push(...ast.descriptors);
    for (const a of f.args) args.push(Array.isArray(a) ? a.map(fromStorable) : fromStorable(a));
  }
  for (const keys of spec.sorts) {
    descriptors.push({ kind: 'sort', keys: keys.map((k) => ({ path: k.keyPath.split('.'), ascending: k.ascending })), pos: 0 });
  }
  const predicate: Predicate =
    predicates.length === 0
      ? { kind: 'constant', value: true, pos: 0 }
      : predicates.length === 1
        ? predicates[0]!
        : { kind: 'and', operands: predicates, pos: 0 };
  return { ast: { kind: 'query', predicate, descriptors }, args };
}

export function compileSpec(schema: Schema, spec: QuerySpec): CompiledQuery {
  // A text seen for the first time compiles from the text, so that its errors quote it.
  const single = spec.filters.length === 1 && spec.sorts.length === 0 ? spec.filters[0]!.query : undefined;
  const text = single !== undefined && !parsed.has(single) ? single : undefined;
  const { ast, args } = specToAst(spec);
  return compileQuery(schema, spec.type, text ?? ast, args);
}

/** A stable text naming a spec (for sharing live queries and subscriptions). */
export function specKey(spec: QuerySpec): string {
  return JSON.stringify([spec.type, spec.filters.map((f) => [f.query, f.args]), spec.sorts]);
}
