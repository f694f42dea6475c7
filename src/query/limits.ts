/**
 * Hard limits on what a query may ask for. Past a limit the answer is a QueryError, found before
 * any work grows with the offending size (the parser checks depth before it recurses, the lexer
 * checks the length before it scans).
 */
export interface QueryLimits {
  /** Longest query text, in UTF-16 code units. */
  readonly maxQueryLength: number;
  /** Deepest nesting of parentheses, NOT and SUBQUERY. */
  readonly maxDepth: number;
  /** Most items in one list literal `{…}` or one array argument. */
  readonly maxListItems: number;
  /** Most arguments (`$0 … $n`): both the highest index referenced and the number passed. */
  readonly maxArguments: number;
  /** Most segments in one key path. */
  readonly maxKeyPathLength: number;
  /** Most predicate and value nodes in one query (list items not counted; they have their own limit). */
  readonly maxNodes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxQueryLength: 256 * 1024,
  maxDepth: 100,
  maxListItems: 10_000,
  maxArguments: 1_000,
  maxKeyPathLength: 64,
  maxNodes: 100_000,
});

/** Subscriptions run on the server for every change: they get tighter limits. */
export const SUBSCRIPTION_QUERY_LIMITS: QueryLimits = Object.freeze({
  maxQueryLength: 16 * 1024,
  maxDepth: 32,
  maxListItems: 1_000,
  maxArguments: 256,
  maxKeyPathLength: 16,
  maxNodes: 512,
});

export function resolveLimits(partial?: Partial<QueryLimits>, base: QueryLimits = DEFAULT_QUERY_LIMITS): QueryLimits {
  if (!partial) return base;
  return { ...base, ...partial };
}
