import type { Schema } from '../model/schema.ts';
import { canonicalJson, cloneValue, pkKey, type ObjectRecord, type PrimaryKey } from '../model/values.ts';

/**
 * Objects in memory by type and primary key: what `apply` changes. The server's materialized
 * store, the worker's cache and the fuzzer's replicas all reduce to this shape.
 */
export class ObjectState {
  schema: Schema;
  private readonly tables = new Map<string, Map<string, ObjectRecord>>();

  constructor(schema: Schema) {
    this.schema = schema;
  }

  get(type: string, pk: PrimaryKey): ObjectRecord | undefined {
    return this.tables.get(type)?.get(pkKey(pk));
  }

  has(type: string, pk: PrimaryKey): boolean {
    return this.get(type, pk) !== undefined;
  }

  /** Every object of a type (live records: do not mutate). */
  objects(type: string): IterableIterator<ObjectRecord> {
    return (this.tables.get(type) ?? new Map<string, ObjectRecord>()).values();
  }

  count(type: string): number {
    return this.tables.get(type)?.size ?? 0;
  }

  /** Type names that hold at least one object. */
  types(): string[] {
    return [...this.tables.keys()].filter((t) => (this.tables.get(t)?.size ?? 0) > 0);
  }

  /** Low level: stores a record as is (apply and loaders use it). */
  put(type: string, key: string, record: ObjectRecord): void {
    let table = this.tables.get(type);
    if (!table) this.tables.set(type, (table = new Map()));
    table.set(key, record);
  }

  getByKey(type: string, key: string): ObjectRecord | undefined {
    return this.tables.get(type)?.get(key);
  }

  remove(type: string, key: string): void {
    this.tables.get(type)?.delete(key);
  }

  clone(): ObjectState {
    const out = new ObjectState(this.schema);
    for (const [type, table] of this.tables) {
      for (const [key, rec] of table) out.put(type, key, cloneValue(rec));
    }
    return out;
  }

  /** A key-sorted JSON form of every object: two states are equal when these are. */
  toCanonical(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const type of [...this.tables.keys()].sort()) {
      const table = this.tables.get(type)!;
      if (table.size === 0) continue;
      const objs: Record<string, unknown> = {};
      for (const key of [...table.keys()].sort()) objs[key] = canonicalJson(table.get(key)!);
      out[type] = objs;
    }
    return out;
  }

  equals(other: ObjectState): boolean {
    return JSON.stringify(this.toCanonical()) === JSON.stringify(other.toCanonical());
  }
}
