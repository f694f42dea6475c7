import { OutpostError } from '../errors.ts';
import type { ObjectSchema, Schema } from '../model/schema.ts';
import { formatPath, newObjectRecord, zeroValue } from '../model/validate.ts';
import {
  cloneValue,
  compareValues,
  isRecord,
  newRecord,
  pkKey,
  valuesEqual,
  type ObjectRecord,
  type PrimaryKey,
  type Value,
} from '../model/values.ts';
import { badChangeset, checkInstruction, evolveSchema } from './check.ts';
import type { AddField, AddType, Changeset, Instruction, Path, PathInstruction } from './instructions.ts';
import type { ObjectState } from './state.ts';

/** The net effect of a changeset on one object, for change notifications. */
export interface ObjectChange {
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly kind: 'insert' | 'delete' | 'modify';
}

function outOfRange(type: string, path: Path, index: number, length: number): OutpostError {
  return new OutpostError('index_out_of_range', `${formatPath(type, path)}: index ${index} is outside a list of ${length}`, {
    type,
    path: [...path],
    index,
    length,
  });
}

/** Adds to an int; null stays null (an unset optional int ignores increments). */
export function addToInt(v: Value, n: number): Value {
  return typeof v === 'number' ? v + n : v;
}

/**
 * Applies a changeset to a state: every instruction is checked against the schema and the
 * objects, and either all of them take effect or, on the first error, none do (the state is
 * rolled back) and the typed error is thrown.
 */
export function applyChangeset(state: ObjectState, changeset: Changeset): ObjectChange[] {
  return applyInstructions(state, changeset.instructions);
}

export function applyInstructions(state: ObjectState, instructions: readonly Instruction[]): ObjectChange[] {
  const tx = new ApplyTransaction(state);
  try {
    for (const raw of instructions) tx.apply(raw);
  } catch (err) {
    tx.rollback();
    if (err instanceof OutpostError) throw err;
    throw badChangeset(`changeset could not be applied: ${(err as Error).message}`);
  }
  return tx.changes();
}

interface UndoEntry {
  type: string;
  key: string;
  pk: PrimaryKey;
  before: ObjectRecord | undefined;
}

class ApplyTransaction {
  private readonly undo = new Map<string, UndoEntry>();
  private readonly schemaBefore: Schema;

  constructor(private readonly state: ObjectState) {
    this.schemaBefore = state.schema;
  }

  /** Remembers an object's state before its first change in this transaction. */
  private touch(type: string, key: string, pk: PrimaryKey): void {
    const id = type + '\u0000' + key;
    if (this.undo.has(id)) return;
    const rec = this.state.getByKey(type, key);
    this.undo.set(id, { type, key, pk, before: rec === undefined ? undefined : cloneValue(rec) });
  }

  rollback(): void {
    for (const u of this.undo.values()) {
      if (u.before === undefined) this.state.remove(u.type, u.key);
      else this.state.put(u.type, u.key, u.before);
    }
    this.state.schema = this.schemaBefore;
  }

  changes(): ObjectChange[] {
    const out: ObjectChange[] = [];
    for (const u of this.undo.values()) {
      const after = this.state.getByKey(u.type, u.key);
      if (u.before === undefined && after === undefined) continue;
      if (u.before === undefined) out.push({ type: u.type, pk: u.pk, kind: 'insert' });
      else if (after === undefined) out.push({ type: u.type, pk: u.pk, kind: 'delete' });
      else if (!valuesEqual(u.before, after)) out.push({ type: u.type, pk: u.pk, kind: 'modify' });
    }
    return out;
  }

  apply(raw: Instruction): void {
    const instr = checkInstruction(this.state.schema, raw);
    switch (instr.op) {
      case 'AddType':
        return this.addType(instr);
      case 'AddField':
        return this.addField(instr);
      case 'CreateObject': {
        const key = pkKey(instr.pk);
        if (this.state.getByKey(instr.type, key)) return; // creation is idempotent
        this.touch(instr.type, key, instr.pk);
        this.state.put(instr.type, key, newObjectRecord(this.state.schema.require(instr.type), instr.pk));
        return;
      }
      case 'EraseObject': {
        const key = pkKey(instr.pk);
        if (!this.state.getByKey(instr.type, key)) return; // two erases of one object erase it once
        this.touch(instr.type, key, instr.pk);
        this.state.remove(instr.type, key);
        return;
      }
      default: {
        const key = pkKey(instr.pk);
        const rec = this.state.getByKey(instr.type, key);
        if (!rec) {
          throw new OutpostError('missing_object', `${instr.op} on ${instr.type} ${key.slice(1)}, which does not exist`, {
            type: instr.type,
          });
        }
        this.touch(instr.type, key, instr.pk);
        applyPathInstruction(rec, instr);
      }
    }
  }

  private addType(instr: AddType): void {
    this.state.schema = evolveSchema(this.state.schema, instr);
  }

