import { applyInstructions, type Instruction, type ObjectState } from '../changeset/index.ts';
import { cloneValue, compareValues, formatPath, isRecord, newRecord, pkKey, validateObject, valuesEqual, zeroValue, type ObjectRecord, type ObjectSchema, type PrimaryKey, type PropertySchema, type Schema, type Value } from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import type { WireOp } from '../worker-api/api.ts';
import { fromStorable, instructionFromStorable, recordFromStorable } from '../worker-api/codec.ts';

/*
 * Turns the operations a page recorded into instructions, against the objects as they are inside
 * the worker's write transaction. Each operation is applied to `state` before the next one is
 * translated, so `create` then `push` into the new object works, and the first failure throws a
 * typed error (the caller aborts the whole transaction: nothing is half-written).
 */

function fieldInstructions(type: string, pk: PrimaryKey, prop: PropertySchema, value: Value, replace: boolean, isDefault: boolean): Instruction[] {
  const out: Instruction[] = [];
  const path = [prop.name];
  switch (prop.collection) {
    case 'none':
      out.push({ op: 'Set', type, pk, path, value, ...(isDefault ? { default: true as const } : {}) });
      return out;
    case 'list': {
      if (replace) out.push({ op: 'Clear', type, pk, path });
      const items = (value as Value[]) ?? [];
      items.forEach((v, i) => out.push({ op: 'ListInsert', type, pk, path: [prop.name, i], value: v }));
      return out;
    }
    case 'set': {
      if (replace) out.push({ op: 'Clear', type, pk, path });
      for (const v of (value as Value[]) ?? []) out.push({ op: 'SetInsert', type, pk, path, value: v });
      return out;
    }
    case 'dictionary': {
      if (replace) out.push({ op: 'Clear', type, pk, path });
      const rec = isRecord(value) ? value : {};
      for (const k of Object.keys(rec)) out.push({ op: 'Set', type, pk, path: [prop.name, k], value: (rec as ObjectRecord)[k]! });
      return out;
    }
  }
}

function describePk(pk: PrimaryKey): string {
  return pkKey(pk).slice(1);
}

function requirePk(schema: Schema, type: string, raw: unknown): PrimaryKey {
  const t = schema.require(type);
  if (t.primaryKey === undefined) throw new OutpostError('schema_violation', `${type} has no primary key`);
  return raw as PrimaryKey;
}

interface Created {
  value: { key: string; record: ObjectRecord } | undefined;
}

/** A checked, complete record as the instructions creating it leave it: sets sorted and without duplicates. */
function materialize(t: ObjectSchema, full: ObjectRecord): ObjectRecord {
  const rec = newRecord();
  for (const [name, prop] of t.properties) {
    let v = full[name] !== undefined ? cloneValue(full[name]!) : zeroValue(prop);
    if (prop.collection === 'set' && Array.isArray(v)) {
      const sorted = [...v].sort(compareValues);
      v = sorted.filter((x, i) => i === 0 || compareValues(sorted[i - 1]!, x) !== 0);
    }
    rec[name] = v;
  }
  return rec;
}

