import { OutpostError } from '../errors.ts';
import { parseSchema } from '../model/parse-schema.ts';
import { samePropertySchema, type ObjectSchema, type PropertySchema, type Schema } from '../model/schema.ts';
import { checkElement, checkPrimaryKey, dictionaryKeyProblem, formatPath } from '../model/validate.ts';
import type { Changeset, Instruction, Path, SchemaInstruction } from './instructions.ts';

/** Paths deeper than this are refused: no schema needs them and they cost stack and time. */
export const MAX_PATH_LENGTH = 64;

export function badChangeset(message: string, details?: Record<string, unknown>): OutpostError {
  return new OutpostError('bad_changeset', message, details);
}

/** What a path points at, found by walking the schema. */
export type PathTarget =
  /** A field that is not a collection: a scalar, a link or an embedded object. */
  | { readonly kind: 'field'; readonly prop: PropertySchema; readonly owner: ObjectSchema }
  /** A list, set or dictionary field as a whole. */
  | { readonly kind: 'collection'; readonly prop: PropertySchema; readonly owner: ObjectSchema }
  /** One element of a list (by index) or one entry of a dictionary (by key). */
  | { readonly kind: 'element'; readonly prop: PropertySchema; readonly owner: ObjectSchema };

export function isListIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Walks `path` through `typeName`'s schema; throws `unknown_field` or `bad_changeset`. */
export function resolvePath(schema: Schema, typeName: string, path: Path): PathTarget {
  if (!Array.isArray(path) || path.length === 0) throw badChangeset(`${typeName}: an instruction path cannot be empty`);
  if (path.length > MAX_PATH_LENGTH) throw badChangeset(`${typeName}: path longer than ${MAX_PATH_LENGTH}`);
  let owner = schema.require(typeName);
  let i = 0;
  for (;;) {
    const field = path[i];
    if (typeof field !== 'string') {
      throw badChangeset(`${formatPath(typeName, path.slice(0, i))}: expected a field name, got ${JSON.stringify(field)}`);
    }
    const prop = owner.properties.get(field);
    if (!prop) {
      throw new OutpostError('unknown_field', `${formatPath(typeName, path.slice(0, i + 1))}: ${owner.name} has no field "${field}"`, {
        type: owner.name,
        field,
      });
    }
    i++;
    if (i === path.length) return prop.collection === 'none' ? { kind: 'field', prop, owner } : { kind: 'collection', prop, owner };
    const here = formatPath(typeName, path.slice(0, i));
    if (prop.collection === 'list') {
      const index = path[i];
      if (!isListIndex(index)) throw badChangeset(`${here}: list index must be a non-negative integer, got ${JSON.stringify(index)}`);
      i++;
    } else if (prop.collection === 'dictionary') {
      const key = path[i];
      if (typeof key !== 'string') throw badChangeset(`${here}: dictionary key must be a string`);
      const problem = dictionaryKeyProblem(key);
      if (problem) throw badChangeset(`${here}: ${problem}`);
      i++;
    } else if (prop.collection === 'set') {
      throw badChangeset(`${here}: a path cannot go into a set`);
    }
    if (prop.collection !== 'none' && i === path.length) return { kind: 'element', prop, owner };
    if (!prop.embedded) throw badChangeset(`${here}: a path can only continue into an embedded object`);
    owner = schema.require(prop.objectType!);
  }
}

function requireTopLevel(schema: Schema, typeName: unknown): ObjectSchema {
  if (typeof typeName !== 'string') throw badChangeset('an instruction needs an object type');
  const t = schema.require(typeName);
  if (t.embedded) throw badChangeset(`${typeName} is embedded; instructions address it through its parent`);
  return t;
}

function checkValueAt(schema: Schema, typeName: string, path: Path, target: PathTarget, value: unknown) {
  return checkElement(schema, typeName, target.prop, value, path);
}

/**
 * Checks one instruction against the schema and returns it with its values in stored form.
 * Throws a typed error (`unknown_type`, `unknown_field`, `schema_violation`, `bad_changeset`).
 * It looks at the schema only, never at object state: the same instruction is valid on every
 * replica.
 */
