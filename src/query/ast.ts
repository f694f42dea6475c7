/**
 * The syntax tree of a Realm Query Language text. It is closed (every node kind is listed here),
 * carries no schema knowledge and no evaluated values: literals keep their text so that printing
 * a tree and parsing it back gives the same tree. `pos` is the offset of the node's first token.
 */

export type Literal =
  | { readonly type: 'null' }
  | { readonly type: 'bool'; readonly value: boolean }
  /** `text` is the literal as written: `12`, `-1.5e3`, `0x1F`, `inf`, `-nan`. */
  | { readonly type: 'number'; readonly text: string }
  /** The characters between the quotes, verbatim (a backslash only stops a quote from ending it). */
  | { readonly type: 'string'; readonly value: string }
  /** A timestamp: seconds and nanoseconds since the epoch, both of the same sign. */
  | { readonly type: 'timestamp'; readonly seconds: number; readonly nanos: number }
  /** 24 lowercase hex digits. */
  | { readonly type: 'objectId'; readonly hex: string }
  /** 32 lowercase hex digits, no dashes. */
  | { readonly type: 'uuid'; readonly hex: string }
  /**
   * `B64"…"`: the base64 text as written (against a string or mixed value it is the text the bytes
   * encode, as in Realm); `explicitBinary` when written `bin(…)`/`binary(…)`: always binary data.
   */
  | { readonly type: 'binary'; readonly base64: string; readonly explicitBinary?: true };

export type Quantifier = 'ANY' | 'ALL' | 'NONE';

/**
 * `@links` starts a backlink path (`@links.Type.property`, or `@links.@count` for every link to the
 * object); `@type` is the type name of a mixed value.
 */
export type AtOperator = '@count' | '@size' | '@sum' | '@avg' | '@min' | '@max' | '@keys' | '@values' | '@links' | '@type';
export const AT_OPERATORS: readonly AtOperator[] = ['@count', '@size', '@sum', '@avg', '@min', '@max', '@keys', '@values', '@links', '@type'];

export type PathSegment =
  /** `.name`: a property, a dictionary key written as a name, or `length`. */
  | { readonly type: 'field'; readonly name: string; readonly pos: number }
  /** `['key']`: a dictionary key. */
  | { readonly type: 'key'; readonly key: string; readonly pos: number }
  /** `.@count` and friends. */
  | { readonly type: 'op'; readonly op: AtOperator; readonly pos: number }
  /** `[0]`, `[FIRST]`, `[LAST]`, `[$0]`: one element of a list by position; `[*]`: every element. */
  | { readonly type: 'index'; readonly index: ListIndex; readonly pos: number };

/** A position in a list: a number from the start, the first or last element, an argument, or all. */
export type ListIndex = number | 'first' | 'last' | 'all' | { readonly arg: number };

export interface PathExpr {
  readonly kind: 'path';
  readonly quantifier: Quantifier | null;
  /** `$x` when the path starts at a SUBQUERY variable, null when it starts at the queried object. */
  readonly variable: string | null;
  readonly segments: readonly PathSegment[];
  readonly pos: number;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly literal: Literal;
  readonly pos: number;
}

export interface ArgExpr {
  readonly kind: 'arg';
  readonly index: number;
  /** `ANY $0`: a quantifier over a list argument (absent when none is written). */
  readonly quantifier?: Quantifier;
  readonly pos: number;
}

/** `%%user.id`, `%%user.custom_data.team`: only in permission filters. */
export interface ExpansionExpr {
  readonly kind: 'expansion';
  readonly path: readonly string[];
  readonly pos: number;
}

/** `{a, b, c}`: items are literals, arguments, expansions or object references. */
export interface ListExpr {
  readonly kind: 'list';
  readonly items: readonly ListItem[];
  /** `ALL {1, 2}`: a quantifier over the list (absent when none is written). */
  readonly quantifier?: Quantifier;
  readonly pos: number;
}

export type ListItem = LiteralExpr | ArgExpr | ExpansionExpr | ObjectRefExpr;

/** `obj('Type', key)`: the object of a type with that primary key, compared as a link. */
export interface ObjectRefExpr {
  readonly kind: 'objectRef';
  readonly objectType: string;
  readonly key: LiteralExpr | ArgExpr;
  readonly pos: number;
}

