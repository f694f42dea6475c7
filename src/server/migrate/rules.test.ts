import { describe, expect, it } from 'vitest';
import { ObjectId, parseSchema, type ObjectSchemaInput, type ObjectRecord } from '../../model/index.ts';
import type { PermissionUser } from '../../query/index.ts';
import { SessionRoles, type Rule } from '../sync/roles.ts';
import { Notes } from './notes.ts';
import { translateRoles } from './rules.ts';

/*
 * The rules-expression table: App Services expressions translated by import-app, then run the
 * way the server runs them (SessionRoles, the role a session gets, its compiled read and write
 * rules) on objects, for each operator, nested %and/%or, %%user.custom_data and %%root. What
 * cannot be translated must deny, never grant.
 */

const docType: ObjectSchemaInput = {
  name: 'Doc',
  primaryKey: '_id',
  properties: {
    _id: 'string',
    owner_id: 'string',
    teamId: 'string?',
    status: 'string',
    priority: 'int',
    score: 'double?',
    tags: 'string[]',
    ref: 'objectId?',
    note: 'string?',
    secret: 'string?',
  },
};
const schema = parseSchema([docType]);
const queryable = { global: Object.keys(docType.properties) };

const ana: PermissionUser = { id: 'ana', email: 'ana@example.com', custom_data: { teams: ['red', 'blue'], level: 3, isAdmin: true, role: 'lead' } };
const ben: PermissionUser = { id: 'ben', custom_data: {} };

function doc(fields: Record<string, unknown> = {}): ObjectRecord {
  return Object.assign(Object.create(null), { _id: 'd1', owner_id: 'ana', teamId: 'red', status: 'open', priority: 2, score: 1.5, tags: ['x', 'y'], ref: null, note: null, secret: 's' }, fields);
}

function matches(rule: Rule, rec: ObjectRecord): boolean {
  return rule.kind === 'all' ? true : rule.kind === 'none' ? false : rule.query.matches(rec);
}

function rolesFor(roles: unknown[]): SessionRoles['get'] extends (t: string) => infer R ? (user: PermissionUser) => R : never {
  const notes = new Notes();
  const translated = translateRoles(roles, { notes, file: 'rules.json', type: docType });
  return (user: PermissionUser) => new SessionRoles(schema, { roles: { Doc: translated } }, user, queryable).get('Doc');
}

/** A read-only role whose document filter is `expr`. */
function readFilter(expr: unknown) {
  return rolesFor([{ name: 'r', apply_when: {}, document_filters: { read: expr, write: false }, read: true, write: false }]);
}

const oid = new ObjectId('5f1a2b3c4d5e6f7a8b9c0d1e');