export function checkInstruction(schema: Schema, instr: Instruction): Instruction {
  switch (instr.op) {
    case 'CreateObject':
    case 'EraseObject': {
      requireTopLevel(schema, instr.type);
      return { op: instr.op, type: instr.type, pk: checkPrimaryKey(schema, instr.type, instr.pk) };
    }
    case 'Set': {
      const t = requireTopLevel(schema, instr.type);
      const pk = checkPrimaryKey(schema, instr.type, instr.pk);
      const target = resolvePath(schema, instr.type, instr.path);
      if (target.kind === 'collection') {
        throw badChangeset(`${formatPath(instr.type, instr.path)}: a collection is replaced with Clear and inserts, not Set`);
      }
      if (instr.path.length === 1 && instr.path[0] === t.primaryKey) {
        throw badChangeset(`${formatPath(instr.type, instr.path)}: a primary key cannot change`);
      }
      if (instr.erase) {
        if (target.kind !== 'element' || target.prop.collection !== 'dictionary') {
          throw badChangeset(`${formatPath(instr.type, instr.path)}: only a dictionary key can be erased`);
        }
        return { op: 'Set', type: instr.type, pk, path: [...instr.path], value: null, erase: true };
      }
      const value = checkValueAt(schema, instr.type, instr.path, target, instr.value);
      return {
        op: 'Set',
        type: instr.type,
        pk,
        path: [...instr.path],
        value,
        ...(instr.default ? { default: true as const } : {}),
      };
    }
    case 'AddInteger': {
      requireTopLevel(schema, instr.type);
      const pk = checkPrimaryKey(schema, instr.type, instr.pk);
      const target = resolvePath(schema, instr.type, instr.path);
      if (target.kind !== 'field' || (target.prop.type !== 'int' && target.prop.type !== 'counter')) {
        throw badChangeset(`${formatPath(instr.type, instr.path)}: AddInteger needs an int or counter field`);
      }
      if (typeof instr.value !== 'number' || !Number.isSafeInteger(instr.value)) {
        throw new OutpostError('schema_violation', `${formatPath(instr.type, instr.path)}: an increment must be an integer`);
      }
      return { op: 'AddInteger', type: instr.type, pk, path: [...instr.path], value: instr.value };
    }
    case 'ListInsert':
    case 'ListErase':
    case 'ListMove': {
      requireTopLevel(schema, instr.type);
      const pk = checkPrimaryKey(schema, instr.type, instr.pk);
      const target = resolvePath(schema, instr.type, instr.path);
      if (target.kind !== 'element' || target.prop.collection !== 'list') {
        throw badChangeset(`${formatPath(instr.type, instr.path)}: ${instr.op} needs a path ending in a list index`);
      }
      const path = [...instr.path];
      if (instr.op === 'ListErase') return { op: 'ListErase', type: instr.type, pk, path };
      if (instr.op === 'ListMove') {
        if (!isListIndex(instr.to)) throw badChangeset(`${formatPath(instr.type, instr.path)}: ListMove target must be a list index`);
        return { op: 'ListMove', type: instr.type, pk, path, to: instr.to };
      }
      return { op: 'ListInsert', type: instr.type, pk, path, value: checkValueAt(schema, instr.type, path, target, instr.value) };
    }
    case 'Clear': {
      requireTopLevel(schema, instr.type);
      const pk = checkPrimaryKey(schema, instr.type, instr.pk);
      const target = resolvePath(schema, instr.type, instr.path);
      if (target.kind !== 'collection') throw badChangeset(`${formatPath(instr.type, instr.path)}: Clear needs a list, set or dictionary`);
      return { op: 'Clear', type: instr.type, pk, path: [...instr.path] };
    }
    case 'SetInsert':
    case 'SetErase': {
      requireTopLevel(schema, instr.type);
      const pk = checkPrimaryKey(schema, instr.type, instr.pk);
      const target = resolvePath(schema, instr.type, instr.path);
      if (target.kind !== 'collection' || target.prop.collection !== 'set') {
        throw badChangeset(`${formatPath(instr.type, instr.path)}: ${instr.op} needs a set`);
      }
      const value = checkValueAt(schema, instr.type, instr.path, target, instr.value);
      return { op: instr.op, type: instr.type, pk, path: [...instr.path], value };
    }
    case 'AddType': {
      if (!instr.schema || typeof instr.schema !== 'object' || instr.schema.name !== instr.type) {
        throw badChangeset(`AddType ${String(instr.type)}: the schema must name the type`);
      }
      // Parse the new type together with the current ones so its links are checked.
      const others = schema.toJSON().filter((t) => t.name !== instr.type);
      try {
        parseSchema([...others, instr.schema]);
      } catch (err) {
        throw badChangeset(`AddType ${instr.type}: ${(err as Error).message}`);
      }
      return { op: 'AddType', type: instr.type, schema: instr.schema };
    }
    case 'AddField': {
      const t = schema.require(instr.type);
      if (typeof instr.field !== 'string') throw badChangeset('AddField needs a field name');
      const input = schema.toJSON().map((o) =>
        o.name === t.name ? { ...o, properties: { ...o.properties, [instr.field]: instr.property } } : o,
      );
      try {
        parseSchema(input);
      } catch (err) {
        throw badChangeset(`AddField ${instr.type}.${instr.field}: ${(err as Error).message}`);
      }
      return { op: 'AddField', type: instr.type, field: instr.field, property: instr.property };
    }
    default:
      throw badChangeset(`unknown instruction ${JSON.stringify((instr as { op?: unknown }).op)}`);
  }
}

