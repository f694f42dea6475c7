import { OutpostError } from '../errors.ts';
import type { Value } from './values.ts';

/** Scalar element types. `float` is stored as a double; `counter` is an int whose increments add up. */
export const PRIMITIVE_TYPES = [
  'string',
  'int',
  'double',
  'float',
  'bool',
  'date',
  'objectId',
  'uuid',
  'decimal',
  'data',
  'mixed',
  'counter',
] as const;
export type PrimitiveType = (typeof PRIMITIVE_TYPES)[number];

export const PRIMARY_KEY_TYPES = ['objectId', 'uuid', 'string', 'int'] as const;
export type PrimaryKeyType = (typeof PRIMARY_KEY_TYPES)[number];

export type CollectionKind = 'none' | 'list' | 'set' | 'dictionary';

/** A property after normalization: one shape whatever form the schema was written in. */
export interface PropertySchema {
  readonly name: string;
  readonly collection: CollectionKind;
  /** The element type; `object` is a link or an embedded object of `objectType`. */
  readonly type: PrimitiveType | 'object';
  readonly objectType?: string;
  /** Whether the element (or the field itself, outside collections) may be null. */
  readonly optional: boolean;
  /** True when `objectType` names an embedded type. */
  readonly embedded: boolean;
  readonly indexed: boolean;
  /** Indexed for full-text search (`indexed: 'full-text'`): TEXT queries need it, as in Realm. */
  readonly fullText?: true;
  readonly default?: Value;
}

/**
 * A `linkingObjects` property (Realm's inverse relationship): the objects of `objectType` whose
 * link or list/set of links `property` points at this object. It is computed from those links
 * when read or queried: never stored, never written, never part of a changeset. It is kept apart
 * from `properties` so that everything that stores, validates or syncs fields never sees it.
 */
export interface LinkingObjectsSchema {
  readonly name: string;
  readonly objectType: string;
  readonly property: string;
}

export interface ObjectSchema {
  readonly name: string;
  readonly embedded: boolean;
  readonly primaryKey?: string;
  readonly properties: ReadonlyMap<string, PropertySchema>;
  /** Computed inverse relationships by name (empty for most types). */
  readonly linkingObjects: ReadonlyMap<string, LinkingObjectsSchema>;
}

/** A property as users write it: a shorthand string or the object form. */
export type PropertyInput =
  | string
  | {
      type: string;
      objectType?: string;
      optional?: boolean;
      indexed?: boolean | 'full-text';
      default?: unknown;
      /** For `type: 'linkingObjects'`: the link property of `objectType` that points here. */
      property?: string;
    };

export interface ObjectSchemaInput {
  name: string;
  primaryKey?: string;
  embedded?: boolean;
  properties: Record<string, PropertyInput>;
}

/** A whole schema: every object type by name. */
export class Schema {
  readonly types: ReadonlyMap<string, ObjectSchema>;

  constructor(types: Map<string, ObjectSchema>) {
    this.types = types;
  }

  get(typeName: string): ObjectSchema | undefined {
    return this.types.get(typeName);
  }

  /** The schema of a type, or an `unknown_type` error. */
  require(typeName: string): ObjectSchema {
    const t = this.types.get(typeName);
    if (!t) throw new OutpostError('unknown_type', `unknown object type "${typeName}"`, { type: typeName });
    return t;
  }

  /** The plain, JSON-friendly form of this schema (what `parseSchema` accepts back). */
  toJSON(): ObjectSchemaInput[] {
    return [...this.types.values()].map(objectSchemaToInput);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function schemaError(message: string, details: Record<string, unknown>): OutpostError {
  return new OutpostError('schema_invalid', message, details);
}

function checkName(kind: string, name: unknown, where: Record<string, unknown>): string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || RESERVED_NAMES.has(name)) {
    throw schemaError(`invalid ${kind} name ${JSON.stringify(name)}`, where);
  }
  return name;
}

interface RawProperty {
  collection: CollectionKind;
  typeName: string;
  optional: boolean;
  indexed: boolean;
  fullText?: true;
  default?: Value;
}

/**
 * Parses the shorthand: `string`, `string?`, `int[]`, `int?[]`, `Task[]`, `string<>`,
 * `double{}`, `Person`, `Person?`, `counter`.
 */
export function parseShorthand(text: string): Omit<RawProperty, 'indexed'> {
  let rest = text.trim();
  let collection: CollectionKind = 'none';
  if (rest.endsWith('[]')) collection = 'list';
  else if (rest.endsWith('<>')) collection = 'set';
  else if (rest.endsWith('{}')) collection = 'dictionary';
  if (collection !== 'none') rest = rest.slice(0, -2);
  let optional = false;
  if (rest.endsWith('?')) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  if (!NAME_RE.test(rest)) throw schemaError(`invalid property type "${text}"`, { type: text });
  return { collection, typeName: rest, optional };
}

