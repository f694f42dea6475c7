import { OutpostError } from '../errors.ts';
import { parseSchemaStructure, Schema, type ObjectSchemaInput } from './schema.ts';
import { checkFieldValue } from './validate.ts';
import type { Value } from './values.ts';

/*
 * A schema from its input: the structure (schema.ts), then every default value checked and
 * normalized by the same rules as a written value (validate.ts, which builds on the schema's
 * types; checking here keeps schema.ts free of an import back from validate.ts).
 */

/** Normalizes and checks a whole schema. Throws `schema_invalid` naming the type and property. */
export function parseSchema(input: readonly ObjectSchemaInput[] | Schema): Schema {
  if (input instanceof Schema) return input;
  const schema = parseSchemaStructure(input);
  for (const t of schema.types.values()) {
    for (const prop of t.properties.values()) {
      if (prop.default === undefined) continue;
      try {
        (prop as { default?: Value }).default = checkFieldValue(schema, t.name, prop, prop.default, [prop.name]);
      } catch (err) {
        throw new OutpostError('schema_invalid', `invalid default for ${t.name}.${prop.name}: ${(err as Error).message}`, {
          type: t.name,
          property: prop.name,
        });
      }
    }
  }
  return schema;
}
