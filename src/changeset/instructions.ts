import type { ObjectSchemaInput, PropertyInput } from '../model/schema.ts';
import type { PrimaryKey, Value } from '../model/values.ts';

/**
 * A location inside one object: a field name, then list indices (numbers), dictionary keys
 * and embedded-object field names (strings). `['tasks', 2, 'done']` is the `done` field of
 * the embedded object at index 2 of the `tasks` list.
 */
export type Path = readonly (string | number)[];

interface ObjectTarget {
  /** The object type (Realm's "class" or "table"). */
  readonly type: string;
  readonly pk: PrimaryKey;
}

export interface CreateObject extends ObjectTarget {
  readonly op: 'CreateObject';
}

export interface EraseObject extends ObjectTarget {
  readonly op: 'EraseObject';
}

/**
 * Writes one location: a field, a list element, a dictionary key, or a whole embedded object
 * (the value is then a record). `erase` removes a dictionary key. `default` marks a value the
 * writer did not choose (a schema default); it loses to any explicit write.
 */
export interface SetInstr extends ObjectTarget {
  readonly op: 'Set';
  readonly path: Path;
  readonly value: Value;
  readonly erase?: true;
  readonly default?: true;
}

export interface AddInteger extends ObjectTarget {
  readonly op: 'AddInteger';
  readonly path: Path;
  readonly value: number;
}

/** Inserts `value` so that it ends at the index that is the last path element. */
export interface ListInsert extends ObjectTarget {
  readonly op: 'ListInsert';
  readonly path: Path;
  readonly value: Value;
}

/** Moves the element at the last path index so that it ends at index `to`. */
export interface ListMove extends ObjectTarget {
  readonly op: 'ListMove';
  readonly path: Path;
  readonly to: number;
}

export interface ListErase extends ObjectTarget {
  readonly op: 'ListErase';
  readonly path: Path;
}

/** Empties a list, a set or a dictionary. */
export interface Clear extends ObjectTarget {
  readonly op: 'Clear';
  readonly path: Path;
}

export interface SetInsert extends ObjectTarget {
  readonly op: 'SetInsert';
  readonly path: Path;
  readonly value: Value;
}

export interface SetErase extends ObjectTarget {
  readonly op: 'SetErase';
  readonly path: Path;
  readonly value: Value;
}

/** Development mode: adds an object type. */
export interface AddType {
  readonly op: 'AddType';
  readonly type: string;
  readonly schema: ObjectSchemaInput;
}

/** Development mode: adds a field to an existing type. */
export interface AddField {
  readonly op: 'AddField';
  readonly type: string;
  readonly field: string;
  readonly property: PropertyInput;
}

export type ObjectInstruction =
  | CreateObject
  | EraseObject
  | SetInstr
  | AddInteger
  | ListInsert
  | ListMove
  | ListErase
  | Clear
  | SetInsert
  | SetErase;

export type PathInstruction = Exclude<ObjectInstruction, CreateObject | EraseObject>;
export type SchemaInstruction = AddType | AddField;
export type Instruction = ObjectInstruction | SchemaInstruction;

export const INSTRUCTION_OPS = [
  'CreateObject',
  'EraseObject',
  'Set',
  'AddInteger',
  'ListInsert',
  'ListMove',
  'ListErase',
  'Clear',
  'SetInsert',
  'SetErase',
  'AddType',
  'AddField',
] as const;
export type InstructionOp = (typeof INSTRUCTION_OPS)[number];

/**
 * The unit of sync: the instructions of one write transaction, who made it and when.
 * `timestamp` is a hybrid logical clock value (see hlc.ts); `(timestamp, origin)` orders
 * concurrent changesets for the merge rules.
 */
export interface Changeset {
  readonly origin: number;
  readonly timestamp: number;
  readonly instructions: readonly Instruction[];
}

export function isSchemaInstruction(i: Instruction): i is SchemaInstruction {
  return i.op === 'AddType' || i.op === 'AddField';
}

export function hasPath(i: Instruction): i is PathInstruction {
  return i.op !== 'CreateObject' && i.op !== 'EraseObject' && i.op !== 'AddType' && i.op !== 'AddField';
}

/** List operations change the indices of the list at `listPath(i)`. */
export function isListStructural(i: Instruction): i is ListInsert | ListErase | ListMove {
  return i.op === 'ListInsert' || i.op === 'ListErase' || i.op === 'ListMove';
}
