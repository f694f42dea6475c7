import { checkInstruction, resolvePath, type Instruction } from '../changeset/index.ts';
import {
  checkElement,
  checkPrimaryKey,
  checkRecord,
  isRecord,
  ObjectId,
  UUID,
  validateObject,
  type PrimaryKey,
  type Schema,
  type Value,
} from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import type { UpdateMode, WireOp } from '../worker-api/api.ts';
import { instructionToStorable, recordToStorable, toStorable } from '../worker-api/codec.ts';
import { snapshotFromRecord, typeOfSnapshot, type Snapshot } from './snapshot.ts';
import type { RealmSurface } from './realm-names.ts';

/*
 * The write transaction as the page sees it. Every call is checked against the schema here, at
 * once (a typed error names the type and path), and recorded; nothing is sent until the callback
 * returns. Then `db.write` sends all of it to the worker in one call, which applies it in one
 * IndexedDB transaction, or none of it.
 */

/** An object named by type and primary key, for the write calls. */
export class ObjectRef {
  constructor(
    readonly type: string,
    readonly pk: PrimaryKey,
  ) {}
}

/** Anything a write call accepts as "the object": a snapshot from Outpost, or a ref. */
export type ObjectTarget = ObjectRef | Snapshot<object>;

/** A location inside an object: a field name, or a path of field names, list indices and dictionary keys. */
export type PathLike = string | readonly (string | number)[];

export interface ListOps {
  push(...values: unknown[]): ListOps;
  insert(index: number, ...values: unknown[]): ListOps;
  remove(index: number, count?: number): ListOps;
  move(from: number, to: number): ListOps;
  set(index: number, value: unknown): ListOps;
  replaceAll(values: readonly unknown[]): ListOps;
  clear(): ListOps;
}

export interface SetOps {
  add(...values: unknown[]): SetOps;
  remove(...values: unknown[]): SetOps;
  replaceAll(values: readonly unknown[]): SetOps;
  clear(): SetOps;
}

export interface DictionaryOps {
  set(key: string, value: unknown): DictionaryOps;
  remove(key: string): DictionaryOps;
  assign(entries: Record<string, unknown>): DictionaryOps;
  clear(): DictionaryOps;
}

function toPath(p: PathLike): (string | number)[] {
  return typeof p === 'string' ? [p] : [...p];
}

export class WriteTransaction {
  /** @internal the recorded operations */
  readonly ops: WireOp[] = [];

  constructor(
    private readonly schema: Schema,
    protected readonly realm?: RealmSurface,
  ) {}

  /** A reference to an object by type and primary key. */
  ref(type: string, pk: unknown): ObjectRef {
    return new ObjectRef(type, checkPrimaryKey(this.schema, type, pk));
  }

  /** A path as the app writes it (JS names) → stored names. */
  private toPath(type: string, p: PathLike): (string | number)[] {
    const path = toPath(p);
    return this.realm?.names ? this.realm.names.storedPath(type, path) : path;
  }

  private target(t: ObjectTarget): ObjectRef {
    if (t instanceof ObjectRef) return t;
    const type = typeOfSnapshot(t);
    if (type === undefined) {
      throw new OutpostError('schema_violation', 'not an Outpost object: pass an object from a query or tx.create, or tx.ref(type, primaryKey)');
    }
    const s = this.schema.require(type);
    // A snapshot has JS names; the schema's primary key is its stored name.
    const pkName = this.realm?.names ? this.realm.names.jsField(type, s.primaryKey!) : s.primaryKey!;
    return this.ref(type, (t as Record<string, unknown>)[pkName]);
  }

  private instr(i: Instruction): void {
    const names = this.realm?.names;
    if (names && 'value' in i && i.value !== null && typeof i.value === 'object') {
      // A value written at a path (the path is in stored names already) holding embedded objects.
      i = { ...i, value: names.storedValueAt(i.type, i.path, i.value) as Value } as Instruction;
    }
    const checked = checkInstruction(this.schema, i);
    this.ops.push({ op: 'instr', instr: instructionToStorable(checked) });
  }

