import { Decimal128, ObjectId, UUID } from 'bson';

export { Decimal128, ObjectId, UUID };

/** A primary key: objectId, uuid, string or int. */
export type PrimaryKey = string | number | ObjectId | UUID;

/** A value Outpost can store in a field, a list, a set or a dictionary. */
export type Scalar =
  | null
  | string
  | number
  | boolean
  | Date
  | ObjectId
  | UUID
  | Decimal128
  | Uint8Array;

/**
 * A record: an object's or an embedded object's fields. Records use a null prototype so that no
 * key (`__proto__`, `constructor`) can reach `Object.prototype`.
 */
export interface ObjectRecord {
  [field: string]: Value;
}

export type Value = Scalar | Value[] | ObjectRecord;

export function newRecord(): ObjectRecord {
  return Object.create(null) as ObjectRecord;
}

export function isObjectId(v: unknown): v is ObjectId {
  return v instanceof ObjectId;
}

export function isUUID(v: unknown): v is UUID {
  return v instanceof UUID;
}

export function isDecimal(v: unknown): v is Decimal128 {
  return v instanceof Decimal128;
}

export function isDate(v: unknown): v is Date {
  return v instanceof Date;
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** A plain record (an embedded object or a dictionary), not a special value or an array. */
export function isRecord(v: unknown): v is ObjectRecord {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/** The rank of a value's kind in the total order used for sorting and set canonicalization. */
function kindRank(v: Value): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 4;
  }
  if (v instanceof Decimal128) return 2;
  if (v instanceof Date) return 3;
  if (v instanceof Uint8Array) return 5;
  if (v instanceof UUID) return 7; // UUID extends Binary in bson; test it before ObjectId
  if (v instanceof ObjectId) return 6;
  if (Array.isArray(v)) return 8;
  return 9;
}

export function decimalToNumber(d: Decimal128): number {
  return Number(d.toString());
}

/** Orders byte strings lexicographically, a shorter prefix first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A total order over values: null < bool < numbers (int, double, decimal compared by value) <
 * date < string < binary < objectId < uuid < list < record. Used to sort sets canonically and
 * to compare mixed values; it never throws.
 */
export function compareValues(a: Value, b: Value): number {
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2: {
      const x = a instanceof Decimal128 ? decimalToNumber(a) : (a as number);
      const y = b instanceof Decimal128 ? decimalToNumber(b) : (b as number);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 3: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 4:
      return compareStrings(a as string, b as string);
    case 5:
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case 6:
      return compareStrings((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case 7:
      return compareStrings((a as UUID).toHexString(), (b as UUID).toHexString());
    case 8: {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = a as ObjectRecord;
      const y = b as ObjectRecord;
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        const c = compareStrings(kx[i]!, ky[i]!) || compareValues(x[kx[i]!]!, y[ky[i]!]!);
        if (c !== 0) return c;
      }
      return kx.length === ky.length ? 0 : kx.length < ky.length ? -1 : 1;
    }
  }
}

/** Deep equality of values, with the same meaning as `compareValues(a, b) === 0`. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  return compareValues(a, b) === 0;
}

/**
 * A string that identifies a scalar value exactly, for use as a map key (object identity,
 * set membership). Different kinds never collide.
 */
export function valueKey(v: Value): string {
  if (v === null || v === undefined) return 'n';
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'd' + (Object.is(v, -0) ? '0' : String(v));
    case 'boolean':
      return v ? 'b1' : 'b0';
  }
  if (v instanceof Date) return 't' + v.getTime();
  if (v instanceof UUID) return 'u' + v.toHexString();
  if (v instanceof ObjectId) return 'o' + v.toHexString();
  if (v instanceof Decimal128) return 'm' + v.toString();
  if (v instanceof Uint8Array) {
    let s = 'x';
    for (const byte of v) s += byte.toString(16).padStart(2, '0');
    return s;
  }
  return 'j' + JSON.stringify(canonicalJson(v));
}

/** A primary key as a string map key. */
export function pkKey(pk: PrimaryKey): string {
  return valueKey(pk);
}

/** A JSON-friendly, key-sorted form of a value, for canonical comparison and debugging output. */
export function canonicalJson(v: Value): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v;
  if (v instanceof Date) return { $date: v.getTime() };
  if (v instanceof UUID) return { $uuid: v.toHexString() };
  if (v instanceof ObjectId) return { $oid: v.toHexString() };
  if (v instanceof Decimal128) return { $decimal: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(canonicalJson);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = canonicalJson(v[k]!);
  return out;
}

/** A deep copy of a value. Immutable scalars (ObjectId, UUID, Decimal128, Date) are shared. */
export function cloneValue<T extends Value>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => cloneValue(x)) as T;
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (isRecord(v)) {
    const out = newRecord();
    for (const k of Object.keys(v)) out[k] = cloneValue(v[k]!);
    return out as T;
  }
  return v;
}
