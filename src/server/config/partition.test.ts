import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.ts';

/* The server's `partition` setting: checked against the schema, and turned into roles and a queryable key. */

const base = {
  auth: { tokens: { secret: 's'.repeat(32) } },
  schema: [
    { name: 'Note', primaryKey: '_id', properties: { _id: 'objectId', _partition: 'string', text: 'string' } },
    { name: 'Tag', primaryKey: '_id', properties: { _id: 'objectId', label: 'string' } },
  ],
};

describe('partition setting', () => {
  it('gives every type with the key a role from the permissions; permissions not given deny', () => {
    const c = parseConfig({ ...base, partition: { key: '_partition', read: "_partition == 'public'" } });
    expect(c.partition).toEqual({ key: '_partition', type: 'string', read: "_partition == 'public'", write: false, types: ['Note'] });
    expect(c.roles.byType).toEqual({ Note: [{ name: 'partition', applyWhen: true, read: "_partition == 'public'", write: false }] });
    expect(c.roles.default).toEqual([]);
    expect(c.queryableFields.global).toEqual(['_partition']);
    expect(parseConfig(base).partition).toBeNull();
  });

  it('refuses a key no type has, a key of the wrong type, roles of a partitioned type, and a rule that does not check', () => {
    expect(() => parseConfig({ ...base, partition: { key: 'owner' } })).toThrow(/no object type in the schema has the field "owner"/);
    const listKey = { ...base, schema: [{ name: 'Note', primaryKey: '_id', properties: { _id: 'objectId', _partition: 'string[]' } }] };
    expect(() => parseConfig({ ...listKey, partition: { key: '_partition' } })).toThrow(/must be a single string, int, objectId or uuid/);
    const withRoles = { ...base, roles: { byType: { Note: [{ name: 'r', applyWhen: true, read: true, write: true }] } } };
    expect(() => parseConfig({ ...withRoles, partition: { key: '_partition' } })).toThrow(/roles\.byType\.Note: .*partition permissions are its rules/);
    expect(() => parseConfig({ ...base, partition: { key: '_partition', read: 'text == %%user.id' } })).toThrow(/text/);
  });
});

describe('a Realm JS object schema in the configuration', () => {
  it('is accepted as written, in stored names', () => {
    const c = parseConfig({
      auth: { tokens: { secret: 's'.repeat(32) } },
      schema: [{ name: 'Item', primaryKey: '_id', properties: { _id: 'objectId', price: 'decimal128?', ownerId: { type: 'string', mapTo: 'owner_id' }, attrs: '{}' } }],
    });
    expect(c.schema).toEqual([{ name: 'Item', primaryKey: '_id', properties: { _id: 'objectId', price: 'decimal?', owner_id: { type: 'string' }, attrs: 'mixed{}' } }]);
    expect(() =>
      parseConfig({ auth: { tokens: { secret: 's'.repeat(32) } }, schema: [{ name: 'Log', asymmetric: true, primaryKey: '_id', properties: { _id: 'objectId' } }] }),
    ).toThrow(/asymmetric/);
  });
});