function sameObjectSchema(a: ObjectSchema, b: ObjectSchema): boolean {
  if (a.embedded !== b.embedded || a.primaryKey !== b.primaryKey || a.properties.size !== b.properties.size) return false;
  for (const [name, p] of a.properties) {
    const q = b.properties.get(name);
    if (!q || !samePropertySchema(p, q)) return false;
  }
  return true;
}

/**
 * The schema after a schema instruction. Adding what already exists is a no-op when the two
 * definitions agree exactly and a `bad_changeset` error when they do not. Returns the same
 * schema object when nothing changed.
 */
export function evolveSchema(schema: Schema, instr: SchemaInstruction): Schema {
  if (instr.op === 'AddType') {
    const proposed = parseSchema([...schema.toJSON().filter((t) => t.name !== instr.type), instr.schema]);
    const existing = schema.get(instr.type);
    if (!existing) return proposed;
    if (!sameObjectSchema(existing, proposed.require(instr.type))) {
      throw badChangeset(`AddType ${instr.type} disagrees with the existing definition`);
    }
    return schema;
  }
  const t = schema.require(instr.type);
  const proposed = parseSchema(
    schema.toJSON().map((o) => (o.name === t.name ? { ...o, properties: { ...o.properties, [instr.field]: instr.property } } : o)),
  );
  const existing = t.properties.get(instr.field);
  if (!existing) return proposed;
  if (!samePropertySchema(existing, proposed.require(instr.type).properties.get(instr.field)!)) {
    throw badChangeset(`AddField ${instr.type}.${instr.field} disagrees with the existing field`);
  }
  return schema;
}

/**
 * Checks every instruction of a changeset against the schema as it evolves through the
 * changeset's own schema instructions, and returns the changeset in stored form.
 */
export function checkChangeset(schema: Schema, changeset: Changeset): Changeset {
  if (changeset === null || typeof changeset !== 'object' || !Array.isArray(changeset.instructions)) {
    throw badChangeset('a changeset needs an instructions array');
  }
  if (!Number.isSafeInteger(changeset.origin) || changeset.origin <= 0) throw badChangeset('changeset origin must be a positive integer');
  if (!Number.isSafeInteger(changeset.timestamp) || changeset.timestamp < 0) throw badChangeset('changeset timestamp must be a non-negative integer');
  let current = schema;
  const instructions = changeset.instructions.map((raw) => {
    const instr = checkInstruction(current, raw);
    if (instr.op === 'AddType' || instr.op === 'AddField') current = evolveSchema(current, instr);
    return instr;
  });
  return { origin: changeset.origin, timestamp: changeset.timestamp, instructions };
}
