import { OutpostError } from '../errors.ts';
import type { ObjectSchemaInput, PropertyInput } from './schema.ts';

/*
 * Realm JS schemas, as apps already write them, translated into Outpost's schema input. Realm JS
 * takes `Realm.ObjectSchema` objects and classes with a `static schema`; their property forms are
 * nearly Outpost's (the shorthand is the same), and the differences are handled here rather than
 * in schema.ts so that Outpost's own form stays one thing:
 *
 * - type names: `decimal128` is Outpost's `decimal`; a bare `[]`, `<>` or `{}` holds `mixed`;
 *   `{ type: 'int', presentation: 'counter' }` is a counter; `{ type: 'Person' }` is a link.
 * - `mapTo`: the property's name in storage and on the wire differs from its name in JavaScript.
 *   The translated schema is written in storage names (the server's schema, imported from App
 *   Services, has the stored field names); `names` maps them back for the client's surface.
 * - a function `default` (`() => new BSON.ObjectId()`) is called for each new object, so it
 *   cannot live in the schema: it is returned in `defaults` for the write path to apply.
 * - `asymmetric` types (Realm's write-only Data Ingest) are listed in `asymmetric`; the client
 *   refuses them, since the server has no write-only types yet.
 * - `linkingObjects` properties pass through in their Realm shape, with `property` in storage
 *   names; schema.ts decides what to make of them.
 */

/** A Realm JS property: a shorthand string or the object form with its Realm-only keys. */
export type RealmPropertyInput =
  | string
  | {
      type: string;
      objectType?: string;
      property?: string;
      optional?: boolean;
      indexed?: boolean | 'full-text';
      mapTo?: string;
      default?: unknown;
      presentation?: string;
    };

export interface RealmObjectSchema {
  name: string;
  primaryKey?: string;
  embedded?: boolean;
  asymmetric?: boolean;
  properties: Record<string, RealmPropertyInput>;
}

/** A class as Realm JS takes it: `class Task extends Realm.Object { static schema = {…} }`. */
export interface RealmObjectClass {
  readonly schema: RealmObjectSchema;
  readonly name?: string;
}

export type RealmSchemaEntry = RealmObjectSchema | ObjectSchemaInput | RealmObjectClass;

/** Per type, JavaScript property name → stored name, for the properties whose names differ. */
export type NameMapping = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface TranslatedSchema {
  /** Outpost's schema input, in stored names. */
  readonly schema: ObjectSchemaInput[];
  /** Only the types and properties with a `mapTo`; empty when nothing is renamed. */
  readonly names: NameMapping;
  /** Per type, stored property name → a function giving the default of each new object. */
  readonly defaults: Readonly<Record<string, Readonly<Record<string, () => unknown>>>>;
  /** Write-only types (Realm's asymmetric sync). */
  readonly asymmetric: readonly string[];
}

const TYPE_ALIASES: Record<string, string> = { decimal128: 'decimal' };
const COLLECTION_WORDS = new Set(['list', 'set', 'dictionary']);
const KNOWN_WORDS = new Set([
  'string', 'int', 'double', 'float', 'bool', 'date', 'objectId', 'uuid', 'decimal', 'decimal128', 'data', 'mixed', 'counter',
  'object', 'linkingObjects', 'list', 'set', 'dictionary',
]);

function invalid(message: string, details: Record<string, unknown>): OutpostError {
  return new OutpostError('schema_invalid', message, details);
}

/** `decimal128?[]` → `decimal?[]`, `[]` → `mixed[]`, `{}` → `mixed{}`. */
function shorthand(text: string): string {
  const t = text.trim();
  const suffix = /(\[\]|<>|\{\})$/.exec(t)?.[1] ?? '';
  let element = t.slice(0, t.length - suffix.length);
  if (element === '' && suffix !== '') element = 'mixed';
  const optional = element.endsWith('?') ? '?' : '';
  const base = optional ? element.slice(0, -1) : element;
  return (TYPE_ALIASES[base] ?? base) + optional + suffix;
}

function entrySchema(entry: unknown, index: number): RealmObjectSchema {
  if (typeof entry === 'function') {
    const s = (entry as { schema?: unknown }).schema;
    if (s === null || typeof s !== 'object') {
      throw invalid(`schema entry ${index} is a class without a static "schema"`, { index });
    }
    const named = s as RealmObjectSchema;
    // Realm names a class's type after its schema's name; the class name is the fallback.
    return named.name ? named : { ...named, name: (entry as { name: string }).name };
  }
  if (entry === null || typeof entry !== 'object') throw invalid(`schema entry ${index} must be an object schema or a class`, { index });
  return entry as RealmObjectSchema;
}