  /**
   * Creates an object. `mode`: 'never' (default) fails if the primary key exists; 'modified'
   * updates the given fields that differ; 'all' writes every given field. A missing objectId or
   * uuid primary key is generated. Returns the object as written (a frozen snapshot).
   */
  create<T extends object = Record<string, unknown>>(type: string, values: NoInfer<Partial<T>> | Record<string, unknown>, mode: UpdateMode = 'never'): Snapshot<T> {
    if (mode !== 'never' && mode !== 'modified' && mode !== 'all') throw new OutpostError('schema_violation', `unknown update mode ${JSON.stringify(mode)}`);
    const t = this.schema.require(type);
    if (!isRecord(values)) throw new OutpostError('schema_violation', `${type}: create needs an object of values`, { type });
    let input = values as Record<string, unknown>;
    if (this.realm) input = realmCreateInput(this.realm, type, input, mode);
    if (t.primaryKey !== undefined && (input[t.primaryKey] === undefined || input[t.primaryKey] === null)) {
      const pkType = t.properties.get(t.primaryKey)!.type;
      if (pkType === 'objectId') input = { ...input, [t.primaryKey]: new ObjectId() };
      else if (pkType === 'uuid') input = { ...input, [t.primaryKey]: new UUID() };
    }
    // With 'never' the object is new: check it whole now. Otherwise it may exist, and a partial
    // object is an update of it: check the given fields now, the whole object in the worker if
    // it turns out to be new.
    const rec = mode === 'never' ? validateObject(this.schema, type, input, 'create') : checkRecord(this.schema, t, input, [], type, 'update');
    if (mode !== 'never' && t.primaryKey !== undefined) rec[t.primaryKey] = checkPrimaryKey(this.schema, type, input[t.primaryKey]);
    const explicit = Object.keys(input).filter((k) => input[k] !== undefined);
    this.ops.push({ op: 'create', type, values: recordToStorable(rec), explicit, mode });
    return snapshotFromRecord<T>(type, rec, this.realm?.names);
  }

  /** Writes some fields of an existing object (fails with `missing_object` if it does not exist). */
  update(type: string, pk: unknown, values: Record<string, unknown>): void;
  update(target: ObjectTarget, values: Record<string, unknown>): void;
  update(a: string | ObjectTarget, b: unknown, c?: Record<string, unknown>): void {
    const ref = typeof a === 'string' ? this.ref(a, b) : this.target(a);
    const values = (typeof a === 'string' ? c : b) as Record<string, unknown>;
    const t = this.schema.require(ref.type);
    if (!isRecord(values)) throw new OutpostError('schema_violation', `${ref.type}: update needs an object of values`, { type: ref.type });
    const rec = checkRecord(this.schema, t, (this.realm?.names?.toStored(ref.type, values) ?? values) as Record<string, unknown>, [], ref.type, 'update');
    this.ops.push({ op: 'update', type: ref.type, pk: toStorable(ref.pk), values: recordToStorable(rec) });
  }

  /** Deletes an object (nothing happens if it does not exist). */
  delete(type: string, pk: unknown): void;
  delete(target: ObjectTarget): void;
  delete(a: string | ObjectTarget, b?: unknown): void {
    const ref = typeof a === 'string' ? this.ref(a, b) : this.target(a);
    this.schema.require(ref.type);
    this.ops.push({ op: 'delete', type: ref.type, pk: toStorable(ref.pk) });
  }

  /** Adds to an int or counter; concurrent increments add up. */
  increment(target: ObjectTarget, path: PathLike, by = 1): void {
    const ref = this.target(target);
    this.instr({ op: 'AddInteger', type: ref.type, pk: ref.pk, path: this.toPath(ref.type, path), value: by });
  }

  /**
   * Writes one location: a field, a list element (`['steps', 2]`), a dictionary key
   * (`['attrs', 'color']`) or a field of an embedded object (`['address', 'city']`). A whole
   * list, set or dictionary is replaced (cleared, then filled).
   */
  assign(target: ObjectTarget, path: PathLike, value: unknown): void {
    const ref = this.target(target);
    const p = this.toPath(ref.type, path);
    const where = resolvePath(this.schema, ref.type, p);
    if (where.kind !== 'collection') {
      this.instr({ op: 'Set', type: ref.type, pk: ref.pk, path: p, value: value as Value });
      return;
    }
    if (where.prop.collection === 'list') this.list(ref, p).replaceAll(asArray(value, ref.type));
    else if (where.prop.collection === 'set') this.set(ref, p).replaceAll(asArray(value, ref.type));
    else {
      this.clear(ref, p);
      if (value !== null && value !== undefined) this.dictionary(ref, p).assign(value as Record<string, unknown>);
    }
  }

