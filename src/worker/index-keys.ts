import type { ObjectSchema, PropertySchema, Schema } from '../model/index.ts';
import { Decimal128, ObjectId, UUID, pkKey, type ObjectRecord, type PrimaryKey } from '../model/index.ts';
import { QueryDate } from '../query/index.ts';

/*
 * IndexedDB keys for indexed properties. Every object row carries `ix`: one `[type, field, key]`
 * entry per indexed top-level property, under one multi-entry index, so a condition on an indexed
 * field is a key range `[type, field, lo] .. [type, field, hi]`.
 *
 * The key of a value must order like the query language orders it (src/query/compare.ts):
 * - numbers are numbers (int and double mix; NaN is not a valid key and never matches a range);
 * - dates are their milliseconds (a query constant between two milliseconds keeps its fraction);
 * - strings compare by code point in queries but by UTF-16 code unit in IndexedDB: the two differ
 *   only for code units from U+D800 up, so those are remapped (surrogates above U+E000..U+FFFF);
 * - objectIds and uuids are lowercase hex (equality; objectId ranges order by hex like queries).
 * null, booleans and decimals get no entry: the planner never asks for them.
 */

export type IndexKey = number | string;

const HIGH = /[\ud800-\uffff]/;

/** A string in an order-preserving form whose UTF-16 order is the code point order. */
export function codePointOrderKey(s: string): string {
  if (!HIGH.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800) c = c <= 0xdfff ? c + 0x2000 : c - 0x800;
    out += String.fromCharCode(c);
  }
  return out;
}

/** The index key of a value, or undefined when it gets no index entry. */
export function indexKeyOf(v: unknown): IndexKey | undefined {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? undefined : v;
    case 'string':
      return 's' + codePointOrderKey(v);
    case 'object':
      if (v instanceof Date) {
        const ms = v.getTime();
        return Number.isNaN(ms) ? undefined : ms;
      }
      if (v instanceof QueryDate) return v.ms;
      if (v instanceof UUID) return 'u' + v.toHexString(false).toLowerCase();
      if (v instanceof ObjectId) return 'o' + v.toHexString();
      if (v instanceof Decimal128) return undefined;
      return undefined;
    default:
      return undefined;
  }
}

/** The property kinds that get index entries (top-level scalars and links the planner can use). */
export function isIndexableProperty(t: ObjectSchema, p: PropertySchema): boolean {
  // The primary key is the row key already (equality and IN use it); it gets an entry only when marked indexed.
  if (p.collection !== 'none' || !p.indexed) return false;
  void t;
  if (p.type === 'object') return !p.embedded;
  return p.type === 'string' || p.type === 'int' || p.type === 'double' || p.type === 'float' || p.type === 'date' || p.type === 'objectId' || p.type === 'uuid' || p.type === 'counter';
}

/** Indexed fields per type, computed once per schema. */
export class IndexLayout {
  private readonly fields = new Map<string, string[]>();

  constructor(readonly schema: Schema) {
    for (const t of schema.types.values()) {
      if (t.embedded) continue;
      const names: string[] = [];
      for (const p of t.properties.values()) if (isIndexableProperty(t, p)) names.push(p.name);
      this.fields.set(t.name, names);
    }
  }

  indexedFields(type: string): readonly string[] {
    return this.fields.get(type) ?? [];
  }

  isIndexed(type: string, field: string): boolean {
    return this.indexedFields(type).includes(field);
  }

  /** The `ix` entries of one record. */
  entries(type: string, rec: ObjectRecord): [string, string, IndexKey][] {
    const out: [string, string, IndexKey][] = [];
    for (const f of this.indexedFields(type)) {
      const k = indexKeyOf(rec[f]);
      if (k !== undefined) out.push([type, f, k]);
    }
    return out;
  }

  /** A fingerprint of what is indexed: a change means existing rows need new entries. */
  fingerprint(): string {
    return JSON.stringify([...this.fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** The row key of an object: its type and the model's primary-key string. */
export function rowKey(type: string, pk: PrimaryKey): [string, string] {
  return [type, pkKey(pk)];
}
