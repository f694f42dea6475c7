import { toPlain, type StoredRecord } from '../worker-api/codec.ts';
import type { Names } from './realm-names.ts';

/*
 * What application code gets: frozen plain objects. Records and arrays are frozen all the way
 * down (bson values and dates are left alone: freezing an ObjectId would break its lazy hex
 * cache). Each top-level object remembers its type under a symbol, so that it can be passed back
 * to `tx.update(obj, …)`, `tx.delete(obj)`, `tx.list(obj, 'steps')` and so on.
 */

export const OBJECT_TYPE: unique symbol = Symbol.for('outpost.objectType');

/** A frozen snapshot of one object, as the page sees it. */
export type Snapshot<T = Record<string, unknown>> = Readonly<T>;

function deepFreeze(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (const x of v) deepFreeze(x);
    return Object.freeze(v);
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // a bson value, a Date, bytes
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  return Object.freeze(v);
}

/** A stored record → a frozen plain object tagged with its type. */
export function snapshotOf<T = Record<string, unknown>>(type: string, stored: StoredRecord, names?: Names | null): Snapshot<T> {
  let plain = toPlain(stored) as Record<string, unknown>;
  if (names) plain = names.toJs(type, plain) as Record<string, unknown>;
  Object.defineProperty(plain, OBJECT_TYPE, { value: type, enumerable: false });
  return deepFreeze(plain) as Snapshot<T>;
}

function plainCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plainCopy);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = plainCopy((v as Record<string, unknown>)[k]);
  return out;
}

/** A model record (bson values already in place) → a frozen plain object tagged with its type. */
export function snapshotFromRecord<T = Record<string, unknown>>(type: string, rec: Record<string, unknown>, names?: Names | null): Snapshot<T> {
  let plain = plainCopy(rec) as Record<string, unknown>;
  if (names) plain = names.toJs(type, plain) as Record<string, unknown>;
  Object.defineProperty(plain, OBJECT_TYPE, { value: type, enumerable: false });
  return deepFreeze(plain) as Snapshot<T>;
}

/** The type of an object that came from Outpost (a query result or `tx.create`), if it did. */
export function typeOfSnapshot(obj: unknown): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const t = (obj as { [OBJECT_TYPE]?: unknown })[OBJECT_TYPE];
  return typeof t === 'string' ? t : undefined;
}

/** Deep equality of plain snapshot values (bson values by their own equality). */
export function sameContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameContent(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  if (pa !== pb) return false;
  if (pa !== Object.prototype && pa !== null) {
    const eq = (a as { equals?: (o: unknown) => boolean }).equals;
    if (typeof eq === 'function') return eq.call(a, b);
    return String(a) === String(b);
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !sameContent((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