  /** Empties a list, a set or a dictionary. */
  clear(target: ObjectTarget, path: PathLike): void {
    const ref = this.target(target);
    this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: this.toPath(ref.type, path) });
  }

  list(target: ObjectTarget, path: PathLike): ListOps {
    const ref = this.target(target);
    const p = this.toPath(ref.type, path);
    const where = resolvePath(this.schema, ref.type, p);
    if (where.kind !== 'collection' || where.prop.collection !== 'list') {
      throw new OutpostError('schema_violation', `${ref.type}.${p.join('.')} is not a list`, { type: ref.type, path: p });
    }
    const ops: ListOps = {
      push: (...values) => {
        const names = this.realm?.names;
        const checked = values.map((v, i) => checkElement(this.schema, ref.type, where.prop, names ? names.storedValueAt(ref.type, [...p, i], v) : v, [...p, i]));
        this.ops.push({ op: 'push', type: ref.type, pk: toStorable(ref.pk), path: p, values: checked.map((v) => toStorable(v)) });
        return ops;
      },
      insert: (index, ...values) => {
        values.forEach((v, i) => this.instr({ op: 'ListInsert', type: ref.type, pk: ref.pk, path: [...p, index + i], value: v as Value }));
        return ops;
      },
      remove: (index, count = 1) => {
        for (let i = 0; i < count; i++) this.instr({ op: 'ListErase', type: ref.type, pk: ref.pk, path: [...p, index] });
        return ops;
      },
      move: (from, to) => {
        this.instr({ op: 'ListMove', type: ref.type, pk: ref.pk, path: [...p, from], to });
        return ops;
      },
      set: (index, value) => {
        this.instr({ op: 'Set', type: ref.type, pk: ref.pk, path: [...p, index], value: value as Value });
        return ops;
      },
      replaceAll: (values) => {
        this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: p });
        values.forEach((v, i) => this.instr({ op: 'ListInsert', type: ref.type, pk: ref.pk, path: [...p, i], value: v as Value }));
        return ops;
      },
      clear: () => {
        this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: p });
        return ops;
      },
    };
    return ops;
  }

  set(target: ObjectTarget, path: PathLike): SetOps {
    const ref = this.target(target);
    const p = this.toPath(ref.type, path);
    const ops: SetOps = {
      add: (...values) => {
        for (const v of values) this.instr({ op: 'SetInsert', type: ref.type, pk: ref.pk, path: p, value: v as Value });
        return ops;
      },
      remove: (...values) => {
        for (const v of values) this.instr({ op: 'SetErase', type: ref.type, pk: ref.pk, path: p, value: v as Value });
        return ops;
      },
      replaceAll: (values) => {
        this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: p });
        return ops.add(...values);
      },
      clear: () => {
        this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: p });
        return ops;
      },
    };
    return ops;
  }

  dictionary(target: ObjectTarget, path: PathLike): DictionaryOps {
    const ref = this.target(target);
    const p = this.toPath(ref.type, path);
    const ops: DictionaryOps = {
      set: (key, value) => {
        this.instr({ op: 'Set', type: ref.type, pk: ref.pk, path: [...p, key], value: value as Value });
        return ops;
      },
      remove: (key) => {
        this.instr({ op: 'Set', type: ref.type, pk: ref.pk, path: [...p, key], value: null, erase: true });
        return ops;
      },
      assign: (entries) => {
        if (!isRecord(entries)) throw new OutpostError('schema_violation', `${ref.type}.${p.join('.')}: expected an object of entries`, { type: ref.type });
        for (const k of Object.keys(entries)) ops.set(k, entries[k]);
        return ops;
      },
      clear: () => {
        this.instr({ op: 'Clear', type: ref.type, pk: ref.pk, path: p });
        return ops;
      },
    };
    return ops;
  }
}

/** Realm's create input: JS names → stored names, and function defaults called for the missing fields. */
function realmCreateInput(realm: RealmSurface, type: string, values: Record<string, unknown>, mode: UpdateMode): Record<string, unknown> {
  const input = (realm.names?.toStored(type, values) ?? values) as Record<string, unknown>;
  const defaults = realm.defaults[type];
  // Only a new object takes defaults; with 'modified'/'all' a missing field may mean "keep it".
  if (!defaults || mode !== 'never') return input;
  const out = { ...input };
  for (const [name, fn] of Object.entries(defaults)) if (out[name] === undefined) out[name] = fn();
  return out;
}

function asArray(v: unknown, type: string): readonly unknown[] {
  if (v === null || v === undefined) return [];
  if (v instanceof Set) return [...v];
  if (Array.isArray(v)) return v;
  throw new OutpostError('schema_violation', `${type}: expected a list of values`, { type });
}
