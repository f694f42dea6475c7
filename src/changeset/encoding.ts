import { Binary, EJSON } from 'bson';
import { Decimal128, ObjectId, UUID, isRecord, newRecord, type ObjectRecord, type PrimaryKey, type Value } from '../model/values.ts';
import { badChangeset, MAX_PATH_LENGTH } from './check.ts';
import { isValidTimestamp } from './hlc.ts';
import { INSTRUCTION_OPS, type Changeset, type Instruction, type InstructionOp } from './instructions.ts';

/*
 * The wire form of changesets: plain JSON, values in MongoDB Extended JSON (relaxed) through the
 * `bson` library. docs/changeset-encoding.md describes it field by field.
 */

/** Limits on a decoded changeset, so that hostile input cannot exhaust memory or stack. */
export const MAX_VALUE_DEPTH = 32;
export const MAX_INSTRUCTIONS = 100_000;

export type EncodedValue = unknown;

export interface EncodedInstruction {
  op: InstructionOp;
  [key: string]: unknown;
}

export interface EncodedChangeset {
  origin: number;
  ts: number;
  ops: EncodedInstruction[];
}

/** Encodes a value for the wire: scalars as EJSON, lists as arrays, records as objects. */
export function encodeValue(v: Value): EncodedValue {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) return EJSON.serialize({ v }, { relaxed: true }).v;
    return v;
  }
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Uint8Array) return EJSON.serialize({ v: new Binary(v) }, { relaxed: true }).v;
  if (v instanceof Date || v instanceof ObjectId || v instanceof UUID || v instanceof Decimal128) {
    return EJSON.serialize({ v }, { relaxed: true }).v;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = encodeValue(v[k]!);
  return out;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Decodes a wire value. An object whose first key starts with `$` is an EJSON scalar; any other
 * object is a record (an embedded object or a dictionary), rebuilt with a null prototype.
 */
export function decodeValue(raw: unknown, depth = 0): Value {
  if (depth > MAX_VALUE_DEPTH) throw badChangeset(`value nested deeper than ${MAX_VALUE_DEPTH}`);
  if (raw === null) return null;
  switch (typeof raw) {
    case 'string':
    case 'boolean':
      return raw;
    case 'number':
      return raw;
    case 'object':
      break;
    default:
      throw badChangeset(`a value cannot be a ${typeof raw}`);
  }
  if (Array.isArray(raw)) return raw.map((x) => decodeValue(x, depth + 1));
  const keys = Object.keys(raw as object);
  if (keys.length > 0 && keys[0]!.startsWith('$')) return decodeSpecial(raw as Record<string, unknown>);
  const out: ObjectRecord = newRecord();
  for (const k of keys) {
    if (FORBIDDEN_KEYS.has(k) || k.startsWith('$')) throw badChangeset(`a record key cannot be ${JSON.stringify(k)}`);
    out[k] = decodeValue((raw as Record<string, unknown>)[k], depth + 1);
  }
  return out;
}

const SPECIAL_KEYS = new Set(['$oid', '$date', '$numberDecimal', '$binary', '$uuid', '$numberDouble', '$numberInt', '$numberLong']);

function decodeSpecial(raw: Record<string, unknown>): Value {
  const keys = Object.keys(raw);
  if (keys.length !== 1 || !SPECIAL_KEYS.has(keys[0]!)) throw badChangeset(`unknown extended JSON value ${JSON.stringify(keys)}`);
  let v: unknown;
  try {
    v = EJSON.deserialize({ v: raw }, { relaxed: true }).v;
  } catch (err) {
    throw badChangeset(`bad extended JSON value: ${(err as Error).message}`);
  }
  if (v instanceof UUID) return v;
  if (v instanceof Binary) return v.sub_type === Binary.SUBTYPE_UUID ? new UUID(v.buffer) : new Uint8Array(v.buffer);
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw badChangeset('invalid date');
    return v;
  }
  if (typeof v === 'number' && (keys[0] === '$numberLong' || keys[0] === '$numberInt') && !Number.isSafeInteger(v)) {
    // Relaxed EJSON turns a $numberLong into a double, rounding anything past 2^53 silently.
    throw badChangeset('integer outside the safe range');
  }
  if (v instanceof ObjectId || v instanceof Decimal128 || typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v) {
    // A $numberLong: Outpost ints are JavaScript safe integers.
    const n = (v as { toNumber(): number }).toNumber();
    if (!Number.isSafeInteger(n)) throw badChangeset('integer outside the safe range');
    return n;
  }
  throw badChangeset('unsupported extended JSON value');
}

export function encodeInstruction(i: Instruction): EncodedInstruction {
  switch (i.op) {
    case 'AddType':
      return { op: i.op, type: i.type, schema: i.schema };
    case 'AddField':
      return { op: i.op, type: i.type, field: i.field, property: i.property };
    case 'CreateObject':
    case 'EraseObject':
      return { op: i.op, type: i.type, pk: encodeValue(i.pk) };
    case 'Set': {
      const out: EncodedInstruction = { op: i.op, type: i.type, pk: encodeValue(i.pk), path: [...i.path] };
      if (i.erase) out.erase = true;
      else out.value = encodeValue(i.value);
      if (i.default) out.default = true;
      return out;
    }
    case 'ListMove':
      return { op: i.op, type: i.type, pk: encodeValue(i.pk), path: [...i.path], to: i.to };
    case 'ListErase':
    case 'Clear':
      return { op: i.op, type: i.type, pk: encodeValue(i.pk), path: [...i.path] };
    default:
      return { op: i.op, type: i.type, pk: encodeValue(i.pk), path: [...i.path], value: encodeValue(i.value) };
  }
}

