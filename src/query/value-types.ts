import type { PropertySchema, Schema } from '../model/index.ts';
import type { ValueBase, ValueType } from './bound.ts';

/** The value types of the bound form: what each schema property holds and how messages name it. */

export const T = (base: ValueBase, objectType?: string): ValueType => (objectType !== undefined ? { base, objectType } : { base });

/** The value type of a schema property's element. */
export function propertyValueType(prop: PropertySchema, schema: Schema): ValueType {
  if (prop.type === 'object') {
    const target = schema.require(prop.objectType!);
    return T(target.embedded ? 'embedded' : 'link', target.name);
  }
  switch (prop.type) {
    case 'int':
    case 'counter':
      return T('int');
    case 'double':
    case 'float':
      return T('double');
    default:
      return T(prop.type);
  }
}

export function describeType(t: ValueType): string {
  switch (t.base) {
    case 'link':
      return `link to ${t.objectType}`;
    case 'embedded':
      return `embedded ${t.objectType}`;
    case 'record':
      return 'object';
    default:
      return t.base;
  }
}

