import { describe, expect, it } from 'vitest';
import { OutpostError } from '../errors.ts';
import { Decimal128, ObjectId, UUID, parseSchema, validateObject } from './index.ts';

const schema = parseSchema([
  {
    name: 'WorkOrder',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      notes: 'string?',
      priority: { type: 'int', default: 3, indexed: true },
      cost: 'decimal?',
      tags: 'string<>',
      steps: 'Step[]',
      parts: 'int[]',
      attrs: 'double{}',
      customer: 'Customer',
      visits: 'counter',
      site: 'Site',
      photo: 'data?',
      due: 'date?',
      ref: 'uuid?',
    },
  },
  { name: 'Customer', primaryKey: 'id', properties: { id: 'uuid', name: 'string' } },
  { name: 'Step', embedded: true, properties: { label: 'string', done: 'bool' } },
  { name: 'Site', embedded: true, properties: { city: 'string' } },
]);

describe('schema', () => {
  it('normalizes the shorthand and the object form alike', () => {
    const wo = schema.require('WorkOrder');
    expect(wo.properties.get('notes')).toMatchObject({ collection: 'none', type: 'string', optional: true });
    expect(wo.properties.get('tags')).toMatchObject({ collection: 'set', type: 'string', optional: false });
    expect(wo.properties.get('steps')).toMatchObject({ collection: 'list', type: 'object', objectType: 'Step', embedded: true });
    expect(wo.properties.get('attrs')).toMatchObject({ collection: 'dictionary', type: 'double' });
    expect(wo.properties.get('customer')).toMatchObject({ type: 'object', objectType: 'Customer', optional: true, embedded: false });
    expect(wo.properties.get('priority')).toMatchObject({ type: 'int', indexed: true, default: 3 });
    expect(wo.properties.get('visits')).toMatchObject({ type: 'counter' });
    const again = parseSchema(schema.toJSON());
    expect(again.toJSON()).toEqual(schema.toJSON());
  });

  it('rejects malformed schemas with schema_invalid', () => {
    const bad: unknown[] = [
      [{ name: 'A', properties: { x: 'string' } }], // no primary key
      [{ name: 'A', primaryKey: 'id', properties: { id: 'double' } }], // bad pk type
      [{ name: 'A', primaryKey: 'id', properties: { id: 'string?' } }], // optional pk
      [{ name: 'A', primaryKey: 'id', properties: { id: 'string', b: 'Nope' } }], // unknown link
      [{ name: 'A', primaryKey: 'id', properties: { id: 'string', c: 'counter[]' } }],
      [{ name: 'A', primaryKey: 'id', properties: { id: 'string', __proto__x: 'string', ['__proto__']: 'int' } }],
      [{ name: 'E', embedded: true, primaryKey: 'id', properties: { id: 'string' } }],
      [{ name: 'A', primaryKey: 'id', properties: { id: 'string', n: { type: 'int', default: 'x' } } }],
      [
        { name: 'A', primaryKey: 'id', properties: { id: 'string' } },
        { name: 'A', primaryKey: 'id', properties: { id: 'string' } },
      ],
    ];
    for (const s of bad) {
      expect(() => parseSchema(s as never), JSON.stringify(s)).toThrow(expect.objectContaining({ code: 'schema_invalid' }));
    }
  });
});

describe('validateObject', () => {
  const id = new ObjectId();
  it('accepts a full object and fills defaults', () => {
    const rec = validateObject(schema, 'WorkOrder', {
      _id: id,
      title: 'Replace valve',
      steps: [{ label: 'shut water', done: false }],
      parts: [1, 2],
      attrs: { pressure: 2.5 },
      customer: new UUID(),
      tags: new Set(['urgent']),
      cost: Decimal128.fromString('12.50'),
      photo: new Uint8Array([1, 2]),
      due: new Date(0),
    });
    expect(rec.priority).toBe(3);
    expect(rec.notes).toBe(null);
    expect(rec.visits).toBe(0);
    expect(rec.tags).toEqual(['urgent']);
    expect(Object.getPrototypeOf(rec)).toBe(null);
  });

  it('names the path of a violation', () => {
    const cases: [unknown, string][] = [
      [{ _id: id, title: 5 }, 'WorkOrder.title'],
      [{ _id: id }, 'WorkOrder.title'],
      [{ _id: id, title: 't', steps: [{ label: 'a', done: 'yes' }] }, 'WorkOrder.steps[0].done'],
      [{ _id: id, title: 't', parts: [1, 2.5] }, 'WorkOrder.parts[1]'],
      [{ _id: id, title: 't', attrs: { 'a.b': 1 } }, 'WorkOrder.attrs["a.b"]'],
      [{ _id: id, title: 't', attrs: { ok: 'x' } }, 'WorkOrder.attrs.ok'],
      [{ _id: id, title: 't', customer: 'not-a-uuid' }, 'WorkOrder.customer'],
      [{ _id: id, title: 't', extra: 1 }, 'WorkOrder.extra'],
      [{ _id: 'nope', title: 't' }, 'WorkOrder._id'],
    ];
    for (const [input, path] of cases) {
      try {
        validateObject(schema, 'WorkOrder', input);
        expect.fail(`accepted ${JSON.stringify(input)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(OutpostError);
        expect((err as OutpostError).code).toBe('schema_violation');
        expect((err as OutpostError).message.startsWith(path + ':'), (err as Error).message).toBe(true);
      }
    }
  });

  it('rejects unknown and embedded types', () => {
    expect(() => validateObject(schema, 'Nope', {})).toThrow(expect.objectContaining({ code: 'unknown_type' }));
    expect(() => validateObject(schema, 'Step', { label: 'x', done: true })).toThrow(expect.objectContaining({ code: 'schema_violation' }));
  });
});
