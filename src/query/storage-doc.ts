import {
  Decimal128,
  ObjectId,
  UUID,
  isRecord,
  newRecord,
  pkKey,
  type ObjectRecord,
  type ObjectSchema,
  type PrimaryKey,
  type Value,
} from '../model/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';

/**
 * The storage document: how the server keeps one materialized object so that the SQL translation
 * (sql.ts) can query it. One row per object:
 *
 *   objects(type TEXT, pk TEXT, doc <JSON>)   PRIMARY KEY (type, pk)
 *
 * `doc` is JSON text in SQLite and `jsonb` in PostgreSQL, holding every property of the object:
 *   string → JSON string         int/double/float/counter → JSON number (NaN/±Infinity: {"$double": "NaN"})
 *   bool → true/false            null → null
 *   date → {"$date": <ms since epoch>}            objectId → {"$oid": "<24 lowercase hex>"}
 *   uuid → {"$uuid": "<32 lowercase hex>"}       decimal → {"$decimal": "<Decimal128 text>"}
 *   data → {"$binary": "<padded standard base64>"}
 *   list / set → JSON array       dictionary, embedded object → JSON object
 *   link → the target's primary key, encoded as above
 * A `$`-key object is always a value marker: property names and dictionary keys never start with `$`.
 */

export const OBJECTS_TABLE = 'objects';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The text stored in the `pk` column: the model's canonical primary-key string (`pkKey`). */
export function storagePrimaryKey(pk: PrimaryKey): string {
  return pkKey(pk);
}

/** CREATE TABLE statements for the objects table. */
export function objectsTableDdl(dialect: 'sqlite' | 'postgres', table: string = OBJECTS_TABLE): string {
  const t = quoteTableName(table);
  const docType = dialect === 'sqlite' ? 'TEXT' : 'JSONB';
  return `CREATE TABLE IF NOT EXISTS ${t} (type TEXT NOT NULL, pk TEXT NOT NULL, doc ${docType} NOT NULL, PRIMARY KEY (type, pk))`;
}

/** Quotes a configured table name (`name` or `schema.name`); table names never come from queries. */
export function quoteTableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) {
    throw new Error(`invalid table name ${JSON.stringify(table)}`);
  }
  return table
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');
}

function uuidHex(u: UUID): string {
  return u.toHexString(false).toLowerCase();
}

/** Encodes one value (any kind the model holds) into its storage JSON. */
export function encodeStorageValue(v: Value | undefined): JsonValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v)) return Object.is(v, -0) ? 0 : v;
      return { $double: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
  }
  if (v instanceof Date) return { $date: v.getTime() };
  if (v instanceof UUID) return { $uuid: uuidHex(v) };
  if (v instanceof ObjectId) return { $oid: v.toHexString() };
  if (v instanceof Decimal128) return { $decimal: v.toString() };
  if (v instanceof Uint8Array) return { $binary: encodeBase64(v) };
  if (Array.isArray(v)) return v.map((x) => encodeStorageValue(x));
  if (isRecord(v)) {
    const out: { [key: string]: JsonValue } = {};
    for (const k of Object.keys(v)) out[k] = encodeStorageValue(v[k]);
    return out;
  }
  throw new TypeError('value cannot be stored');
}

/** Decodes storage JSON back into a model value. */
export function decodeStorageValue(j: unknown): Value {
  if (j === null || j === undefined) return null;
  if (typeof j === 'string' || typeof j === 'boolean' || typeof j === 'number') return j;
  if (Array.isArray(j)) return j.map(decodeStorageValue);
  if (typeof j === 'object') {
    const o = j as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      const x = o[keys[0]!];
      switch (keys[0]) {
        case '$date':
          return new Date(x as number);
        case '$oid':
          return new ObjectId(x as string);
        case '$uuid': {
          const h = x as string;
          return new UUID(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
        }
        case '$decimal':
          return Decimal128.fromString(x as string);
        case '$binary': {
          const bytes = decodeBase64(x as string);
          if (!bytes) throw new TypeError('invalid $binary');
          return bytes;
        }
        case '$double':
          return x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : -Infinity;
      }
    }
    const rec = newRecord();
    for (const k of keys) {
      if (k === '__proto__') continue;
      rec[k] = decodeStorageValue(o[k]);
    }
    return rec;
  }
  throw new TypeError('not a storage JSON value');
}

/**
 * The storage document of an object. With `objectSchema`, exactly its properties are written
 * (absent ones as null); without, every own field of the record.
 */
export function toStorageDocument(record: ObjectRecord, objectSchema?: ObjectSchema): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  const names = objectSchema ? [...objectSchema.properties.keys()] : Object.keys(record);
  for (const name of names) out[name] = encodeStorageValue(record[name]);
  return out;
}

/** The storage document as JSON text (SQLite `doc` column, or a PostgreSQL `$n::jsonb` parameter). */
export function toStorageJson(record: ObjectRecord, objectSchema?: ObjectSchema): string {
  return JSON.stringify(toStorageDocument(record, objectSchema));
}

/** An object record from its storage document (JSON text or parsed JSON, e.g. what pg returns for jsonb). */
export function fromStorageDocument(doc: string | object): ObjectRecord {
  const parsed = typeof doc === 'string' ? (JSON.parse(doc) as unknown) : doc;
  const v = decodeStorageValue(parsed);
  if (!isRecord(v)) throw new TypeError('a storage document is a JSON object');
  return v;
}
