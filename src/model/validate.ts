import { Binary } from 'bson';
import { OutpostError } from '../errors.ts';
import type { ObjectSchema, PrimaryKeyType, PropertySchema, Schema } from './schema.ts';
import {
  Decimal128,
  ObjectId,
  UUID,
  isRecord,
  newRecord,
  type ObjectRecord,
  type PrimaryKey,
  type Value,
} from './values.ts';

/** A location inside an object: field names, list indices and dictionary keys. */
export type ValuePath = readonly (string | number)[];

export function formatPath(typeName: string, path: ValuePath): string {
  let out = typeName;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : NAME_LIKE.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}
const NAME_LIKE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function violation(typeName: string, path: ValuePath, message: string): OutpostError {
  const where = formatPath(typeName, path);
  return new OutpostError('schema_violation', `${where}: ${message}`, { type: typeName, path: [...path] });
}

/** Why a dictionary key is refused, or undefined when it is fine. */
export function dictionaryKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'a dictionary key cannot be empty';
  if (key.startsWith('$')) return 'a dictionary key cannot start with "$"';
  if (key.includes('.')) return 'a dictionary key cannot contain "."';
  if (key === '__proto__') return 'a dictionary key cannot be "__proto__"';
  if (key.length > 1024) return 'a dictionary key is limited to 1024 characters';
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (v instanceof ObjectId) return 'an objectId';
  if (v instanceof UUID) return 'a uuid';
  if (v instanceof Decimal128) return 'a decimal';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an int' : 'a double';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Normalizes the value forms callers may pass for binary data. */
function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof UUID) return undefined;
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v instanceof Binary) return new Uint8Array(v.buffer);
  return undefined;
}

/**
 * Checks one scalar against a primitive type and returns its stored form, or undefined when it
 * does not fit. Mixed accepts every scalar.
 */
export function coerceScalar(type: string, v: unknown): Value | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'int':
    case 'counter':
      return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
    case 'double':
    case 'float':
      return typeof v === 'number' ? v : undefined;
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'date':
      return v instanceof Date && !Number.isNaN(v.getTime()) ? v : undefined;
    case 'objectId':
      return v instanceof ObjectId ? v : undefined;
    case 'uuid':
      return v instanceof UUID ? v : undefined;
    case 'decimal':
      return v instanceof Decimal128 ? v : undefined;
    case 'data':
      return asBytes(v);
    case 'mixed': {
      if (v === null) return null;
      if (typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number') return v;
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
      if (v instanceof ObjectId || v instanceof UUID || v instanceof Decimal128) return v;
      return asBytes(v);
    }
  }
  return undefined;
}

/** The value of a primary key type, checked. */
export function coercePrimaryKey(type: PrimaryKeyType, v: unknown): PrimaryKey | undefined {
  return coerceScalar(type, v) as PrimaryKey | undefined;
}

/** The stored value of a field that was never set: empty collections, null, or the zero of the type. */
export function zeroValue(prop: PropertySchema): Value {
  switch (prop.collection) {
    case 'list':
    case 'set':
      return [];
    case 'dictionary':
      return newRecord();
  }
  if (prop.optional || prop.type === 'object') return null;
  return zeroScalar(prop.type);
}

function zeroScalar(type: string): Value {
  switch (type) {
    case 'string':
      return '';
    case 'int':
    case 'counter':
    case 'double':
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'date':
      return new Date(0);
    case 'objectId':
      return new ObjectId('000000000000000000000000');
    case 'uuid':
      return new UUID('00000000-0000-0000-0000-000000000000');
    case 'decimal':
      return Decimal128.fromString('0');
    case 'data':
      return new Uint8Array(0);
    default:
      return null;
  }
}

/** A new record of a type with every field at its zero value (and the primary key set). */
export function newObjectRecord(t: ObjectSchema, pk?: PrimaryKey): ObjectRecord {
  const rec = newRecord();
  for (const [name, prop] of t.properties) rec[name] = zeroValue(prop);
  if (t.primaryKey !== undefined && pk !== undefined) rec[t.primaryKey] = pk;
  return rec;
}

/**
 * Checks one element of a property (the field's value outside collections, or one member of
 * a list, set or dictionary) and returns its stored form. Links are stored as the target's
 * primary key; a linked object given as a record is reduced to its primary key.
 */
export function checkElement(schema: Schema, typeName: string, prop: PropertySchema, v: unknown, path: ValuePath): Value {
  if (v === null || v === undefined) {
    if (prop.optional) return null;
    throw violation(typeName, path, `${prop.name} cannot be null`);
  }
  if (prop.type === 'object') {
    const target = schema.require(prop.objectType!);
    if (target.embedded) {
      if (!isRecord(v)) throw violation(typeName, path, `expected an embedded ${target.name}, got ${describe(v)}`);
      return checkRecord(schema, target, v as Record<string, unknown>, path, typeName, 'create');
    }
    const pkProp = target.properties.get(target.primaryKey!)!;
    const raw = isRecord(v) ? (v as Record<string, unknown>)[target.primaryKey!] : v;
    const pk = coerceScalar(pkProp.type, raw);
    if (pk === undefined || pk === null) {
      throw violation(typeName, path, `expected a link to ${target.name} (its ${pkProp.type} primary key), got ${describe(raw)}`);
    }
    return pk;
  }
  const out = coerceScalar(prop.type, v);
  if (out === undefined) throw violation(typeName, path, `expected ${prop.type}, got ${describe(v)}`);
  return out;
}