export type ArithOp = '+' | '-' | '*' | '/';

/** `a * 2 + b`: arithmetic on numbers; `*` and `/` bind tighter than `+` and `-`. */
export interface ArithExpr {
  readonly kind: 'arith';
  readonly op: ArithOp;
  readonly left: Expr;
  readonly right: Expr;
  /** `ALL items.price * 2`: the quantifier written before the whole expression. */
  readonly quantifier?: Quantifier;
  /** Written in parentheses (kept so that printing gives the same tree). */
  readonly grouped?: true;
  readonly pos: number;
}

/** `SUBQUERY(collection, $x, predicate).@count` */
export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly collection: PathExpr;
  readonly variable: string;
  readonly predicate: Predicate;
  readonly op: '@count' | '@size';
  readonly pos: number;
}

/** A longitude/latitude pair as written in a geo literal: `[lng, lat]` (numbers as written). */
export type GeoPointText = readonly [string, string];

/**
 * `geoCircle([lng, lat], radians)`, `geoBox([lng, lat], [lng, lat])` (bottom-left, top-right),
 * `geoPolygon({[lng, lat], …}, {…hole…})` (closed rings: the first point repeated last).
 */
export type GeoExpr =
  | { readonly kind: 'geo'; readonly shape: 'circle'; readonly center: GeoPointText; readonly radius: string; readonly pos: number }
  | { readonly kind: 'geo'; readonly shape: 'box'; readonly bottomLeft: GeoPointText; readonly topRight: GeoPointText; readonly pos: number }
  | { readonly kind: 'geo'; readonly shape: 'polygon'; readonly rings: readonly (readonly GeoPointText[])[]; readonly pos: number };

export type Expr = LiteralExpr | ArgExpr | ExpansionExpr | ListExpr | PathExpr | SubqueryExpr | ObjectRefExpr | ArithExpr | GeoExpr;

export type CompareOp =
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'BEGINSWITH'
  | 'ENDSWITH'
  | 'CONTAINS'
  | 'LIKE'
  | 'IN'
  | 'BETWEEN'
  /** Full-text search on a property indexed 'full-text': `description TEXT 'word -other pre*'`. */
  | 'TEXT'
  /** `location GEOWITHIN geoCircle(…)` / `$0` (written geoWithin, any case). */
  | 'GEOWITHIN';

export interface ComparePredicate {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly left: Expr;
  readonly right: Expr;
  /** `[c]` */
  readonly caseInsensitive: boolean;
  /** `[d]` */
  readonly diacriticInsensitive: boolean;
  readonly pos: number;
}

export interface AndPredicate {
  readonly kind: 'and';
  /** Two or more. A parenthesized AND inside an AND stays a child node (the printer keeps it). */
  readonly operands: readonly Predicate[];
  readonly pos: number;
}

export interface OrPredicate {
  readonly kind: 'or';
  readonly operands: readonly Predicate[];
  readonly pos: number;
}

export interface NotPredicate {
  readonly kind: 'not';
  readonly operand: Predicate;
  readonly pos: number;
}

/** TRUEPREDICATE / FALSEPREDICATE */
export interface ConstantPredicate {
  readonly kind: 'constant';
  readonly value: boolean;
  readonly pos: number;
}

export type Predicate = ComparePredicate | AndPredicate | OrPredicate | NotPredicate | ConstantPredicate;

export interface SortKey {
  /** Property names (through to-one links and embedded objects). */
  readonly path: readonly string[];
  readonly ascending: boolean;
}

export type Descriptor =
  | { readonly kind: 'sort'; readonly keys: readonly SortKey[]; readonly pos: number }
  | { readonly kind: 'distinct'; readonly paths: readonly (readonly string[])[]; readonly pos: number }
  | { readonly kind: 'limit'; readonly count: number; readonly pos: number };

export interface QueryAst {
  readonly kind: 'query';
  readonly predicate: Predicate;
  /** SORT / DISTINCT / LIMIT in the order written. */
  readonly descriptors: readonly Descriptor[];
}