export function encodeChangeset(c: Changeset): EncodedChangeset {
  return { origin: c.origin, ts: c.timestamp, ops: c.instructions.map(encodeInstruction) };
}

function field(raw: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined;
}

function decodePath(raw: unknown, op: string): (string | number)[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_PATH_LENGTH) {
    throw badChangeset(`${op}: path must be a non-empty array of at most ${MAX_PATH_LENGTH} elements`);
  }
  for (const p of raw) {
    if (typeof p === 'number') {
      if (!Number.isSafeInteger(p) || p < 0) throw badChangeset(`${op}: list index must be a non-negative integer, got ${p}`);
    } else if (typeof p !== 'string') {
      throw badChangeset(`${op}: path elements are strings or list indices`);
    }
  }
  return raw as (string | number)[];
}

function decodePk(raw: unknown, op: string): PrimaryKey {
  const v = decodeValue(raw);
  if (typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v)) || v instanceof ObjectId || v instanceof UUID) {
    return v;
  }
  throw badChangeset(`${op}: a primary key is an objectId, uuid, string or int`);
}

/**
 * Decodes and structurally checks one instruction from untrusted input. The schema check
 * (types, fields, value types) happens in `checkInstruction`, which `apply` and the merge run.
 */
export function decodeInstruction(raw: unknown): Instruction {
  if (!isRecord(raw) && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw badChangeset('an instruction must be an object');
  }
  const r = raw as Record<string, unknown>;
  const op = field(r, 'op');
  if (typeof op !== 'string' || !(INSTRUCTION_OPS as readonly string[]).includes(op)) {
    throw badChangeset(`unknown instruction ${JSON.stringify(op)}`);
  }
  const type = field(r, 'type');
  if (typeof type !== 'string' || type.length === 0) throw badChangeset(`${op}: missing object type`);
  switch (op as InstructionOp) {
    case 'AddType': {
      const schema = field(r, 'schema');
      if (!schema || typeof schema !== 'object') throw badChangeset('AddType: missing schema');
      return { op: 'AddType', type, schema: schema as never };
    }
    case 'AddField': {
      const f = field(r, 'field');
      const property = field(r, 'property');
      if (typeof f !== 'string') throw badChangeset('AddField: missing field');
      if (typeof property !== 'string' && (property === null || typeof property !== 'object')) throw badChangeset('AddField: missing property');
      return { op: 'AddField', type, field: f, property: property as never };
    }
    case 'CreateObject':
    case 'EraseObject':
      return { op: op as 'CreateObject', type, pk: decodePk(field(r, 'pk'), op) };
    default:
      break;
  }
  const pk = decodePk(field(r, 'pk'), op);
  const path = decodePath(field(r, 'path'), op);
  switch (op as InstructionOp) {
    case 'Set': {
      const erase = field(r, 'erase') === true;
      const isDefault = field(r, 'default') === true;
      if (!erase && !Object.prototype.hasOwnProperty.call(r, 'value')) throw badChangeset('Set: missing value');
      return {
        op: 'Set',
        type,
        pk,
        path,
        value: erase ? null : decodeValue(field(r, 'value')),
        ...(erase ? { erase: true as const } : {}),
        ...(isDefault ? { default: true as const } : {}),
      };
    }
    case 'AddInteger': {
      const value = field(r, 'value');
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badChangeset('AddInteger: value must be an integer');
      return { op: 'AddInteger', type, pk, path, value };
    }
    case 'ListMove': {
      const to = field(r, 'to');
      if (typeof to !== 'number' || !Number.isSafeInteger(to) || to < 0) throw badChangeset('ListMove: "to" must be a list index');
      if (typeof path[path.length - 1] !== 'number') throw badChangeset('ListMove: path must end in a list index');
      return { op: 'ListMove', type, pk, path, to };
    }
    case 'ListErase':
    case 'ListInsert':
      if (typeof path[path.length - 1] !== 'number') throw badChangeset(`${op}: path must end in a list index`);
      if (op === 'ListErase') return { op, type, pk, path };
      return { op: 'ListInsert', type, pk, path, value: decodeValue(field(r, 'value')) };
    case 'Clear':
      return { op: 'Clear', type, pk, path };
    case 'SetInsert':
    case 'SetErase':
      return { op: op as 'SetInsert', type, pk, path, value: decodeValue(field(r, 'value')) };
    default:
      throw badChangeset(`unknown instruction ${JSON.stringify(op)}`);
  }
}

/** Decodes a changeset from untrusted JSON; throws `bad_changeset` on any malformed part. */
export function decodeChangeset(raw: unknown): Changeset {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badChangeset('a changeset must be an object');
  const r = raw as Record<string, unknown>;
  const origin = field(r, 'origin');
  const ts = field(r, 'ts');
  const ops = field(r, 'ops');
  if (typeof origin !== 'number' || !Number.isSafeInteger(origin) || origin <= 0) throw badChangeset('changeset origin must be a positive integer');
  if (!isValidTimestamp(ts)) throw badChangeset('changeset ts must be a non-negative integer');
  if (!Array.isArray(ops)) throw badChangeset('changeset ops must be an array');
  if (ops.length > MAX_INSTRUCTIONS) throw badChangeset(`a changeset is limited to ${MAX_INSTRUCTIONS} instructions`);
  return { origin, timestamp: ts, instructions: ops.map(decodeInstruction) };
}
