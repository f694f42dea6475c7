import { describe, expect, it } from 'vitest';
import { parseSchema, type ObjectRecord } from '../model/index.ts';
import { compileQuery, createResolver } from './compile.ts';
import { QueryError } from './errors.ts';
import { astEquals, formatQuery } from './format.ts';
import { parseQuery } from './parser.ts';
import { validateSubscription } from './subscription.ts';

const schema = parseSchema([
  { name: 'Point', embedded: true, properties: { type: 'string', coordinates: 'double[]' } },
  {
    name: 'Person',
    primaryKey: '_id',
    properties: { _id: 'string', bio: { type: 'string', indexed: 'full-text' }, m: 'mixed', home: 'Point', tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' } },
  },
  { name: 'Task', primaryKey: '_id', properties: { _id: 'string', assignee: 'Person?', n: 'int' } },
]);
const queryable = { byType: { Person: ['_id', 'bio', 'm', 'home', 'tasks'], Task: ['_id', 'assignee', 'n'] } };

describe('the new forms print and parse back to the same tree', () => {
  it.each([
    "@links.Task.assignee.@count > 1 AND @links.@count == 0",
    "ANY @links.Task.assignee.n > 2",
    "bio TEXT 'apple -banana pie*'",
    "m.@type IN {'int', 'string'} AND m.@type != 'null'",
    'home geoWithin geoCircle([1.5, -2], 0.25) OR home GEOWITHIN geoBox([0, 0], [1, 1])',
    'home geoWithin geoPolygon({[0, 0], [1, 0], [1, 1], [0, 0]}, {[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.1]})',
    'home geoWithin $0',
  ])('%s', (text) => {
    const ast = parseQuery(text);
    expect(astEquals(parseQuery(formatQuery(ast)), ast)).toBe(true);
  });
});

describe('flexible-sync subset', () => {
  it('refuses backlinks, TEXT and @type, as Realm flexible sync did', () => {
    for (const [text, message] of [
      ['tasks.@count > 0', /backlinks are not allowed/],
      ['@links.Task.assignee.n > 0', /backlinks are not allowed/],
      ["bio TEXT 'x'", /full-text search \(TEXT\) is not allowed/],
      ["m.@type == 'int'", /@type is not allowed/],
    ] as const) {
      expect(() => validateSubscription(schema, 'Person', text, [], queryable)).toThrow(expect.objectContaining({ code: 'bad_query', message: expect.stringMatching(message) }));
    }
  });

  it('allows geoWithin on a queryable GeoPoint field (Realm JS 12.3 and later)', () => {
    expect(validateSubscription(schema, 'Person', 'home geoWithin geoCircle([0, 0], 0.1)', [], queryable).text).toBeDefined();
    expect(() => validateSubscription(schema, 'Person', 'home geoWithin geoCircle([0, 0], 0.1)', [], { byType: { Person: ['_id'] } })).toThrow(/not queryable/);
  });
});

describe('evaluation contexts', () => {
  it('a backlink query needs a resolver with linking(); createResolver provides one', () => {
    const people: ObjectRecord[] = [{ _id: 'a', bio: '', m: null, home: null } as ObjectRecord];
    const tasks: ObjectRecord[] = [{ _id: 't', assignee: 'a', n: 1 } as ObjectRecord, { _id: 'u', assignee: 'a', n: 2 } as ObjectRecord];
    const q = compileQuery(schema, 'Person', 'tasks.@count == 2 AND ALL tasks.n > 0');
    expect(q.needsBacklinks).toBe(true);
    expect([...q.readsTypes]).toEqual(['Task']);
    expect(() => q.filter(people, { get: () => undefined })).toThrow(QueryError);
    const resolver = createResolver(schema, [...tasks.map((record) => ({ type: 'Task', record })), ...people.map((record) => ({ type: 'Person', record }))]);
    expect(q.filter(people, resolver)).toHaveLength(1);
    // A new linking object is seen by the next query (the reverse index is rebuilt).
    resolver.add('Task', { _id: 'v', assignee: 'a', n: 3 } as ObjectRecord);
    expect(q.filter(people, resolver)).toHaveLength(0);
    expect(compileQuery(schema, 'Person', 'tasks.@count == 3').filter(people, resolver)).toHaveLength(1);
  });
});
