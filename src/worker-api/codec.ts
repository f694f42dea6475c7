import { Decimal128, ObjectId, UUID, isRecord, newRecord, type ObjectRecord, type Value } from '../model/index.ts';
import type { Instruction } from '../changeset/index.ts';
import { decodeBase64, encodeBase64 } from '../query/base64.ts';

/*
 * The storable form of values: what goes into IndexedDB and across postMessage. Structured clone
 * keeps Date, Uint8Array, arrays and plain objects, but drops class prototypes, so the three bson
 * classes become tagged objects:
 *
 *   ObjectId → { $oid: '<24 hex>' }   UUID → { $uuid: '<32 hex>' }   Decimal128 → { $dec: '<text>' }
 *
 * A `$` key cannot be a field name or a dictionary key (the model refuses them), so a tagged object
 * is never mistaken for a record. Everything else is copied as is, which also makes the encoder the
 * defensive copy between the page and an in-process worker.
 */

export type Storable = unknown;

/** A record in storable form. */
export type StoredRecord = Record<string, Storable>;

function hexOfUuid(u: UUID): string {
  return u.toHexString(false).toLowerCase();
}

function uuidFromHex(h: string): UUID {
  return new UUID(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
}

/** Model value → storable (a fresh copy). */
export function toStorable(v: Value | undefined): Storable {
  if (v === null || v === undefined || typeof v !== 'object') return v ?? null;
  if (Array.isArray(v)) {
    const out = new Array<Storable>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toStorable(v[i]);
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Uint8Array) return new Uint8Array(v);
  // UUID extends Binary in bson; test it before the others.
  if (v instanceof UUID) return { $uuid: hexOfUuid(v) };
  if (v instanceof ObjectId) return { $oid: v.toHexString() };
  if (v instanceof Decimal128) return { $dec: v.toString() };
  const out: StoredRecord = {};
  for (const k of Object.keys(v)) out[k] = toStorable((v as ObjectRecord)[k]);
  return out;
}

/** Storable → model value (a fresh copy; records get a null prototype, as the model wants). */
export function fromStorable(s: Storable): Value {
  if (s === null || s === undefined || typeof s !== 'object') return (s ?? null) as Value;
  if (Array.isArray(s)) {
    const out = new Array<Value>(s.length);
    for (let i = 0; i < s.length; i++) out[i] = fromStorable(s[i]);
    return out;
  }
  if (s instanceof Date) return new Date(s.getTime());
  if (s instanceof Uint8Array) return new Uint8Array(s);
  const o = s as Record<string, unknown>;
  const tagged = tagOf(o);
  if (tagged !== undefined) return tagged;
  const out = newRecord();
  for (const k of Object.keys(o)) {
    if (k === '__proto__') continue;
    out[k] = fromStorable(o[k]);
  }
  return out;
}

function tagOf(o: Record<string, unknown>): Value | undefined {
  if (typeof o.$oid === 'string') return new ObjectId(o.$oid);
  if (typeof o.$uuid === 'string') return uuidFromHex(o.$uuid);
  if (typeof o.$dec === 'string') return Decimal128.fromString(o.$dec);
  return undefined;
}

/**
 * Storable → the form handed to application code on the page: bson classes restored, records as
 * ordinary objects (not null-prototype), nothing frozen yet (see src/client/snapshot.ts).
 */
export function toPlain(s: Storable): unknown {
  if (s === null || s === undefined || typeof s !== 'object') return s ?? null;
  if (Array.isArray(s)) return s.map(toPlain);
  if (s instanceof Date) return new Date(s.getTime());
  if (s instanceof Uint8Array) return s;
  const o = s as Record<string, unknown>;
  const tagged = tagOf(o);
  if (tagged !== undefined) return tagged;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) out[k] = toPlain(o[k]);
  return out;
}

export function recordToStorable(r: ObjectRecord): StoredRecord {
  return toStorable(r) as StoredRecord;
}

export function recordFromStorable(s: StoredRecord): ObjectRecord {
  const v = fromStorable(s);
  if (!isRecord(v)) throw new TypeError('a stored record must be an object');
  return v;
}

export function instructionToStorable(i: Instruction): Storable {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(i)) {
    const v = (i as unknown as Record<string, unknown>)[k];
    // Schema instructions carry JSON (schemas); the rest carry model values in pk and value.
    out[k] = k === 'pk' || k === 'value' ? toStorable(v as Value) : k === 'path' ? [...(v as unknown[])] : v;
  }
  return out;
}

export function instructionFromStorable(s: Storable): Instruction {
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    out[k] = k === 'pk' || k === 'value' ? fromStorable(v) : k === 'path' ? [...(v as unknown[])] : v;
  }
  return out as unknown as Instruction;
}

/** Deep equality of two storable values (used to keep identities of unchanged objects). */
export function storableEqual(a: Storable, b: Storable): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!storableEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (b instanceof Date || b instanceof Uint8Array) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!storableEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/*
 * The local history keeps each changeset's instructions as one JSON string: a large write (ten
 * thousand creates) is tens of thousands of instruction objects, and IndexedDB clones a string
 * far faster than that many objects. Special values are tagged as above, plus
 * { $date: ms }, { $bytes: base64 } and { $num: 'NaN' | 'Infinity' | '-Infinity' }.
 */