const COLLECTION_WORDS: Record<string, CollectionKind> = {
  list: 'list',
  set: 'set',
  dictionary: 'dictionary',
};

function rawProperty(input: PropertyInput, where: Record<string, unknown>): RawProperty {
  if (typeof input === 'string') return { ...parseShorthand(input), indexed: false };
  if (input === null || typeof input !== 'object' || typeof input.type !== 'string') {
    throw schemaError('a property must be a type string or an object with a "type"', where);
  }
  const indexed = input.indexed === true || input.indexed === 'full-text';
  const fullText = input.indexed === 'full-text' ? ({ fullText: true } as const) : {};
  const coll = COLLECTION_WORDS[input.type];
  let raw: RawProperty;
  if (coll) {
    if (typeof input.objectType !== 'string') {
      throw schemaError(`a ${input.type} property needs an "objectType"`, where);
    }
    const inner = parseShorthand(input.objectType);
    if (inner.collection !== 'none') throw schemaError('nested collections are not supported', where);
    raw = { collection: coll, typeName: inner.typeName, optional: inner.optional || input.optional === true, indexed, ...fullText };
  } else if (input.type === 'object') {
    if (typeof input.objectType !== 'string') throw schemaError('an object property needs an "objectType"', where);
    raw = { collection: 'none', typeName: input.objectType, optional: true, indexed };
  } else {
    const parsed = parseShorthand(input.type);
    raw = { ...parsed, optional: parsed.optional || input.optional === true, indexed, ...fullText };
  }
  if ('default' in input && input.default !== undefined) raw.default = input.default as Value;
  return raw;
}

/**
 * Normalizes and checks a whole schema's structure: names, types, links to known types, primary
 * keys, embedded-type rules. Throws `schema_invalid` naming the type and property. Default values
 * are checked against it afterwards (parseSchema, parse-schema.ts), by the value rules above it.
 */
export function parseSchemaStructure(input: readonly ObjectSchemaInput[] | Schema): Schema {
  if (input instanceof Schema) return input;
  if (!Array.isArray(input)) throw schemaError('a schema is a list of object schemas', {});
  const names = new Map<string, ObjectSchemaInput>();
  for (const t of input) {
    if (t === null || typeof t !== 'object') throw schemaError('an object schema must be an object', {});
    const name = checkName('type', t.name, { type: t.name });
    if (names.has(name)) throw schemaError(`type "${name}" is defined twice`, { type: name });
    names.set(name, t);
  }
  const types = new Map<string, ObjectSchema>();
  for (const [name, t] of names) {
    const embedded = t.embedded === true;
    if (t.properties === null || typeof t.properties !== 'object') {
      throw schemaError(`type "${name}" has no properties`, { type: name });
    }
    const props = new Map<string, PropertySchema>();
    const linking = new Map<string, LinkingObjectsSchema>();
    for (const [propName, propInput] of Object.entries(t.properties)) {
      const where = { type: name, property: propName };
      checkName('property', propName, where);
      if (propInput !== null && typeof propInput === 'object' && propInput.type === 'linkingObjects') {
        linking.set(propName, linkingObjectsInput(propName, propInput, where));
        continue;
      }
      const raw = rawProperty(propInput, where);
      props.set(propName, resolveProperty(propName, raw, names, where));
    }
    if (embedded && linking.size > 0) {
      throw schemaError(`embedded type "${name}" cannot have linkingObjects properties (Realm allows them only on top-level types)`, { type: name });
    }
    const primaryKey = t.primaryKey;
    if (embedded) {
      if (primaryKey !== undefined) throw schemaError(`embedded type "${name}" cannot have a primary key`, { type: name });
    } else {
      if (typeof primaryKey !== 'string') {
        throw schemaError(`type "${name}" needs a primaryKey (synced objects are identified by it)`, { type: name });
      }
      const pk = props.get(primaryKey);
      if (!pk) throw schemaError(`primary key "${primaryKey}" is not a property of "${name}"`, { type: name });
      if (pk.collection !== 'none' || !(PRIMARY_KEY_TYPES as readonly string[]).includes(pk.type) || pk.optional) {
        throw schemaError(`primary key "${name}.${primaryKey}" must be a required objectId, uuid, string or int`, {
          type: name,
          property: primaryKey,
        });
      }
    }
    types.set(name, { name, embedded, ...(primaryKey !== undefined ? { primaryKey } : {}), properties: props, linkingObjects: linking });
  }
  checkLinkingObjects(types);
  return new Schema(types);
}

function linkingObjectsInput(name: string, input: Exclude<PropertyInput, string>, where: Record<string, unknown>): LinkingObjectsSchema {
  if (typeof input.objectType !== 'string' || typeof input.property !== 'string') {
    throw schemaError('a linkingObjects property needs an "objectType" and a "property" (the link that points back)', where);
  }
  if (input.optional === true || input.indexed || input.default !== undefined) {
    throw schemaError('a linkingObjects property is computed: it cannot be optional, indexed or have a default', where);
  }
  return { name, objectType: input.objectType, property: input.property };
}