/** A property's stored name: its `mapTo`, or its own name. */
function storedName(prop: RealmPropertyInput | undefined, jsName: string): string {
  return prop !== undefined && typeof prop === 'object' && typeof prop.mapTo === 'string' ? prop.mapTo : jsName;
}

/**
 * Translates a schema written for Realm JS (or already in Outpost's form, which passes through)
 * into Outpost's schema input. Throws `schema_invalid` naming the type and property.
 */
export function fromRealmSchema(entries: readonly unknown[]): TranslatedSchema {
  if (!Array.isArray(entries)) throw invalid('a schema is a list of object schemas or classes', {});
  const types = entries.map(entrySchema);
  const byName = new Map(types.map((t) => [t.name, t]));
  const names: Record<string, Record<string, string>> = {};
  const defaults: Record<string, Record<string, () => unknown>> = {};
  const asymmetric: string[] = [];
  const schema: ObjectSchemaInput[] = types.map((t) => {
    if (t.properties === null || typeof t.properties !== 'object') throw invalid(`type "${t.name}" has no properties`, { type: t.name });
    const properties: Record<string, PropertyInput> = {};
    const stored = new Set<string>();
    for (const [jsName, prop] of Object.entries(t.properties)) {
      const where = { type: t.name, property: jsName };
      const name = storedName(prop, jsName);
      if (stored.has(name)) throw invalid(`${t.name}: two properties are stored as "${name}"`, where);
      stored.add(name);
      if (name !== jsName) (names[t.name] ??= {})[jsName] = name;
      properties[name] = translateProperty(prop, where, byName, (fn) => ((defaults[t.name] ??= {})[name] = fn));
    }
    if (t.asymmetric === true) {
      if (t.embedded === true) throw invalid(`type "${t.name}" cannot be both embedded and asymmetric`, { type: t.name });
      asymmetric.push(t.name);
    }
    const primaryKey = t.primaryKey !== undefined ? storedName(t.properties[t.primaryKey], t.primaryKey) : undefined;
    return {
      name: t.name,
      ...(primaryKey !== undefined ? { primaryKey } : {}),
      ...(t.embedded === true ? { embedded: true } : {}),
      properties,
    };
  });
  return { schema, names, defaults, asymmetric };
}

function translateProperty(
  prop: RealmPropertyInput,
  where: Record<string, unknown>,
  types: ReadonlyMap<string, RealmObjectSchema>,
  functionDefault: (fn: () => unknown) => void,
): PropertyInput {
  if (typeof prop === 'string') return shorthand(prop);
  if (prop === null || typeof prop !== 'object' || typeof prop.type !== 'string') {
    throw invalid('a property must be a type string or an object with a "type"', where);
  }
  let type = prop.type;
  let objectType = prop.objectType;
  if (type === 'linkingObjects') {
    // Realm's shape, with the origin property named as it is stored.
    const origin = typeof objectType === 'string' ? types.get(objectType) : undefined;
    const property = typeof prop.property === 'string' && origin ? storedName(origin.properties[prop.property], prop.property) : prop.property;
    return { type, ...(objectType !== undefined ? { objectType } : {}), ...(property !== undefined ? { property } : {}) } as PropertyInput;
  }
  if (prop.presentation === 'counter') {
    if (type !== 'int') throw invalid('presentation "counter" needs type "int"', where);
    type = 'counter';
  } else if (prop.presentation !== undefined) {
    throw invalid(`unknown presentation ${JSON.stringify(prop.presentation)}`, where);
  }
  if (COLLECTION_WORDS.has(type)) {
    if (typeof objectType === 'string') objectType = shorthand(objectType);
  } else if (type !== 'object') {
    const written = shorthand(type);
    const bare = written.replace(/(\?|\[\]|<>|\{\})+$/, '');
    // `{ type: 'Person' }` is Realm's way of writing a link too.
    if (!KNOWN_WORDS.has(bare) && types.has(bare) && written === bare) {
      type = 'object';
      objectType = bare;
    } else type = written;
  }
  const out: { type: string; objectType?: string; optional?: boolean; indexed?: boolean | 'full-text'; default?: unknown } = { type };
  if (objectType !== undefined) out.objectType = objectType;
  if (prop.optional !== undefined) out.optional = prop.optional;
  if (prop.indexed !== undefined) out.indexed = prop.indexed;
  if (typeof prop.default === 'function') functionDefault(prop.default as () => unknown);
  else if (prop.default !== undefined) out.default = prop.default;
  return out;
}