// [expression, user, object fields, expected]
const table: [string, unknown, PermissionUser, Record<string, unknown>, boolean][] = [
  ['%%user.id equal', { owner_id: '%%user.id' }, ana, {}, true],
  ['%%user.id not equal', { owner_id: '%%user.id' }, ben, {}, false],
  ['%%root.field', { '%%root.owner_id': '%%user.id' }, ana, {}, true],
  ['%%user.id on the left', { '%%user.id': '%%root.owner_id' }, ana, { owner_id: 'ben' }, false],
  ['literal', { status: 'open' }, ben, {}, true],
  ['$eq', { priority: { $eq: 2 } }, ben, {}, true],
  ['$ne', { status: { $ne: 'open' } }, ben, {}, false],
  ['$gt', { priority: { $gt: 2 } }, ben, {}, false],
  ['$gte', { priority: { $gte: 2 } }, ben, {}, true],
  ['$lt', { score: { $lt: 2 } }, ben, {}, true],
  ['$lte', { score: { $lte: 1 } }, ben, {}, false],
  ['range', { priority: { $gt: 1, $lt: 3 } }, ben, {}, true],
  ['$in literal array', { status: { $in: ['open', 'held'] } }, ben, {}, true],
  ['$in miss', { status: { $in: ['done'] } }, ben, {}, false],
  ['$nin', { status: { $nin: ['done', 'held'] } }, ben, {}, true],
  ['$nin hit', { status: { $nin: ['open'] } }, ben, {}, false],
  ['$in %%user.custom_data list', { teamId: { $in: '%%user.custom_data.teams' } }, ana, {}, true],
  ['$in %%user.custom_data list miss', { teamId: { $in: '%%user.custom_data.teams' } }, ana, { teamId: 'green' }, false],
  ['$in %%user.custom_data missing', { teamId: { $in: '%%user.custom_data.teams' } }, ben, {}, false],
  ['$nin %%user.custom_data list', { teamId: { $nin: '%%user.custom_data.teams' } }, ana, {}, false],
  ['%%user.custom_data scalar', { priority: '%%user.custom_data.level' }, ana, { priority: 3 }, true],
  ['%%user.custom_data scalar missing', { priority: '%%user.custom_data.level' }, ben, {}, false],
  ['%%user.custom_data $ne', { status: { $ne: '%%user.custom_data.role' } }, ana, {}, true],
  ['%%user.data.email', { note: '%%user.data.email' }, ana, { note: 'ana@example.com' }, true],
  ['$exists true', { note: { $exists: true } }, ben, { note: 'n' }, true],
  ['$exists true on null', { note: { $exists: true } }, ben, {}, false],
  ['$exists false', { note: { $exists: false } }, ben, {}, true],
  ['%exists', { note: { '%exists': true } }, ben, {}, false],
  ['array field contains', { tags: 'x' }, ben, {}, true],
  ['array field contains, miss', { tags: 'z' }, ben, {}, false],
  ['array field $in', { tags: { $in: ['z', 'y'] } }, ben, {}, true],
  ['array field $ne', { tags: { $ne: 'x' } }, ben, {}, false],
  ['array field $nin', { tags: { $nin: ['z'] } }, ben, {}, true],
  ['$oid literal', { ref: { $oid: oid.toHexString() } }, ben, { ref: oid }, true],
  ['$not', { priority: { $not: { $gt: 5 } } }, ben, {}, true],
  ['several keys are AND', { status: 'open', owner_id: '%%user.id' }, ben, {}, false],
  ['%and', { '%and': [{ status: 'open' }, { priority: 2 }] }, ben, {}, true],
  ['%or', { '%or': [{ status: 'done' }, { priority: 2 }] }, ben, {}, true],
  ['$or none', { $or: [{ status: 'done' }, { priority: 9 }] }, ben, {}, false],
  ['$nor', { $nor: [{ status: 'done' }, { priority: 9 }] }, ben, {}, true],
  ['nested %and in %or', { '%or': [{ owner_id: '%%user.id' }, { '%and': [{ teamId: { $in: '%%user.custom_data.teams' } }, { status: { $ne: 'done' } }] }] }, ana, { owner_id: 'ben' }, true],
  ['nested %and in %or, inner false', { '%or': [{ owner_id: '%%user.id' }, { '%and': [{ teamId: { $in: '%%user.custom_data.teams' } }, { status: { $ne: 'done' } }] }] }, ana, { owner_id: 'ben', status: 'done' }, false],
  ['nested %or in %and', { '%and': [{ '%or': [{ status: 'open' }, { status: 'held' }] }, { '%or': [{ priority: { $gte: 5 } }, { score: { $lt: 2 } }] }] }, ben, {}, true],
  ['{} is true', {}, ben, {}, true],
  ['%%true', { '%%true': true }, ben, {}, true],
  ['%%false', { '%%true': false }, ben, {}, false],
  ['true', true, ben, {}, true],
  ['false', false, ben, {}, false],
  // A field the type does not have is absent in every document, as MongoDB sees it.
  ['missing field equal', { colour: 'red' }, ben, {}, false],
  ['missing field $exists false', { colour: { $exists: false } }, ben, {}, true],
  ['missing field $ne', { colour: { $ne: 'red' } }, ben, {}, true],
  ['missing field $nin', { colour: { $nin: ['red'] } }, ben, {}, true],
  ['missing field in %or', { '%or': [{ colour: 'red' }, { status: 'open' }] }, ben, {}, true],
  // Untranslatable: denied, never granted.
  ['$regex denies', { status: { $regex: '^o' } }, ben, {}, false],
  ['%function denies', { '%%true': { '%function': { name: 'f', arguments: [] } } }, ben, {}, false],
  ['%%user.identities denies', { owner_id: '%%user.identities' }, ben, {}, false],
  ['ordering against a user value denies', { priority: { $lte: '%%user.custom_data.level' } }, ana, {}, false],
  ['$elemMatch denies', { tags: { $elemMatch: { $eq: 'x' } } }, ben, {}, false],
];

