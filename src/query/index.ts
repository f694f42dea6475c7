/**
 * Outpost's query language: Realm Query Language (RQL) for local queries, flexible-sync
 * subscriptions and permission filters. See docs/query-language.md.
 */
export type {
  AndPredicate,
  ArgExpr,
  AtOperator,
  ComparePredicate,
  CompareOp,
  ConstantPredicate,
  Descriptor,
  ExpansionExpr,
  Expr,
  ListExpr,
  Literal,
  LiteralExpr,
  NotPredicate,
  OrPredicate,
  PathExpr,
  PathSegment,
  Predicate,
  QueryAst,
  Quantifier,
  SortKey,
  SubqueryExpr,
} from './ast.ts';
export type {
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
export { QueryError } from './errors.ts';
export { DEFAULT_QUERY_LIMITS, SUBSCRIPTION_QUERY_LIMITS, type QueryLimits } from './limits.ts';
export { tokenize, type Token } from './lexer.ts';
export { parseQuery, RESERVED_WORDS, type ParseOptions } from './parser.ts';
export { astEquals, formatExpr, formatLiteral, formatPredicate, formatQuery, formatStringLiteral } from './format.ts';
export { bindQuery, type BindOptions, type BoundQuery } from './typecheck.ts';
export { CompiledQuery, compileQuery, createResolver, type CompileOptions } from './compile.ts';
export { applyDescriptors, compilePredicate, type EvalEnv, type ObjectResolver, type PredicateFn } from './evaluate.ts';
export {
  QueryDate,
  compareStrings,
  foldString,
  queryEquals,
  queryOrder,
  sortCompare,
} from './compare.ts';
export { compileLike, likeMatch, type LikePattern } from './like.ts';
export {
  checkSubscriptionSubset,
  isQueryable,
  validateSubscription,
  type QueryableFields,
  type SubscriptionOptions,
} from './subscription.ts';
export { compilePermissionFilter, type PermissionFilterOptions, type PermissionUser } from './permissions.ts';
export { referencedFields } from './fields.ts';
export {
  MemoryIndex,
  indexConditionMatches,
  planIndexes,
  type IndexBound,
  type IndexCondition,
  type IndexPlan,
  type PlanOptions,
} from './plan.ts';
export {
  OBJECTS_TABLE,
  decodeStorageValue,
  encodeStorageValue,
  fromStorageDocument,
  objectsTableDdl,
  storagePrimaryKey,
  toStorageDocument,
  toStorageJson,
  type JsonValue,
} from './storage-doc.ts';
export {
  toSql,
  toSqlCondition,
  toSqlForView,
  type SqlCondition,
  type SqlDialect,
  type SqlOptions,
  type SqlQuery,
} from './sql.ts';
export { encodeBase64, decodeBase64 } from './base64.ts';