/** Every linkingObjects property names a top-level type whose link property points back at its owner. */
function checkLinkingObjects(types: ReadonlyMap<string, ObjectSchema>): void {
  for (const t of types.values()) {
    for (const lo of t.linkingObjects.values()) {
      const where = { type: t.name, property: lo.name };
      if (t.properties.has(lo.name)) throw schemaError(`property "${lo.name}" of "${t.name}" is defined twice`, where);
      const source = types.get(lo.objectType);
      if (!source) throw schemaError(`linkingObjects "${t.name}.${lo.name}" names unknown type "${lo.objectType}"`, where);
      if (source.embedded) throw schemaError(`linkingObjects "${t.name}.${lo.name}" names embedded type "${lo.objectType}"; links from embedded objects are not followed back`, where);
      const link = source.properties.get(lo.property);
      if (!link) throw schemaError(`linkingObjects "${t.name}.${lo.name}": "${lo.objectType}" has no property "${lo.property}"`, where);
      if (link.type !== 'object' || link.embedded || link.objectType !== t.name) {
        throw schemaError(
          `linkingObjects "${t.name}.${lo.name}": "${lo.objectType}.${lo.property}" must be a link (or a list, set or dictionary of links) to "${t.name}"`,
          where,
        );
      }
    }
  }
}

function resolveProperty(
  name: string,
  raw: RawProperty,
  types: Map<string, ObjectSchemaInput>,
  where: Record<string, unknown>,
): PropertySchema {
  if (raw.fullText && (raw.typeName !== 'string' || raw.collection !== 'none')) {
    throw schemaError("only a string property can be indexed 'full-text'", where);
  }
  const base = { name, collection: raw.collection, indexed: raw.indexed, ...(raw.fullText ? { fullText: true as const } : {}) };
  const withDefault = raw.default !== undefined ? { default: raw.default } : {};
  if ((PRIMITIVE_TYPES as readonly string[]).includes(raw.typeName)) {
    const type = raw.typeName as PrimitiveType;
    if (type === 'counter' && raw.collection !== 'none') {
      throw schemaError('a counter cannot be a collection element', where);
    }
    // A mixed value may always be null.
    const optional = raw.optional || type === 'mixed';
    return { ...base, type, optional, embedded: false, ...withDefault };
  }
  const target = types.get(raw.typeName);
  if (!target) throw schemaError(`unknown type "${raw.typeName}"`, where);
  const embedded = target.embedded === true;
  if (raw.collection === 'set' && embedded) throw schemaError('a set cannot hold embedded objects', where);
  if (raw.collection === 'list' && raw.optional) throw schemaError('a list of objects cannot hold null', where);
  if (raw.default !== undefined) throw schemaError('an object property cannot have a default', where);
  // A single link or embedded object may always be null; dictionary values of objects too.
  const optional = raw.collection === 'none' || raw.collection === 'dictionary' ? true : raw.optional;
  return { ...base, type: 'object', objectType: raw.typeName, optional, embedded };
}

function propertyToInput(p: PropertySchema): PropertyInput {
  const element = p.type === 'object' ? p.objectType! : p.type;
  const out: { type: string; objectType?: string; optional?: boolean; indexed?: boolean; default?: unknown } =
    p.collection === 'none'
      ? p.type === 'object'
        ? { type: 'object', objectType: element }
        : { type: element, optional: p.optional }
      : { type: p.collection, objectType: element + (p.optional && p.type !== 'object' ? '?' : '') };
  if (p.indexed) out.indexed = true;
  if (p.fullText) (out as { indexed?: boolean | 'full-text' }).indexed = 'full-text';
  if (p.default !== undefined) out.default = p.default;
  return out;
}

function objectSchemaToInput(t: ObjectSchema): ObjectSchemaInput {
  const properties: Record<string, PropertyInput> = {};
  for (const [name, p] of t.properties) properties[name] = propertyToInput(p);
  for (const [name, lo] of t.linkingObjects) properties[name] = { type: 'linkingObjects', objectType: lo.objectType, property: lo.property };
  return {
    name: t.name,
    ...(t.primaryKey !== undefined ? { primaryKey: t.primaryKey } : {}),
    ...(t.embedded ? { embedded: true } : {}),
    properties,
  };
}

/** Two property definitions mean the same thing (used to check AddField against an existing field). */
export function samePropertySchema(a: PropertySchema, b: PropertySchema): boolean {
  return (
    a.name === b.name &&
    a.collection === b.collection &&
    a.type === b.type &&
    a.objectType === b.objectType &&
    a.optional === b.optional &&
    a.embedded === b.embedded
  );
}
