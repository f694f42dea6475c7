import { describe, expect, it } from 'vitest';
import { fromRealmSchema } from './realm-schema.ts';
import { Decimal128, ObjectId, parseSchema } from './index.ts';

/*
 * Realm JS schemas as apps write them (the forms of Realm JS 12's ObjectSchema and PropertySchema)
 * → Outpost's schema input, which parseSchema then accepts.
 */

class Person {
  static schema = {
    name: 'Person',
    primaryKey: '_id',
    properties: {
      _id: { type: 'objectId', default: () => new ObjectId() },
      fullName: { type: 'string', mapTo: 'full_name', indexed: true },
      bio: { type: 'string', optional: true, indexed: 'full-text' },
      salary: 'decimal128?',
      balance: { type: 'decimal128', default: Decimal128.fromString('0') },
      nicknames: 'string<>',
      scores: { type: 'list', objectType: 'int', optional: true },
      attrs: '{}',
      anything: '[]',
      ratios: 'double{}',
      photo: 'data?',
      mood: 'mixed',
      ref: 'uuid?',
      visits: { type: 'int', presentation: 'counter' },
      address: 'Address',
      best: { type: 'Person' },
      friends: 'Person[]',
      tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' },
    },
  };
}

const Address = { name: 'Address', embedded: true, properties: { street: { type: 'string', mapTo: 'street_line' }, city: 'string' } };
const Task = {
  name: 'Task',
  primaryKey: 'id',
  properties: { id: { type: 'string', mapTo: '_id' }, assignee: { type: 'Person', mapTo: 'assignee_id' } },
};
const Reading = { name: 'Reading', asymmetric: true, primaryKey: '_id', properties: { _id: 'objectId', value: 'double' } };

describe('fromRealmSchema', () => {
  const t = fromRealmSchema([Person, Address, Task, Reading]);

  it('translates every property form into Outpost’s input, in stored names', () => {
    const person = t.schema[0]!;
    expect(person.name).toBe('Person');
    expect(person.properties).toEqual({
      _id: { type: 'objectId' },
      full_name: { type: 'string', indexed: true },
      bio: { type: 'string', optional: true, indexed: 'full-text' },
      salary: 'decimal?',
      balance: { type: 'decimal', default: Decimal128.fromString('0') },
      nicknames: 'string<>',
      scores: { type: 'list', objectType: 'int', optional: true },
      attrs: 'mixed{}',
      anything: 'mixed[]',
      ratios: 'double{}',
      photo: 'data?',
      mood: 'mixed',
      ref: 'uuid?',
      visits: { type: 'counter' },
      address: 'Address',
      best: { type: 'object', objectType: 'Person' },
      friends: 'Person[]',
      // Passed through in Realm's shape, the origin property by its stored name.
      tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee_id' },
    });
    expect(t.schema[2]).toEqual({ name: 'Task', primaryKey: '_id', properties: { _id: { type: 'string' }, assignee_id: { type: 'object', objectType: 'Person' } } });
  });

  it('returns the renames, the function defaults and the asymmetric types', () => {
    expect(t.names).toEqual({ Person: { fullName: 'full_name' }, Address: { street: 'street_line' }, Task: { id: '_id', assignee: 'assignee_id' } });
    expect(Object.keys(t.defaults)).toEqual(['Person']);
    expect(t.defaults.Person!._id!()).toBeInstanceOf(ObjectId);
    expect(t.asymmetric).toEqual(['Reading']);
  });

  it('gives a schema parseSchema accepts (without the linkingObjects property, which schema.ts owns)', () => {
    const input = t.schema.map((s) =>
      s.name === 'Person' ? { ...s, properties: Object.fromEntries(Object.entries(s.properties).filter(([k]) => k !== 'tasks')) } : s,
    );
    const schema = parseSchema(input);
    const p = schema.require('Person');
    expect(p.properties.get('salary')).toMatchObject({ type: 'decimal', optional: true });
    expect(p.properties.get('attrs')).toMatchObject({ type: 'mixed', collection: 'dictionary' });
    expect(p.properties.get('visits')).toMatchObject({ type: 'counter' });
    expect(p.properties.get('best')).toMatchObject({ type: 'object', objectType: 'Person', optional: true });
    expect(schema.require('Task').primaryKey).toBe('_id');
  });

  it('passes Outpost’s own form through unchanged', () => {
    const own = [{ name: 'Item', primaryKey: '_id', properties: { _id: 'objectId', n: { type: 'int', default: 3 }, tags: 'string<>' } }];
    expect(fromRealmSchema(own)).toEqual({ schema: own, names: {}, defaults: {}, asymmetric: [] });
  });

  it('refuses what cannot be translated, naming the type and property', () => {
    const err = (s: unknown[]) => {
      try {
        fromRealmSchema(s);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err([class NoSchema {}])).toMatchObject({ code: 'schema_invalid' });
    expect(err([{ name: 'A', primaryKey: 'a', properties: { a: 'string', b: { type: 'string', mapTo: 'a' } } }])).toMatchObject({
      code: 'schema_invalid',
      details: { type: 'A', property: 'b' },
    });
    expect(err([{ name: 'A', primaryKey: 'a', properties: { a: 'string', n: { type: 'string', presentation: 'counter' } } }])).toMatchObject({ code: 'schema_invalid' });
    expect(err([{ name: 'E', embedded: true, asymmetric: true, properties: { a: 'string' } }])).toMatchObject({ code: 'schema_invalid' });
  });
});