describe('rules expressions, run through the server role evaluation', () => {
  it.each(table)('%s', (_name, expr, user, fields, expected) => {
    const role = readFilter(expr)(user);
    expect(matches(role.read, doc(fields))).toBe(expected);
  });
});

describe('roles', () => {
  const roles = rolesFor([
    { name: 'admin', apply_when: { '%%user.custom_data.isAdmin': true }, document_filters: { read: true, write: true }, read: true, write: true },
    {
      name: 'lead',
      apply_when: { '%and': [{ '%%user.custom_data.role': 'lead' }, { '%%user.custom_data.teams': { $exists: true } }] },
      document_filters: { read: { teamId: { $in: '%%user.custom_data.teams' } }, write: { owner_id: '%%user.id' } },
      read: true,
      write: true,
    },
    {
      name: 'member',
      apply_when: {},
      document_filters: { read: { owner_id: '%%user.id' }, write: { owner_id: '%%user.id' } },
      read: false,
      write: false,
      fields: { status: { read: true, write: true }, secret: { read: false } },
      additional_fields: { read: true, write: false },
    },
  ]);

  it('chooses the first role whose apply_when holds for the user', () => {
    expect(roles(ana).name).toBe('admin');
    expect(roles({ id: 'cy', custom_data: { role: 'lead', teams: ['red'] } }).name).toBe('lead');
    expect(roles({ id: 'cy', custom_data: { role: 'lead' } }).name).toBe('member');
    expect(roles(ben).name).toBe('member');
  });

  it('reads under the read filter OR the write filter, writes under the write filter', () => {
    const lead = roles({ id: 'cy', custom_data: { role: 'lead', teams: ['red'] } });
    expect(matches(lead.read, doc({ owner_id: 'zed' }))).toBe(true);
    expect(matches(lead.read, doc({ owner_id: 'cy', teamId: 'green' }))).toBe(true);
    expect(matches(lead.read, doc({ owner_id: 'zed', teamId: 'green' }))).toBe(false);
    expect(matches(lead.write, doc({ owner_id: 'zed' }))).toBe(false);
    expect(matches(lead.write, doc({ owner_id: 'cy' }))).toBe(true);
  });

  it('field-level grants: hidden fields, and only the granted fields writable', () => {
    const member = roles(ben);
    expect(matches(member.read, doc({ owner_id: 'ben' }))).toBe(true);
    expect(matches(member.read, doc())).toBe(false);
    expect([...member.hidden]).toEqual(['secret']);
    expect(member.fields.status).toBeUndefined();
    expect(member.fields.note).toEqual({ write: false });
    expect(member.fields.priority).toEqual({ write: false });
  });

  it('an apply_when over the document becomes part of the rules (and the role always applies)', () => {
    const r = rolesFor([{ name: 'own', apply_when: { '%%root.owner_id': '%%user.id' }, read: true, write: true }]);
    expect(r(ben).name).toBe('own');
    expect(matches(r(ben).read, doc())).toBe(false);
    expect(matches(r(ana).write, doc())).toBe(true);
  });

  it('insert: false while writes are allowed makes the role read-only, not broader', () => {
    const r = rolesFor([{ name: 'noInsert', apply_when: {}, read: true, write: true, insert: false, delete: true }]);
    expect(r(ben).write.kind).toBe('none');
    expect(r(ben).read.kind).toBe('all');
  });

  it('an apply_when that cannot be translated leaves the role out', () => {
    const r = rolesFor([{ name: 'fn', apply_when: { '%%true': { '%function': { name: 'f' } } }, read: true, write: true }]);
    expect(r(ana).name).toBe('(none)');
  });
});
