import { describe, expect, it } from 'vitest';
import { ObjectId, parseSchema, validateObject } from '../model/index.ts';
import { compileQuery } from './compile.ts';
import { QueryError } from './errors.ts';
import { compilePermissionFilter } from './permissions.ts';
import { checkSubscriptionSubset, validateSubscription, type QueryableFields } from './subscription.ts';

const schema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      done: 'bool',
      priority: 'int',
      owner_id: 'string',
      team: 'string?',
      secret: 'string?',
      tags: 'string[]',
      labels: 'string{}',
      address: 'Address',
      steps: 'Step[]',
      assignee: 'User',
      watchers: 'User[]',
    },
  },
  { name: 'Address', embedded: true, properties: { city: 'string', zip: 'string?' } },
  { name: 'Step', embedded: true, properties: { name: 'string', done: 'bool' } },
  { name: 'User', primaryKey: '_id', properties: { _id: 'string', name: 'string', owner_id: 'string' } },
]);

const queryable: QueryableFields = {
  global: ['owner_id'],
  byType: { Task: ['title', 'done', 'priority', 'team', 'tags', 'labels', 'address', 'steps', 'assignee', 'watchers'] },
};

function rejected(text: string, args: unknown[] = []): QueryError {
  try {
    validateSubscription(schema, 'Task', text, args, queryable);
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('validateSubscription', () => {
  it('accepts the flexible-sync subset', () => {
    const ok = [
      'done == false AND priority >= 3',
      "title BEGINSWITH[c] 'fix' OR title LIKE '*bug*'",
      'owner_id == $0',
      '_id == $1',
      "team IN {'a', 'b'} AND NOT team == null",
      "ANY tags == 'urgent'",
      "ALL tags IN {'a', 'b'}",
      "'urgent' IN tags",
      "NONE tags BEGINSWITH 'x'",
      "address.city == 'Oslo'",
      "steps.name == 'review'",
      "labels['color'] == 'red' AND labels.@keys == 'size'",
      'assignee == $0 AND watchers == $0',
      'priority BETWEEN {1, 5}',
      'TRUEPREDICATE',
      'priority == ALL {1, 2} OR priority IN ANY {3, 4}',
      "title != NONE {'a', 'b'} AND ANY tags == NONE {'x'}",
      "assignee == obj('User', 'u1')",
      'title CONTAINS NULL',
    ];
    for (const text of ok) {
      const q = validateSubscription(schema, 'Task', text, ['u1', new ObjectId()], queryable);
      expect(q.typeName).toBe('Task');
    }
  });

  it('rejects what the subset leaves out, with clear messages', () => {
    const cases: [string, RegExp][] = [
      ['done == false SORT(priority DESC)', /^SORT is not allowed in a subscription$/],
      ['done == false DISTINCT(title)', /^DISTINCT is not allowed in a subscription$/],
      ['done == false LIMIT(10)', /^LIMIT is not allowed in a subscription$/],
      ['tags.@count > 2', /^@count is not allowed in a subscription$/],
      ['tags.@size > 2', /^@size is not allowed in a subscription$/],
      ['title.length > 2', /^length is not allowed in a subscription$/],
      ["SUBQUERY(steps, $s, $s.done == true).@count > 0", /^SUBQUERY is not allowed in a subscription$/],
      ["assignee.name == 'x'", /goes through a link; paths through links are not allowed in a subscription/],
      ["watchers.name == 'x'", /goes through a link/],
      ["secret == 'x'", /^field secret is not queryable on Task$/],
      ['priority > $0', /cannot compare int with string/],
      ['title == owner_id', /comparing two fields is not allowed/],
      ['1 == 1', /must name a field/],
      ['priority * 2 > 4', /^arithmetic \(\+ - \* \/\) is not allowed in a subscription$/],
      ["tags[FIRST] == 'a'", /list positions \(\[FIRST\], \[LAST\], \[n\]\) are not allowed/],
      ["tags == {'a', 'b'}", /element by element is not allowed in a subscription; write ANY, ALL or NONE/],
      ["ANY {'a'} IN tags", /quantifier on a constant list on the left is not allowed/],
      ["'a' IN ALL tags", /ALL or NONE on the right-hand key path is not allowed/],
    ];
    for (const [text, re] of cases) {
      const e = rejected(text, ['x']);
      expect(e.reason, text).toMatch(re);
      expect(e.code).toBe('bad_query');
      expect(e.message).toMatch(/at offset \d+/);
    }
  });

  it('points at the offending part', () => {
    expect(rejected("done == true AND secret == 'x'").position).toBe(17);
    expect(rejected('done == true SORT(title ASC)').position).toBe(13);
  });

  it('limits size', () => {
    expect(rejected(`title == '${'x'.repeat(20_000)}'`).reason).toMatch(/longer than 16384/);
    const many = Array.from({ length: 600 }, (_, i) => `priority == ${i}`).join(' OR ');
    expect(rejected(many).reason).toMatch(/more than 512 nodes/);
    expect(rejected(`priority IN {${Array.from({ length: 1001 }, (_, i) => i).join(',')}}`).reason).toMatch(/more than 1000 items/);
    expect(rejected('priority IN $0', [new Array(1001).fill(1)]).reason).toMatch(/more than 1000 items/);
  });

  it('checkSubscriptionSubset works on already-compiled queries', () => {
    expect(() => checkSubscriptionSubset(compileQuery(schema, 'Task', 'priority > 1'), queryable)).not.toThrow();
    expect(() => checkSubscriptionSubset(compileQuery(schema, 'Task', 'priority > 1'), { byType: {} })).toThrow(/field priority is not queryable/);
  });
});

describe('compilePermissionFilter', () => {
  const user = { id: 'u1', name: 'Ann', email: 'ann@example.com', custom_data: { team: 'red', teams: ['red', 'blue'], level: 3, org: { id: { $oid: '6001c033600510df3bbfd864' } } } };
  const task = (fields: Record<string, unknown>) =>
    validateObject(schema, 'Task', { _id: new ObjectId(), title: 't', done: false, priority: 1, owner_id: 'u1', ...fields });

  it('binds %%user values as values', () => {
    const f = compilePermissionFilter(schema, 'Task', 'owner_id == %%user.id OR team IN %%user.custom_data.teams', user);
    expect(f.matches(task({ owner_id: 'u1' }))).toBe(true);
    expect(f.matches(task({ owner_id: 'u2', team: 'blue' }))).toBe(true);
    expect(f.matches(task({ owner_id: 'u2', team: 'green' }))).toBe(false);
    const g = compilePermissionFilter(schema, 'Task', "priority <= %%user.custom_data.level AND title != %%user.name AND %%user.email ENDSWITH 'example.com'", user);
    expect(g.matches(task({ priority: 3 }))).toBe(true);
    expect(g.matches(task({ priority: 4 }))).toBe(false);
  });

  it('never splices values into the text: a hostile value stays a value', () => {
    const evil = { id: "x' OR TRUEPREDICATE OR owner_id == 'y" };
    const f = compilePermissionFilter(schema, 'Task', 'owner_id == %%user.id', evil);
    expect(f.matches(task({ owner_id: 'u1' }))).toBe(false);
    expect(f.matches(task({ owner_id: evil.id }))).toBe(true);
  });

  it('type-checks substituted values', () => {
    expect(() => compilePermissionFilter(schema, 'Task', 'priority == %%user.id', user)).toThrow(/cannot compare int with string/);
    expect(() => compilePermissionFilter(schema, 'Task', 'team == %%user.custom_data.org', user)).toThrow(/is an object/);
    const byOid = compilePermissionFilter(schema, 'Task', '_id == %%user.custom_data.org.id', user);
    expect(byOid.matches(task({ _id: new ObjectId('6001c033600510df3bbfd864') }))).toBe(true);
  });

  it('rejects unknown variables and missing values', () => {
    expect(() => compilePermissionFilter(schema, 'Task', 'owner_id == %%user.password', user)).toThrow(/unknown variable %%user.password/);
    expect(() => compilePermissionFilter(schema, 'Task', 'owner_id == %%request.ip', user)).toThrow(/unknown variable %%request.ip/);
    expect(() => compilePermissionFilter(schema, 'Task', 'team == %%user.custom_data.missing', user)).toThrow(/no value for %%user.custom_data.missing/);
    expect(() => compilePermissionFilter(schema, 'Task', 'team == %%user.custom_data.__proto__', user)).toThrow(QueryError);
    const lenient = compilePermissionFilter(schema, 'Task', 'team == %%user.custom_data.missing', user, { missingAsNull: true });
    expect(lenient.matches(task({ team: null }))).toBe(true);
    expect(() => compilePermissionFilter(schema, 'Task', 'done == true SORT(title ASC)', user)).toThrow(/SORT is not allowed in a permission filter/);
  });

  it('can be held to the subscription subset', () => {
    expect(() => compilePermissionFilter(schema, 'Task', "assignee.name == 'x'", user, { queryable })).toThrow(/paths through links are not allowed in a permission filter/);
    expect(() => compilePermissionFilter(schema, 'Task', 'secret == %%user.id', user, { queryable })).toThrow(/field secret is not queryable/);
    expect(() => compilePermissionFilter(schema, 'Task', 'owner_id == %%user.id', user, { queryable })).not.toThrow();
  });
});
