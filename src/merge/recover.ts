import { applyInstructions, type Changeset, type Instruction, type ObjectState, type Path } from '../changeset/index.ts';
import { cloneValue, isRecord, pkKey, valuesEqual, type ObjectRecord, type PrimaryKey, type Schema, type Value } from '../model/index.ts';

/*
 * Client-reset recovery (docs/protocol.md, client reset): the local changesets the server never integrated
 * are replayed onto a fresh copy of the server's state. Unlike the merge rules, there is no
 * concurrent changeset to transform against, only the state the server ended up with, so the
 * rules are simpler:
 *
 * - CreateObject creates the object if it is absent; EraseObject erases it if present.
 * - Any other instruction on an absent object is dropped: the server deleted it, and deletes win
 *   (an object the client created in the replayed changesets exists again by then).
 * - Field writes (Set, AddInteger, SetInsert, SetErase, dictionary keys and Clear of a set or a
 *   dictionary) apply: client field updates win, and increments add to the fresh value. A schema
 *   default written by a create does not overwrite an object that exists on the server.
 * - Anything that goes through a list or changes one is not replayed, because its indices refer
 *   to the list as the client saw it. The list is marked instead and, at the end, overwritten
 *   with the client's local (pre-reset) contents: a list the client changed keeps its contents.
 * - An instruction that cannot apply (a bad path, a missing embedded object) is dropped.
 *
 * Pure: no DOM, no Node APIs; `fresh` is not modified.
 */

export type LocalLookup = (type: string, pk: PrimaryKey) => ObjectRecord | undefined;

interface MarkedList {
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly path: Path;
}

/**
 * The path of the first list an instruction's path reaches (the list itself for an instruction
 * on the list field), or null when the path never touches a list. Walks the schema, so it works
 * for lists inside embedded objects and dictionaries too. A path the schema does not have gives
 * null (the instruction then fails to apply and is dropped).
 */
export function firstListPath(schema: Schema, type: string, path: Path): Path | null {
  let owner = schema.get(type);
  let i = 0;
  while (owner && i < path.length) {
    const field = path[i];
    if (typeof field !== 'string') return null;
    const prop = owner.properties.get(field);
    if (!prop) return null;
    if (prop.collection === 'list') return path.slice(0, i + 1);
    i += prop.collection === 'dictionary' ? 2 : 1;
    if (prop.collection === 'set' || !prop.embedded) return null;
    owner = schema.get(prop.objectType!);
  }
  return null;
}

function valueAt(rec: ObjectRecord, path: Path): Value | undefined {
  let cur: Value | undefined = rec;
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step];
    else if (isRecord(cur) && typeof step === 'string') cur = cur[step];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Applies one instruction to the working state, or nothing (the state is left as it was). */
function tryApply(state: ObjectState, instr: Instruction): boolean {
  try {
    applyInstructions(state, [instr]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The recovery changeset's instructions: `changesets` (the local ones the server never
 * integrated, in client-version order) replayed onto `fresh` by the rules above; `local` gives the
 * client's pre-reset objects, for lists the client changed. Returns the instructions that
 * applied, in order, followed by the list overwrites.
 */
export function recoverChanges(schema: Schema, fresh: ObjectState, changesets: readonly Changeset[], local: LocalLookup): Instruction[] {
  const working = fresh.clone();
  const out: Instruction[] = [];
  const marked = new Map<string, MarkedList>();
  const id = (type: string, pk: PrimaryKey) => type + '\u0000' + pkKey(pk);

  for (const cs of changesets) {
    for (const instr of cs.instructions) {
      if (instr.op === 'AddType' || instr.op === 'AddField') continue; // the local schema is fixed
      if (instr.op === 'CreateObject') {
        if (!working.has(instr.type, instr.pk) && tryApply(working, instr)) out.push(instr);
        continue;
      }
      if (instr.op === 'EraseObject') {
        if (working.has(instr.type, instr.pk) && tryApply(working, instr)) out.push(instr);
        continue;
      }
      if (!working.has(instr.type, instr.pk)) continue; // deleted on the server: the delete wins
      const list = firstListPath(schema, instr.type, instr.path);
      if (list) {
        const k = id(instr.type, instr.pk) + '\u0000' + JSON.stringify(list);
        if (!marked.has(k)) marked.set(k, { type: instr.type, pk: instr.pk, path: list });
        continue;
      }
      // A schema default (from a create) never overwrites what the server has for an object it has.
      if (instr.op === 'Set' && instr.default && fresh.has(instr.type, instr.pk)) continue;
      if (tryApply(working, instr)) out.push(instr);
    }
  }

  for (const m of marked.values()) {
    const rec = working.get(m.type, m.pk);
    const mine = local(m.type, m.pk);
    if (!rec || !mine) continue;
    const wanted = valueAt(mine, m.path);
    const current = valueAt(rec, m.path);
    if (!Array.isArray(wanted) || current === undefined) continue;
    if (Array.isArray(current) && valuesEqual(current, wanted)) continue;
    const overwrite: Instruction[] = [
      { op: 'Clear', type: m.type, pk: m.pk, path: m.path },
      ...wanted.map((v, i): Instruction => ({ op: 'ListInsert', type: m.type, pk: m.pk, path: [...m.path, i], value: cloneValue(v) })),
    ];
    try {
      applyInstructions(working, overwrite);
      out.push(...overwrite);
    } catch {
      // The list's parent is gone on the server (an embedded object set to null): nothing to keep.
    }
  }
  return out;
}
