import { describe, expect, it } from 'vitest';
import { parseSchema, validateObject, type ObjectSchemaInput } from './index.ts';

const input = (tasks: Record<string, unknown>): ObjectSchemaInput[] => [
  { name: 'Person', primaryKey: '_id', properties: { _id: 'string', name: 'string', tasks: tasks as never } },
  { name: 'Task', primaryKey: '_id', properties: { _id: 'string', assignee: 'Person?', watchers: 'Person[]', tags: 'Tag{}', title: 'string' } },
  { name: 'Tag', primaryKey: '_id', properties: { _id: 'string', by: 'Person{}' } },
  { name: 'Step', embedded: true, properties: { owner: 'Person' } },
];

describe('linkingObjects properties', () => {
  it("accept Realm's shape, stay out of the stored properties and print back the same", () => {
    const schema = parseSchema(input({ type: 'linkingObjects', objectType: 'Task', property: 'assignee' }));
    const person = schema.require('Person');
    expect([...person.properties.keys()]).toEqual(['_id', 'name']);
    expect(person.linkingObjects.get('tasks')).toEqual({ name: 'tasks', objectType: 'Task', property: 'assignee' });
    expect(schema.toJSON()[0]!.properties.tasks).toEqual({ type: 'linkingObjects', objectType: 'Task', property: 'assignee' });
    expect(parseSchema(schema.toJSON()).require('Person').linkingObjects.size).toBe(1);
    // Lists, sets and dictionaries of links point back too.
    expect(() => parseSchema(input({ type: 'linkingObjects', objectType: 'Task', property: 'watchers' }))).not.toThrow();
    expect(() => parseSchema(input({ type: 'linkingObjects', objectType: 'Tag', property: 'by' }))).not.toThrow();
  });

  it('are checked: the type exists, is top-level, and its property links back to the owner', () => {
    for (const [bad, message] of [
      [{ type: 'linkingObjects', objectType: 'Nope', property: 'assignee' }, /unknown type "Nope"/],
      [{ type: 'linkingObjects', objectType: 'Task', property: 'nope' }, /has no property "nope"/],
      [{ type: 'linkingObjects', objectType: 'Task', property: 'title' }, /must be a link/],
      [{ type: 'linkingObjects', objectType: 'Task', property: 'tags' }, /must be a link/],
      [{ type: 'linkingObjects', objectType: 'Step', property: 'owner' }, /embedded type "Step"/],
      [{ type: 'linkingObjects', objectType: 'Task' }, /needs an "objectType" and a "property"/],
      [{ type: 'linkingObjects', objectType: 'Task', property: 'assignee', optional: true }, /computed/],
    ] as const) {
      expect(() => parseSchema(input(bad as Record<string, unknown>))).toThrow(expect.objectContaining({ code: 'schema_invalid', message: expect.stringMatching(message) }));
    }
  });

  it('are never written: a value for one is a typed error', () => {
    const schema = parseSchema(input({ type: 'linkingObjects', objectType: 'Task', property: 'assignee' }));
    expect(() => validateObject(schema, 'Person', { _id: 'a', name: 'A', tasks: [] })).toThrow(
      expect.objectContaining({ code: 'schema_violation', message: expect.stringMatching(/computed from Task.assignee/) }),
    );
    expect(validateObject(schema, 'Person', { _id: 'a', name: 'A' })).not.toHaveProperty('tasks');
  });
});
