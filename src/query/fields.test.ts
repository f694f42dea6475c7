import { describe, expect, it } from 'vitest';
import { parseSchema } from '../model/index.ts';
import { compileQuery } from './compile.ts';
import { referencedFields } from './fields.ts';

const schema = parseSchema([
  {
    name: 'Note',
    primaryKey: '_id',
    properties: { _id: 'string', title: 'string', secret: 'string?', owner: 'User?', tags: 'string[]', steps: 'Step[]' },
  },
  { name: 'Step', embedded: true, properties: { label: 'string', done: 'bool' } },
  { name: 'User', primaryKey: '_id', properties: { _id: 'string', name: 'string', phone: 'string' } },
]);

const fields = (text: string) =>
  referencedFields(compileQuery(schema, 'Note', text))
    .map((r) => `${r.type}.${r.field}`)
    .sort();

describe('referencedFields', () => {
  it('names every field a query reads, with its owning type', () => {
    expect(fields('TRUEPREDICATE')).toEqual([]);
    expect(fields("title == 'a' AND NOT (secret BEGINSWITH 'x')")).toEqual(['Note.secret', 'Note.title']);
    expect(fields("owner.phone == '1'")).toEqual(['Note.owner', 'User.phone']);
    expect(fields("ANY tags == 'x'")).toEqual(['Note.tags']);
    expect(fields('SUBQUERY(steps, $s, $s.done == true).@count > 0')).toEqual(['Note.steps', 'Step.done']);
  });

  it('counts SORT and DISTINCT keys: an order reveals as much as a filter', () => {
    expect(fields('TRUEPREDICATE SORT(secret ASC)')).toEqual(['Note.secret']);
    expect(fields('TRUEPREDICATE DISTINCT(owner.name)')).toEqual(['Note.owner', 'User.name']);
  });
});

describe('referencedFields: backlinks and arithmetic', () => {
  const withBacklinks = parseSchema([
    { name: 'User', primaryKey: '_id', properties: { _id: 'string', name: 'string', notes: { type: 'linkingObjects', objectType: 'Note', property: 'owner' } } },
    { name: 'Note', primaryKey: '_id', properties: { _id: 'string', owner: 'User?', secret: 'int' } },
  ]);
  const f = (text: string) =>
    referencedFields(compileQuery(withBacklinks, 'User', text))
      .map((r) => `${r.type}.${r.field}`)
      .sort();

  it('a backlink reads the linking link field, and arithmetic its operands', () => {
    expect(f('notes.@count > 0')).toEqual(['Note.owner']);
    expect(f('@links.Note.owner.secret > 1')).toEqual(['Note.owner', 'Note.secret']);
    expect(f('@links.@count > 0')).toEqual(['Note.owner']);
    expect(f('notes.@sum.secret * 2 > 1')).toEqual(['Note.owner', 'Note.secret']);
  });
});