function translate(schema: Schema, state: ObjectState, op: WireOp, created: Created): Instruction[] {
  switch (op.op) {
    case 'create': {
      const t = schema.require(op.type);
      const values = recordFromStorable(op.values);
      const pk = values[t.primaryKey!] as PrimaryKey;
      const existing = state.get(op.type, pk);
      if (existing && op.mode === 'never') {
        throw new OutpostError('schema_violation', `${op.type} ${describePk(pk)} already exists (create with mode 'modified' or 'all' to update it)`, {
          type: op.type,
          reason: 'exists',
        });
      }
      const explicit = new Set(op.explicit);
      const out: Instruction[] = [];
      if (!existing) {
        // Only 'never' was checked whole on the page; a new object from an upsert is checked here.
        const full = op.mode === 'never' ? values : validateObject(schema, op.type, values, 'create');
        out.push({ op: 'CreateObject', type: op.type, pk });
        for (const [name, prop] of t.properties) {
          if (name === t.primaryKey) continue;
          if (explicit.has(name)) out.push(...fieldInstructions(op.type, pk, prop, full[name] ?? null, false, false));
          else if (prop.default !== undefined) out.push(...fieldInstructions(op.type, pk, prop, full[name] ?? null, false, true));
        }
        // The new object is the checked record itself (what CreateObject and these Sets produce),
        // built in one step: applying tens of thousands of instructions one by one is the slow part
        // of a large import.
        created.value = { key: pkKey(pk), record: materialize(t, full) };
        return out;
      }
      for (const name of explicit) {
        if (name === t.primaryKey) continue;
        const prop = t.properties.get(name)!;
        const v = values[name] ?? null;
        if (op.mode === 'all' || !valuesEqual(existing[name] ?? null, v)) out.push(...fieldInstructions(op.type, pk, prop, v, true, false));
      }
      return out;
    }
    case 'update': {
      const t = schema.require(op.type);
      const pk = requirePk(schema, op.type, fromStorable(op.pk));
      const existing = state.get(op.type, pk);
      if (!existing) {
        throw new OutpostError('missing_object', `update of ${op.type} ${describePk(pk)}, which does not exist`, { type: op.type });
      }
      const values = recordFromStorable(op.values);
      const out: Instruction[] = [];
      for (const name of Object.keys(values)) {
        const prop = t.properties.get(name)!;
        if (name === t.primaryKey) {
          if (!valuesEqual(values[name]!, pk)) throw new OutpostError('schema_violation', `${formatPath(op.type, [name])}: a primary key cannot change`, { type: op.type });
          continue;
        }
        out.push(...fieldInstructions(op.type, pk, prop, values[name] ?? null, true, false));
      }
      return out;
    }
    case 'delete':
      return [{ op: 'EraseObject', type: op.type, pk: requirePk(schema, op.type, fromStorable(op.pk)) }];
    case 'push': {
      const pk = requirePk(schema, op.type, fromStorable(op.pk));
      const rec = state.get(op.type, pk);
      if (!rec) throw new OutpostError('missing_object', `push into ${op.type} ${describePk(pk)}, which does not exist`, { type: op.type });
      let cur: Value = rec;
      for (const step of op.path) {
        cur = Array.isArray(cur) ? (cur[step as number] ?? null) : isRecord(cur) ? (cur[step as string] ?? null) : null;
      }
      if (!Array.isArray(cur)) throw new OutpostError('bad_changeset', `${formatPath(op.type, op.path)} is not a list`, { type: op.type });
      const length = cur.length;
      return op.values.map((v, i) => ({ op: 'ListInsert' as const, type: op.type, pk, path: [...op.path, length + i], value: fromStorable(v) }));
    }
    case 'instr':
      return [instructionFromStorable(op.instr)];
  }
}

/** The object keys an operation touches (to load them before translating). */
export function touchedKey(op: WireOp, schema: Schema): { type: string; pk: PrimaryKey } | undefined {
  switch (op.op) {
    case 'create': {
      const t = schema.require(op.type);
      return { type: op.type, pk: fromStorable(op.values[t.primaryKey!]) as PrimaryKey };
    }
    case 'update':
    case 'delete':
    case 'push':
      return { type: op.type, pk: fromStorable(op.pk) as PrimaryKey };
    case 'instr': {
      const i = op.instr as { op: string; type?: string; pk?: unknown };
      if (i.op === 'AddType' || i.op === 'AddField' || i.type === undefined) return undefined;
      return { type: i.type, pk: fromStorable(i.pk) as PrimaryKey };
    }
  }
}

/** Translates and applies every operation; returns all the instructions in order. */
export function applyOps(schema: Schema, state: ObjectState, ops: readonly WireOp[]): Instruction[] {
  const all: Instruction[] = [];
  const created: Created = { value: undefined };
  for (const op of ops) {
    created.value = undefined;
    const instrs = translate(schema, state, op, created);
    const made = created.value as Created['value'];
    if (made && op.op === 'create') {
      state.put(op.type, made.key, made.record);
    } else {
      if (instrs.some((i) => i.op === 'AddType' || i.op === 'AddField')) {
        throw new OutpostError('bad_changeset', 'schema instructions cannot be written from the client API');
      }
      applyInstructions(state, instrs);
    }
    for (const i of instrs) all.push(i);
  }
  return all;
}
