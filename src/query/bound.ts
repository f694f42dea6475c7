import type { ObjectSchema, PropertySchema } from '../model/index.ts';
import type { ComparePredicate, Quantifier } from './ast.ts';

/**
 * The type-checked form of a query: key paths resolved against the schema into steps, constants
 * converted to runtime values. The evaluator, the subscription validator, the planner and the SQL
 * translation all work from this form.
 */

/** The type of the values an operand yields (for a multi-valued path: of each element). */
export type ValueBase =
  | 'int'
  | 'double'
  | 'decimal'
  | 'string'
  | 'bool'
  | 'date'
  | 'objectId'
  | 'uuid'
  | 'data'
  | 'mixed'
  /** A link's primary key; `objectType` says to what. */
  | 'link'
  /** An embedded object (record). */
  | 'embedded'
  /** The constant null. */
  | 'null'
  /** An object given as an argument, to compare with a link. */
  | 'record'
  /** A geo shape (the right side of geoWithin). */
  | 'geo';

export interface ValueType {
  readonly base: ValueBase;
  readonly objectType?: string;
}

export type Step =
  /** Reads a property of the current record (a missing property reads as null). */
  | { readonly kind: 'field'; readonly name: string; readonly prop: PropertySchema; readonly owner: ObjectSchema }
  /** Turns a primary key into the linked record through the resolver (missing: null, or dropped in a list). */
  | { readonly kind: 'follow'; readonly objectType: string }
  /** Expands a list or set into its elements. */
  | { readonly kind: 'expand' }
  | { readonly kind: 'dictValues' }
  | { readonly kind: 'dictKeys' }
  | { readonly kind: 'dictKey'; readonly key: string }
  /** The length of a string (code points) or binary data (bytes); null has length 0, as in Realm. */
  | { readonly kind: 'length' }
  /** One element of an expanded list by position (a list with no such element has no values). */
  | { readonly kind: 'index'; readonly index: number | 'first' | 'last' }
  /**
   * @count / @size. `items`: how many items the path has reached so far (a list already expanded);
   * `value`: the size of the one current value (a list's or dictionary's entries, a string's code
   * points, binary data's bytes).
   */
  | { readonly kind: 'size'; readonly over: 'items' | 'value' }
  /** @count / @size of a to-one link (as in Realm): 1 when it points at an object, else 0. */
  | { readonly kind: 'linkCount' }
  /** `anyKind`: over mixed values, where @min/@max compare every kind (Realm's mixed order). */
  | { readonly kind: 'agg'; readonly fn: 'sum' | 'avg' | 'min' | 'max'; readonly anyKind?: true }
  /**
   * Backlinks: from each record (whose primary key is `pkName`), the records of each source type
   * whose link, list or set of links `property` points at it (`@links.Type.property`, a
   * linkingObjects property, or every source for `@links.@count`). Found through the resolver's
   * `linking`.
   */
  | { readonly kind: 'backlinks'; readonly pkName: string; readonly sources: readonly BacklinkSource[] }
  /** The primary key of each record (a backlink path compared as links). */
  | { readonly kind: 'pk'; readonly name: string }
  /**
   * The type name of each value (`@type`). `fixed`: the path's values are not mixed, so their type
   * is the property's (Realm allows that only against another `@type`).
   */
  | { readonly kind: 'typeOf'; readonly fixed?: string };

export interface BacklinkSource {
  readonly type: string;
  readonly property: string;
}

export interface BoundPath {
  readonly kind: 'path';
  readonly steps: readonly Step[];
  /** Whether the path yields many values (it expands a list, set or dictionary). */
  readonly multi: boolean;
  readonly type: ValueType;
  readonly quantifier: Quantifier | null;
  /** Whether the path follows a link to another object. */
  readonly throughLink: boolean;
  /** Whether the path uses @count, @size, @sum, @avg, @min, @max or length. */
  readonly aggregate: boolean;
  /** Set inside SUBQUERY when the path was written from the variable ($x.name). */
  readonly variable: string | null;
  /** Whether the path follows links backwards (`@links`, linkingObjects properties). */
  readonly backlinks?: true;
  readonly pos: number;
}

export interface BoundConst {
  readonly kind: 'const';
  readonly value: unknown;
  readonly type: ValueType;
  readonly pos: number;
}

export interface BoundConstList {
  readonly kind: 'constList';
  readonly values: readonly unknown[];
  readonly types: readonly ValueType[];
  /** `ALL {…}`, `NONE $0`: the quantifier written before the list (null: none written). */
  readonly quantifier: Quantifier | null;
  readonly pos: number;
}

/** `a * 2 + b`: numbers combined element by element (one side may be multi-valued, not both). */
export interface BoundArith {
  readonly kind: 'arith';
  readonly op: '+' | '-' | '*' | '/';
  readonly left: BoundOperand;
  readonly right: BoundOperand;
  readonly multi: boolean;
  readonly type: ValueType;
  readonly quantifier: Quantifier | null;
  readonly pos: number;
}

export interface BoundSubquery {
  readonly kind: 'subquery';
  /** The collection; its last step yields the element records. */
  readonly collection: BoundPath;
  readonly variable: string;
  readonly elementType: string;
  readonly predicate: BoundPredicate;
  readonly pos: number;
}

export type BoundOperand = BoundPath | BoundConst | BoundConstList | BoundSubquery | BoundArith;

/** IN is `==` against a multi-valued right side; BETWEEN has a two-value constant list on the right. */
export type BoundOp =
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
  | 'BETWEEN'
  /** Full-text search: the right side is the search text (a string constant). */
  | 'TEXT'
  /** The left side is a GeoPoint object; the right side a constant GeoShape (type `geo`). */
  | 'GEOWITHIN';

export interface BoundCompare {
  readonly kind: 'compare';
  readonly op: BoundOp;
  readonly left: BoundOperand;
  readonly right: BoundOperand;
  readonly caseInsensitive: boolean;
  readonly diacriticInsensitive: boolean;
  /** Written as IN. */
  readonly isIn: boolean;
  /**
   * Both sides are lists and neither has a quantifier: Realm compares them element by element in
   * order (same length, every pair satisfies the operator; `!=` is the negation of that `==`).
   */
  readonly ordered: boolean;
  /** One side is `@type`: values are type names, compared by Realm's type-name rules. */
  readonly typeOf?: true;
  readonly pos: number;
  readonly source: ComparePredicate;
}

export type BoundPredicate =
  | BoundCompare
  | { readonly kind: 'and'; readonly operands: readonly BoundPredicate[]; readonly pos: number }
  | { readonly kind: 'or'; readonly operands: readonly BoundPredicate[]; readonly pos: number }
  | { readonly kind: 'not'; readonly operand: BoundPredicate; readonly pos: number }
  | { readonly kind: 'constant'; readonly value: boolean; readonly pos: number };

export interface BoundSortKey {
  readonly steps: readonly Step[];
  readonly ascending: boolean;
  readonly path: readonly string[];
}

export type BoundDescriptor =
  | { readonly kind: 'sort'; readonly keys: readonly BoundSortKey[] }
  | { readonly kind: 'distinct'; readonly keys: readonly (readonly Step[])[]; readonly paths: readonly (readonly string[])[] }
  | { readonly kind: 'limit'; readonly count: number };