function fromJsonValue(j: unknown): Value {
  if (j === null || typeof j !== 'object') return j as Value;
  if (Array.isArray(j)) {
    const out = new Array<Value>(j.length);
    for (let i = 0; i < j.length; i++) out[i] = fromJsonValue(j[i]);
    return out;
  }
  const o = j as Record<string, unknown>;
  const tagged = tagOf(o);
  if (tagged !== undefined) return tagged;
  if (typeof o.$date === 'number') return new Date(o.$date);
  if (typeof o.$bytes === 'string') return decodeBase64(o.$bytes) ?? new Uint8Array(0);
  if (typeof o.$num === 'string') return Number(o.$num);
  const out = newRecord();
  for (const k of Object.keys(o)) {
    if (k === '__proto__') continue;
    out[k] = fromJsonValue(o[k]);
  }
  return out;
}

/*
 * The history's text is grouped: consecutive instructions on one object share one `[type, pk,
 * ...entries]` group, and a `Set` of a top-level field (most of a create) is the entry
 * `[field, value]` (`[field, value, 1]` for a default). The values are made JSON-safe first and
 * the text written by JSON.stringify without a replacer: a replacer function is called for every
 * key and value, and was the larger part of writing ten thousand creates. Rows written before
 * (a plain JSON array of instructions, text starting with `[`) are still read.
 */

const GROUPED = '{';

/** A model value in the JSON-safe tagged form (a fresh copy). */
function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : { $num: String(v) };
    case 'object':
      break;
    default:
      return v;
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toJsonValue(v[i]);
    return out;
  }
  if (v instanceof Date) return { $date: v.getTime() };
  if (v instanceof UUID) return { $uuid: hexOfUuid(v) };
  if (v instanceof ObjectId) return { $oid: v.toHexString() };
  if (v instanceof Decimal128) return { $dec: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: encodeBase64(v) };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = toJsonValue(x);
  }
  return out;
}

/** An instruction without its type and pk: `[field, value(, 1)]` for a field Set, else an object. */
function entryOf(i: Record<string, unknown>, grouped: boolean): unknown {
  const path = i.path as unknown[] | undefined;
  if (grouped && i.op === 'Set' && path?.length === 1 && i.value !== undefined) {
    let plain = true;
    for (const k in i) {
      if (k !== 'op' && k !== 'type' && k !== 'pk' && k !== 'path' && k !== 'value' && k !== 'default') {
        plain = false;
        break;
      }
    }
    if (plain && (i.default === undefined || i.default === true)) {
      return i.default ? [path[0], toJsonValue(i.value), 1] : [path[0], toJsonValue(i.value)];
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(i)) {
    if (grouped && (k === 'type' || k === 'pk')) continue;
    const x = i[k];
    if (x === undefined) continue;
    out[k] = k === 'value' ? toJsonValue(x) : x;
  }
  return out;
}

/** Instructions → the history's text. */
export function instructionsToJson(instructions: readonly Instruction[]): string {
  const groups: unknown[][] = [];
  let group: unknown[] | undefined;
  let type: unknown;
  let pk: unknown;
  for (const ins of instructions) {
    const i = ins as unknown as Record<string, unknown>;
    // Instructions on an object (a type and a pk) group; schema instructions go alone, whole.
    const onObject = typeof i.type === 'string' && i.pk !== undefined && i.pk !== null;
    // Same object: the same type and the same pk (a primitive, or the very same pk value, which
    // is what the instructions of one create or update share).
    if (!group || !onObject || i.type !== type || i.pk !== pk) {
      type = onObject ? i.type : null;
      pk = onObject ? i.pk : null;
      group = onObject ? [type, toJsonValue(pk)] : [null, null];
      groups.push(group);
    }
    group.push(entryOf(i, onObject));
  }
  return GROUPED + JSON.stringify(groups).slice(1, -1) + '}';
}

function fromEntry(type: unknown, pk: unknown, e: unknown): Instruction {
  if (Array.isArray(e)) {
    const out: Record<string, unknown> = { op: 'Set', type, pk, path: [e[0]], value: fromJsonValue(e[1]) };
    if (e[2] === 1) out.default = true;
    return out as unknown as Instruction;
  }
  const o = e as Record<string, unknown>;
  const out: Record<string, unknown> = type === null ? {} : { op: o.op, type, pk };
  for (const k of Object.keys(o)) out[k] = k === 'value' ? fromJsonValue(o[k]) : o[k];
  return out as unknown as Instruction;
}

/** The history's text → instructions (values and keys back in model form). */
export function instructionsFromJson(text: string): Instruction[] {
  if (text.startsWith(GROUPED)) {
    const groups = JSON.parse('[' + text.slice(1, -1) + ']') as unknown[][];
    const out: Instruction[] = [];
    for (const g of groups) {
      const type = g[0];
      const pk = type === null ? null : fromJsonValue(g[1]);
      for (let k = 2; k < g.length; k++) out.push(fromEntry(type, pk, g[k]));
    }
    return out;
  }
  const raw = JSON.parse(text) as Record<string, unknown>[];
  return raw.map((o) => {
    if (o.pk !== undefined) o.pk = fromJsonValue(o.pk);
    if (o.value !== undefined) o.value = fromJsonValue(o.value);
    return o as unknown as Instruction;
  });
}
