import type { ObjectSchemaInput, PropertyInput } from '../../model/index.ts';
import type { Notes } from './notes.ts';

/*
 * App Services collection schemas (JSON Schema with `bsonType`, as in schema.json) to Outpost
 * object schemas: scalar types, `required` (anything else is optional), embedded objects (a type
 * of their own, named after the title if there is one, else `<Parent>_<field>` as Realm names
 * them), arrays (lists; `uniqueItems` makes a set), `additionalProperties` (dictionaries), and
 * relationships (links to the type of the collection they point at).
 */

const SCALARS: Readonly<Record<string, string>> = {
  string: 'string',
  int: 'int',
  long: 'int',
  double: 'double',
  decimal: 'decimal',
  bool: 'bool',
  date: 'date',
  objectId: 'objectId',
  uuid: 'uuid',
  binData: 'data',
  mixed: 'mixed',
};

/** JSON Schema keywords that constrain values: Outpost schemas have no validators, so they are reported. */
const CONSTRAINTS = ['enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'multipleOf', 'format'];

export interface Relationship {
  /** The type the field links to. */
  readonly target: string;
  readonly isList: boolean;
}

export interface SchemaContext {
  readonly notes: Notes;
  /** The file being read, for the report. */
  readonly file: string;
  /** Relationships by field name (relationships.json). */
  readonly relationships: ReadonlyMap<string, Relationship>;
  /** Every type produced, embedded ones included (appended to). */
  readonly out: ObjectSchemaInput[];
}

type Json = Record<string, unknown>;

function bsonTypes(node: Json): { types: string[]; nullable: boolean } {
  const raw = node.bsonType ?? node.type;
  const list = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
  const nullable = list.includes('null');
  return { types: list.filter((t) => t !== 'null').map((t) => (t === 'boolean' ? 'bool' : t === 'number' ? 'double' : t === 'integer' ? 'int' : t)), nullable };
}

/** The element type of a scalar or embedded node, or undefined (reported) when it has none in Outpost. */
function elementType(node: Json, name: string, owner: string, path: string, ctx: SchemaContext): { type: string; embedded: boolean } | undefined {
  const { types } = bsonTypes(node);
  if (types.length === 0) return { type: 'mixed', embedded: false };
  if (types.length > 1) {
    ctx.notes.changed(ctx.file, `${path}: several bsonTypes (${types.join(', ')}) became "mixed"`);
    return { type: 'mixed', embedded: false };
  }
  const t = types[0]!;
  if (SCALARS[t]) return { type: SCALARS[t]!, embedded: false };
  if (t === 'object') {
    const props = node.properties;
    if (props && typeof props === 'object' && Object.keys(props).length > 0) {
      const typeName = typeof node.title === 'string' && node.title !== '' ? node.title : `${owner}_${name}`;
      objectType(node, typeName, true, { ...ctx, relationships: new Map() });
      return { type: typeName, embedded: true };
    }
    ctx.notes.changed(ctx.file, `${path}: an object without properties became "mixed"`);
    return { type: 'mixed', embedded: false };
  }
  ctx.notes.dropped(ctx.file, `${path}: bsonType "${t}" has no Outpost type`);
  return undefined;
}

function noteConstraints(node: Json, path: string, ctx: SchemaContext): void {
  const found = CONSTRAINTS.filter((k) => k in node);
  if (found.length > 0) ctx.notes.dropped(ctx.file, `${path}: ${found.join(', ')} (Outpost schemas check types, not value constraints)`);
}

function property(node: Json, name: string, owner: string, required: boolean, ctx: SchemaContext): PropertyInput | undefined {
  const path = `${owner}.${name}`;
  noteConstraints(node, path, ctx);
  const rel = ctx.relationships.get(name);
  const { types, nullable } = bsonTypes(node);
  if (rel) return rel.isList ? `${rel.target}[]` : `${rel.target}?`;
  if (types.length === 1 && types[0] === 'array') {
    const items = (node.items ?? {}) as Json;
    if (Array.isArray(items)) {
      ctx.notes.dropped(ctx.file, `${path}: tuple arrays (items as a list) have no Outpost type`);
      return undefined;
    }
    noteConstraints(items, `${path}[]`, ctx);
    const el = elementType(items, name, owner, `${path}[]`, ctx);
    if (!el) return undefined;
    const q = bsonTypes(items).nullable && !el.embedded && el.type !== 'mixed' ? '?' : '';
    return `${el.type}${q}${node.uniqueItems === true && !el.embedded ? '<>' : '[]'}`;
  }
  if (types.length === 1 && types[0] === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object' && !node.properties) {
    const val = node.additionalProperties as Json;
    const el = elementType(val, name, owner, `${path}{}`, ctx);
    if (!el) return undefined;
    const q = (bsonTypes(val).nullable || el.embedded) && el.type !== 'mixed' ? '?' : '';
    return `${el.type}${q}{}`;
  }
  const el = elementType(node, name, owner, path, ctx);
  if (!el) return undefined;
  // As in Realm: an embedded object is always optional, and mixed holds null without a "?".
  if (el.embedded) return `${el.type}?`;
  if (el.type === 'mixed') return 'mixed';
  return `${el.type}${nullable || !required ? '?' : ''}`;
}

/** Converts one object node (a collection's schema, or an embedded object) and appends it to `ctx.out`. */
export function objectType(node: Json, typeName: string, embedded: boolean, ctx: SchemaContext): ObjectSchemaInput | undefined {
  const props = (node.properties ?? {}) as Record<string, Json>;
  const required = new Set(Array.isArray(node.required) ? node.required.map(String) : []);
  const properties: Record<string, PropertyInput> = {};
  for (const [name, p] of Object.entries(props)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
      ctx.notes.dropped(ctx.file, `${typeName}.${name}: not a valid Outpost property name`);
      continue;
    }
    const out = property(p ?? {}, name, typeName, required.has(name), ctx);
    if (out !== undefined) properties[name] = out;
  }
  for (const name of ctx.relationships.keys()) {
    if (!(name in props)) ctx.notes.dropped(ctx.file, `${typeName}.${name}: a relationship on a field the schema does not have`);
  }
  if (!embedded && !('_id' in properties)) {
    ctx.notes.dropped(ctx.file, `${typeName}: no "_id" property, so no primary key (synced types need one); the type is left out`);
    return undefined;
  }
  if (!embedded && typeof properties._id === 'string') properties._id = properties._id.replace(/\?$/, '');
  const t: ObjectSchemaInput = embedded ? { name: typeName, embedded: true, properties } : { name: typeName, primaryKey: '_id', properties };
  if (ctx.out.some((o) => o.name === typeName)) ctx.notes.dropped(ctx.file, `${typeName}: defined twice; the first definition is kept`);
  else ctx.out.push(t);
  return t;
}
