import { Decimal128, ObjectId, UUID, isRecord } from '../model/index.ts';
import { QueryDate } from './compare.ts';

/**
 * `@type` on mixed values, with Realm's type names (case-insensitive): each value has one name,
 * and a query may name the value's type, one of its aliases, or `numeric` (int, double, float,
 * decimal).
 */

/** The name of a value's type as `@type` sees it. */
export function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'double';
    case 'object':
      if (v instanceof Date || v instanceof QueryDate) return 'date';
      if (v instanceof Decimal128) return 'decimal';
      if (v instanceof UUID) return 'uuid';
      if (v instanceof ObjectId) return 'objectid';
      if (v instanceof Uint8Array) return 'binary';
      if (Array.isArray(v)) return 'array';
      if (isRecord(v)) return 'dictionary';
      return 'object';
    default:
      return 'object';
  }
}

/** Each name a query may use, with the value type names it matches. */
const MATCHES: Record<string, readonly string[]> = {
  null: ['null'],
  int: ['int'],
  integer: ['int'],
  int16: ['int'],
  int32: ['int'],
  int64: ['int'],
  short: ['int'],
  long: ['int'],
  byte: ['int'],
  char: ['int'],
  bool: ['bool'],
  boolean: ['bool'],
  string: ['string'],
  binary: ['binary'],
  data: ['binary'],
  bytearray: ['binary'],
  'byte[]': ['binary'],
  date: ['date'],
  timestamp: ['date'],
  datetimeoffset: ['date'],
  // Outpost keeps no separate float in mixed values (a float property reads as double).
  float: [],
  double: ['double'],
  decimal: ['decimal'],
  decimal128: ['decimal'],
  objectid: ['objectid'],
  uuid: ['uuid'],
  guid: ['uuid'],
  object: ['object'],
  objectlink: ['object'],
  link: ['object'],
  array: ['array'],
  list: ['array'],
  dictionary: ['dictionary'],
  numeric: ['int', 'double', 'decimal'],
};

export const TYPE_NAMES: readonly string[] = Object.keys(MATCHES);

export function isTypeName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(MATCHES, name.toLowerCase());
}

/** Whether a value of type `actual` (from typeNameOf) is of the queried type `name`. */
export function typeNameMatches(actual: unknown, name: unknown): boolean {
  if (typeof actual !== 'string' || typeof name !== 'string') return false;
  const m = MATCHES[name.toLowerCase()];
  return m !== undefined && m.includes(actual);
}