  private addField(instr: AddField): void {
    const before = this.state.schema;
    const proposed = evolveSchema(before, instr);
    if (proposed === before) return;
    this.state.schema = proposed;
    const newProp = proposed.require(instr.type).properties.get(instr.field)!;
    // Every record of that type, wherever it is nested, gets the new field's zero value.
    for (const typeName of this.state.types()) {
      const top = proposed.require(typeName);
      if (!containsType(proposed, top, instr.type, new Set())) continue;
      for (const rec of [...this.state.objects(typeName)]) {
        const pkValue = rec[top.primaryKey!] as PrimaryKey;
        this.touch(typeName, pkKey(pkValue), pkValue);
        fillField(proposed, top, rec, instr.type, instr.field, zeroValue(newProp));
      }
    }
  }
}

function containsType(schema: Schema, t: ObjectSchema, target: string, seen: Set<string>): boolean {
  if (t.name === target) return true;
  if (seen.has(t.name)) return false;
  seen.add(t.name);
  for (const p of t.properties.values()) {
    if (p.embedded && containsType(schema, schema.require(p.objectType!), target, seen)) return true;
  }
  return false;
}

function fillField(schema: Schema, t: ObjectSchema, rec: ObjectRecord, target: string, field: string, zero: Value): void {
  if (t.name === target && !(field in rec)) rec[field] = cloneValue(zero);
  for (const p of t.properties.values()) {
    if (!p.embedded) continue;
    const inner = schema.require(p.objectType!);
    const v = rec[p.name];
    const children = Array.isArray(v) ? v : isRecord(v) ? (p.collection === 'dictionary' ? Object.values(v) : [v]) : [];
    for (const c of children) if (isRecord(c)) fillField(schema, inner, c, target, field, zero);
  }
}

/** Follows `path` from a record to the container that holds its last element. */
function container(rec: ObjectRecord, instr: PathInstruction, upTo: number): ObjectRecord | Value[] {
  let cur: Value = rec;
  for (let i = 0; i < upTo; i++) {
    const step = instr.path[i]!;
    if (Array.isArray(cur)) {
      if (typeof step !== 'number' || step >= cur.length) throw outOfRange(instr.type, instr.path.slice(0, i + 1), step as number, cur.length);
      cur = cur[step]!;
    } else if (isRecord(cur)) {
      cur = cur[step as string] ?? null;
    } else {
      break;
    }
    if (cur === null || typeof cur !== 'object') {
      throw badChangeset(`${formatPath(instr.type, instr.path.slice(0, i + 1))} is null; the path cannot continue`);
    }
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw badChangeset(`${formatPath(instr.type, instr.path)}: no such location`);
  return cur;
}

function listAt(rec: ObjectRecord, instr: PathInstruction, length: number): Value[] {
  const c = container(rec, instr, length);
  if (!Array.isArray(c)) throw badChangeset(`${formatPath(instr.type, instr.path.slice(0, length))} is not a list`);
  return c;
}

/** Applies one checked path instruction to a record in place. */
function applyPathInstruction(rec: ObjectRecord, instr: PathInstruction): void {
  const last = instr.path[instr.path.length - 1]!;
  const n = instr.path.length;
  switch (instr.op) {
    case 'Set': {
      const parent = container(rec, instr, n - 1);
      if (Array.isArray(parent)) {
        const i = last as number;
        if (i >= parent.length) throw outOfRange(instr.type, instr.path, i, parent.length);
        parent[i] = cloneValue(instr.value);
      } else if (instr.erase) {
        delete parent[last as string];
      } else {
        parent[last as string] = cloneValue(instr.value);
      }
      return;
    }
    case 'AddInteger': {
      const parent = container(rec, instr, n - 1) as ObjectRecord;
      parent[last as string] = addToInt(parent[last as string] ?? null, instr.value);
      return;
    }
    case 'ListInsert': {
      const list = listAt(rec, instr, n - 1);
      const i = last as number;
      if (i > list.length) throw outOfRange(instr.type, instr.path, i, list.length);
      list.splice(i, 0, cloneValue(instr.value));
      return;
    }
    case 'ListErase': {
      const list = listAt(rec, instr, n - 1);
      const i = last as number;
      if (i >= list.length) throw outOfRange(instr.type, instr.path, i, list.length);
      list.splice(i, 1);
      return;
    }
    case 'ListMove': {
      const list = listAt(rec, instr, n - 1);
      const from = last as number;
      if (from >= list.length) throw outOfRange(instr.type, instr.path, from, list.length);
      if (instr.to >= list.length) throw outOfRange(instr.type, instr.path, instr.to, list.length);
      const [item] = list.splice(from, 1);
      list.splice(instr.to, 0, item!);
      return;
    }
    case 'Clear': {
      const parent = container(rec, instr, n - 1);
      const current = Array.isArray(parent) ? parent[last as number] : parent[last as string];
      if (Array.isArray(current)) current.length = 0;
      else if (Array.isArray(parent)) parent[last as number] = newRecord();
      else parent[last as string] = newRecord();
      return;
    }
    case 'SetInsert':
    case 'SetErase': {
      const set = listAt(rec, instr, n);
      // Sets are kept sorted so that equal sets are equal arrays on every replica.
      let lo = 0;
      let hi = set.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareValues(set[mid]!, instr.value) < 0) lo = mid + 1;
        else hi = mid;
      }
      const present = lo < set.length && compareValues(set[lo]!, instr.value) === 0;
      if (instr.op === 'SetInsert' && !present) set.splice(lo, 0, cloneValue(instr.value));
      if (instr.op === 'SetErase' && present) set.splice(lo, 1);
      return;
    }
  }
}
