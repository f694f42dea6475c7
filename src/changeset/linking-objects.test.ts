import { describe, expect, it } from 'vitest';
import { parseSchema } from '../model/index.ts';
import { checkInstruction } from './check.ts';

describe('linkingObjects properties in changesets', () => {
  it('cannot be set: they are computed, so an instruction naming one is an unknown field', () => {
    const schema = parseSchema([
      { name: 'Person', primaryKey: '_id', properties: { _id: 'string', tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' } } },
      { name: 'Task', primaryKey: '_id', properties: { _id: 'string', assignee: 'Person?' } },
    ]);
    expect(() => checkInstruction(schema, { op: 'Set', type: 'Person', pk: 'a', path: ['tasks'], value: null } as never)).toThrow(
      expect.objectContaining({ code: 'unknown_field' }),
    );
  });
});