/** Checks a whole field value, collections included, and returns its stored form. */
export function checkFieldValue(schema: Schema, typeName: string, prop: PropertySchema, v: unknown, path: ValuePath): Value {
  switch (prop.collection) {
    case 'none':
      return checkElement(schema, typeName, prop, v, path);
    case 'list':
    case 'set': {
      if (v === null || v === undefined) return [];
      const items = v instanceof Set ? [...v] : v;
      if (!Array.isArray(items)) throw violation(typeName, path, `expected a ${prop.collection}, got ${describe(v)}`);
      return items.map((x, i) => checkElement(schema, typeName, prop, x, [...path, i]));
    }
    case 'dictionary': {
      if (v === null || v === undefined) return newRecord();
      const entries = v instanceof Map ? [...v.entries()] : isRecord(v) ? Object.entries(v) : undefined;
      if (!entries) throw violation(typeName, path, `expected a dictionary, got ${describe(v)}`);
      const out = newRecord();
      for (const [k, x] of entries) {
        if (typeof k !== 'string') throw violation(typeName, path, 'dictionary keys must be strings');
        const problem = dictionaryKeyProblem(k);
        if (problem) throw violation(typeName, [...path, k], problem);
        out[k] = checkElement(schema, typeName, prop, x, [...path, k]);
      }
      return out;
    }
  }
}

/**
 * Checks a record against an object type. In `create` mode every required scalar without a
 * schema default must be present and absent fields get their default or zero value; in
 * `update` mode only the given fields are checked and returned.
 */
export function checkRecord(
  schema: Schema,
  t: ObjectSchema,
  input: Record<string, unknown>,
  path: ValuePath,
  rootType: string,
  mode: 'create' | 'update',
): ObjectRecord {
  if (!isRecord(input)) throw violation(rootType, path, `expected an object, got ${describe(input)}`);
  const out = newRecord();
  for (const key of Object.keys(input)) {
    if (!t.properties.has(key)) {
      const lo = t.linkingObjects.get(key);
      if (lo) {
        throw violation(rootType, [...path, key], `${t.name}.${key} is computed from ${lo.objectType}.${lo.property} (linkingObjects) and cannot be written; set ${lo.objectType}.${lo.property} instead`);
      }
      throw violation(rootType, [...path, key], `${t.name} has no property "${key}"`);
    }
  }
  for (const [name, prop] of t.properties) {
    const has = Object.prototype.hasOwnProperty.call(input, name) && input[name] !== undefined;
    if (has) {
      out[name] = checkFieldValue(schema, rootType, prop, input[name], [...path, name]);
    } else if (mode === 'create') {
      if (prop.default !== undefined) out[name] = checkFieldValue(schema, rootType, prop, prop.default, [...path, name]);
      else if (prop.collection === 'none' && !prop.optional && prop.type !== 'object' && prop.type !== 'counter') {
        throw violation(rootType, [...path, name], `missing value for required property "${name}"`);
      } else out[name] = zeroValue(prop);
    }
  }
  return out;
}

/**
 * Validates a whole object for a type: unknown properties, wrong types, missing required
 * values and a missing primary key are `schema_violation` errors naming the path.
 */
export function validateObject(
  schema: Schema,
  typeName: string,
  input: unknown,
  mode: 'create' | 'update' = 'create',
): ObjectRecord {
  const t = schema.require(typeName);
  if (t.embedded) throw violation(typeName, [], `${typeName} is embedded and only exists inside another object`);
  if (!isRecord(input)) throw violation(typeName, [], `expected an object, got ${describe(input)}`);
  const rec = checkRecord(schema, t, input as Record<string, unknown>, [], typeName, mode);
  return rec;
}

/** The primary key of an input object, checked against the type. */
export function primaryKeyOf(schema: Schema, typeName: string, input: Record<string, unknown>): PrimaryKey {
  const t = schema.require(typeName);
  if (t.primaryKey === undefined) throw violation(typeName, [], `${typeName} has no primary key`);
  const prop = t.properties.get(t.primaryKey)!;
  const pk = coercePrimaryKey(prop.type as PrimaryKeyType, input[t.primaryKey]);
  if (pk === undefined) throw violation(typeName, [t.primaryKey], `expected a ${prop.type} primary key, got ${describe(input[t.primaryKey])}`);
  return pk;
}

/** Checks a primary key value for a type. */
export function checkPrimaryKey(schema: Schema, typeName: string, pk: unknown): PrimaryKey {
  const t = schema.require(typeName);
  if (t.primaryKey === undefined) throw violation(typeName, [], `${typeName} has no primary key`);
  const prop = t.properties.get(t.primaryKey)!;
  const out = coercePrimaryKey(prop.type as PrimaryKeyType, pk);
  if (out === undefined) throw violation(typeName, [t.primaryKey], `expected a ${prop.type} primary key, got ${describe(pk)}`);
  return out;
}
