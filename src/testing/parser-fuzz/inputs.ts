import fc from 'fast-check';
import { parseSchema } from '../../model/index.ts';

/*
 * Valid inputs the mutations start from: wire changesets over a schema with every field kind,
 * protocol messages of every type (both directions), and Realm Query Language texts that use
 * every construct of the grammar.
 */

export const fuzzParserSchema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      status: { type: 'string?', default: 'new' },
      n: 'int',
      visits: 'counter',
      ratio: 'double?',
      done: 'bool',
      due: 'date?',
      price: 'decimal?',
      ref: 'objectId?',
      uid: 'uuid?',
      blob: 'data?',
      any: 'mixed',
      items: 'string[]',
      nums: 'int[]',
      tags: 'string<>',
      attrs: 'string{}',
      address: 'Address',
      rows: 'Row[]',
      owner: 'User',
      watchers: 'User[]',
    },
  },
  { name: 'Address', embedded: true, properties: { street: 'string', city: 'string', zip: 'int?' } },
  { name: 'Row', embedded: true, properties: { label: 'string', cells: 'int[]' } },
  { name: 'User', primaryKey: '_id', properties: { _id: 'objectId', name: 'string', age: 'int?', friends: 'User[]' } },
]);

const FIELDS = ['title', 'status', 'n', 'visits', 'ratio', 'done', 'due', 'price', 'ref', 'uid', 'blob', 'any', 'items', 'nums', 'tags', 'attrs', 'address', 'rows', 'owner', 'watchers', 'nope'];

/** A wire (Extended JSON) value of any kind the model has, nested a little. */
export const wireValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      { $oid: '64b000000000000000000001' },
      { $date: '2026-01-01T00:00:00Z' },
      { $date: { $numberLong: '1767225600000' } },
      { $numberLong: '42' },
      { $numberInt: '7' },
      { $numberDouble: 'NaN' },
      { $numberDouble: 'Infinity' },
      { $numberDecimal: '12.50' },
      { $binary: { base64: 'AAEC', subType: '00' } },
      { $binary: { base64: 'AAAAAAAAAAAAAAAAAAAAAA==', subType: '04' } },
      { $uuid: '123e4567-e89b-12d3-a456-426614174000' },
    ),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('street', 'city', 'zip', 'label', 'cells', 'x', 'y'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const wirePk = fc.oneof(fc.constantFrom('t1', 't2', ''), fc.integer(), fc.constant({ $oid: '64b000000000000000000002' }), fc.constant({ $uuid: '123e4567-e89b-12d3-a456-426614174000' }));
const pathElement = fc.oneof(fc.constantFrom(...FIELDS), fc.nat({ max: 5 }), fc.constantFrom('x', 'street', 'city', 'label', 'cells'));
const path = fc.array(pathElement, { minLength: 1, maxLength: 4 });
const objectType = fc.constantFrom('Task', 'User', 'Address', 'Nope', 'Task');

/** One wire instruction; mostly well formed, sometimes with a path or type the schema lacks. */
export const wireInstruction: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ op: fc.constantFrom('CreateObject', 'EraseObject'), type: objectType, pk: wirePk }),
  fc.record({ op: fc.constant('Set'), type: objectType, pk: wirePk, path, value: wireValue }),
  fc.record({ op: fc.constant('Set'), type: objectType, pk: wirePk, path, erase: fc.constant(true) }),
  fc.record({ op: fc.constant('Set'), type: objectType, pk: wirePk, path, value: wireValue, default: fc.constant(true) }),
  fc.record({ op: fc.constant('AddInteger'), type: objectType, pk: wirePk, path, value: fc.integer() }),
  fc.record({ op: fc.constantFrom('ListInsert', 'SetInsert', 'SetErase'), type: objectType, pk: wirePk, path, value: wireValue }),
  fc.record({ op: fc.constantFrom('ListErase', 'Clear'), type: objectType, pk: wirePk, path }),
  fc.record({ op: fc.constant('ListMove'), type: objectType, pk: wirePk, path, to: fc.nat({ max: 6 }) }),
  fc.record({
    op: fc.constant('AddType'),
    type: fc.constantFrom('Extra', 'Task'),
    schema: fc.oneof(
      fc.constant({ name: 'Extra', primaryKey: '_id', properties: { _id: 'string', n: 'int' } }),
      fc.constant({ name: 'Extra', embedded: true, properties: { a: 'Extra', b: 'Extra[]' } }),
      fc.record({ name: fc.constantFrom('Extra', 'Task', ''), properties: fc.dictionary(fc.string({ maxLength: 4 }), fc.constantFrom('int', 'string?', 'Task', 'Extra[]', 'int<>', 'mixed{}', 'bogus')) }),
    ),
  }),
  fc.record({
    op: fc.constant('AddField'),
    type: fc.constantFrom('Task', 'Address', 'Extra'),
    field: fc.constantFrom('extra', 'title', '_id', ''),
    property: fc.oneof(fc.constantFrom('int', 'string?', 'Task', 'User[]', 'Address', 'date{}', 'bogus'), fc.constant({ type: 'int', default: 'x' }), fc.constant({ type: 'object', objectType: 'Nope' })),
  }),
);

export const wireChangeset = fc.record({
  origin: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(2 ** 53 - 1)),
  ts: fc.oneof(fc.nat(), fc.constant(2 ** 53 - 1)),
  ops: fc.array(wireInstruction, { maxLength: 6 }),
});

const subscription = fc.record(
  {
    name: fc.string({ maxLength: 8 }),
    objectType: fc.constantFrom('Task', 'User', 'Nope'),
    query: fc.constantFrom('TRUEPREDICATE', 'owner == $0', 'n > 3 AND tags CONTAINS "a"'),
    args: fc.array(wireValue, { maxLength: 2 }),
  },
  { requiredKeys: ['objectType', 'query', 'args'] },
);
const uint = fc.oneof(fc.nat({ max: 1000 }), fc.constant(2 ** 53 - 1));
const positive = fc.integer({ min: 1, max: 1000 });

/** Valid client → server messages (wire JSON values). */
export const clientMessage: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ t: fc.constant('BIND'), protocolVersion: positive, fileIdent: fc.option(positive), salt: fc.option(fc.string({ maxLength: 8 })), schema: fc.constant([{ name: 'Task', properties: { _id: 'string' } }]) }, { requiredKeys: ['t', 'protocolVersion', 'fileIdent', 'salt'] }),
  fc.record({ t: fc.constant('IDENT'), fileIdent: positive, salt: fc.string({ maxLength: 8 }), cursor: fc.record({ serverVersion: uint, clientVersion: uint }), versionSalt: fc.string({ maxLength: 16 }), subscriptions: fc.record({ version: uint, queries: fc.array(subscription, { maxLength: 3 }) }) }, { requiredKeys: ['t', 'fileIdent', 'salt', 'cursor', 'subscriptions'] }),
  fc.record({ t: fc.constant('QUERY'), version: uint, queries: fc.array(subscription, { maxLength: 3 }) }),
  fc.record({ t: fc.constant('UPLOAD'), changesets: fc.array(fc.record({ clientVersion: positive, base: uint, changeset: wireChangeset }), { maxLength: 3 }) }),
  fc.record({ t: fc.constant('TRANSACT'), requestId: positive, base: uint, reads: fc.array(fc.record({ type: fc.constantFrom('Task', 'User'), pk: wirePk }), { maxLength: 3 }), changeset: wireChangeset }),
  fc.record({ t: fc.constant('STATE_REQUEST'), queryVersion: uint, queries: fc.array(subscription, { maxLength: 2 }) }),
  fc.record({ t: fc.constant('CLIENT_VERSION_REQUEST'), fileIdent: positive, salt: fc.string({ maxLength: 8 }) }),
  fc.record({ t: fc.constant('MARK'), requestId: positive }),
  fc.record({ t: fc.constant('REFRESH'), token: fc.string({ maxLength: 20 }) }),
  fc.constant({ t: 'UNBIND' }),
  fc.record({ t: fc.constant('PING'), timestamp: uint, rtt: fc.option(uint, { nil: undefined }) }, { requiredKeys: ['t', 'timestamp'] }),
);

/** Valid server → client messages (wire JSON values). */
export const serverMessage: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ t: fc.constant('IDENT'), fileIdent: positive, salt: fc.string({ maxLength: 8 }) }),
  fc.record({
    t: fc.constant('DOWNLOAD'),
    queryVersion: uint,
    cursor: fc.record({ serverVersion: uint, clientVersion: uint }),
    versionSalt: fc.string({ maxLength: 16 }),
    latestServerVersion: uint,
    items: fc.array(fc.record({ kind: fc.constant('changeset'), serverVersion: uint, clientVersion: uint, changeset: wireChangeset }), { maxLength: 3 }),
    batch: fc.constantFrom('more', 'last'),
    serverTime: fc.double({ noNaN: true, noDefaultInfinity: true }),
  }),
  fc.record({ t: fc.constant('MARK'), requestId: positive, serverVersion: uint }),
  fc.record({ t: fc.constant('TRANSACT'), requestId: positive, status: fc.constant('applied'), serverVersion: uint }),
  fc.record({ t: fc.constant('TRANSACT'), requestId: positive, status: fc.constant('rejected'), code: fc.constantFrom('transaction_conflict', 'permission_denied'), reason: fc.string({ maxLength: 20 }) }),
  fc.record({ t: fc.constant('STATE'), queryVersion: uint, serverVersion: uint, versionSalt: fc.string({ maxLength: 16 }), segment: uint, last: fc.boolean(), objects: fc.array(fc.record({ type: fc.constantFrom('Task', 'User'), record: fc.dictionary(fc.constantFrom(...FIELDS, '_id'), wireValue, { maxKeys: 4 }) }), { maxLength: 3 }) }),
  fc.record({ t: fc.constant('CLIENT_VERSION'), fileIdent: positive, known: fc.boolean(), clientVersion: uint }),
  fc.record({ t: fc.constant('QUERY_ERROR'), version: uint, code: fc.constant('bad_query'), message: fc.string({ maxLength: 20 }), index: uint }),
  fc.record({ t: fc.constant('ERROR'), code: fc.constantFrom('bad_message', 'compensating_write'), message: fc.string({ maxLength: 20 }), action: fc.constantFrom('none', 'retry', 'fatal'), tryAgain: fc.boolean(), compensatingWrites: fc.array(fc.record({ type: fc.constant('Task'), pk: wirePk, reason: fc.string({ maxLength: 8 }) }), { maxLength: 2 }) }),
  fc.constant({ t: 'UNBOUND' }),
  fc.record({ t: fc.constant('PONG'), timestamp: uint, serverTime: uint }),
);

// ---- queries -------------------------------------------------------------------------------

const keyPath = fc.oneof(
  fc.constantFrom(...FIELDS, '_id', 'address.city', 'address.zip', 'rows.label', 'rows.cells', 'owner.name', 'owner.friends.age', 'watchers.age', 'attrs.x', 'attrs["x"]', 'items[0]', 'items[FIRST]', 'items[LAST]', 'items[SIZE]', 'nums[1]'),
  fc.array(fc.constantFrom('a', 'b', 'owner', 'friends', 'name', '@count', '@size', '@avg', '@keys', '@values', '@type'), { minLength: 1, maxLength: 4 }).map((s) => s.join('.')),
);

const literal = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.constantFrom('0x1F', '-0x10', '1e999', '-1e-999', '.5', '+3', 'inf', '-infinity', 'NaN', 'true', 'false', 'null', 'nil', 'NULL'),
  fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/['\\]/g, '')}'`),
  fc.string({ maxLength: 8 }).map((s) => `"${s.replace(/["\\]/g, '')}"`),
  fc.constantFrom(`'it\\'s'`, `"a\\"b"`, `"\\u00e9"`),
  fc.constantFrom('2026-01-01@12:00:00', '2026-02-30@00:00:00', '1969-12-31T23:59:59:5', 'T1767225600:0', 'T-1:-5', 'T99999999999999:0', '0001-01-01@00:00:00'),
  fc.constantFrom('oid(64b000000000000000000001)', 'oid(zz)', 'uuid(123e4567-e89b-12d3-a456-426614174000)', 'uuid(nope)', 'B64"AAEC"', 'B64"!!"', 'decimal128(1.5)'),
  fc.nat({ max: 12 }).map((n) => `$${n}`),
  fc.constantFrom('%%user.id', '%%user.custom.grp', '%%partition'),
);

const compareOp = fc.constantFrom('==', '=', '!=', '<>', '<', '<=', '=<', '>', '>=', '=>', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE', 'IN', 'BETWEEN', 'TEXT', '==[c]', 'CONTAINS[cd]', 'LIKE[d]');

const listLiteral = fc.array(literal, { maxLength: 4 }).map((xs) => `{${xs.join(', ')}}`);

/** A query text from the grammar: comparisons, quantifiers, subqueries, boolean operators, descriptors. */
export const queryText: fc.Arbitrary<string> = fc
  .tuple(
    fc.letrec<{ p: string }>((tie) => ({
      p: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(keyPath, compareOp, fc.oneof(literal, listLiteral, keyPath)).map(([a, op, b]) => (op === 'BETWEEN' ? `${a} BETWEEN {${b}, ${b}}` : `${a} ${op} ${b}`)),
        fc.tuple(literal, compareOp, keyPath).map(([a, op, b]) => `${a} ${op} ${b}`),
        fc.tuple(fc.constantFrom('ANY', 'SOME', 'ALL', 'NONE'), keyPath, compareOp, literal).map(([q, a, op, b]) => `${q} ${a} ${op} ${b}`),
        fc.tuple(keyPath, tie('p')).map(([a, p]) => `SUBQUERY(${a}, $x, ${p.replace(/\b(name|age)\b/, '$x.$1')}).@count > 0`),
        fc.constantFrom('TRUEPREDICATE', 'FALSEPREDICATE', 'watchers.@count > 1', 'tags.@size == 0', 'attrs.@keys == "x"', 'nums.@sum > 3', 'nums.@min < nums.@max'),
        fc.tuple(tie('p'), fc.constantFrom('AND', 'OR', '&&', '||'), tie('p')).map(([a, op, b]) => `${a} ${op} ${b}`),
        tie('p').map((p) => `NOT ${p}`),
        tie('p').map((p) => `!(${p})`),
        tie('p').map((p) => `(${p})`),
      ),
    })).p,
    fc.array(
      fc.oneof(
        fc.array(fc.tuple(keyPath, fc.constantFrom('ASC', 'DESC', 'ascending', 'descending')), { minLength: 1, maxLength: 2 }).map((ks) => `SORT(${ks.map(([k, d]) => k + ' ' + d).join(', ')})`),
        fc.array(keyPath, { minLength: 1, maxLength: 2 }).map((ks) => `DISTINCT(${ks.join(', ')})`),
        fc.oneof(fc.nat({ max: 100 }), fc.constantFrom(-1, 2 ** 53, 1e21)).map((n) => `LIMIT(${n})`),
      ),
      { maxLength: 2 },
    ),
  )
  .map(([p, ds]) => [p, ...ds].join(' '));

/** Arguments for `$n`: mostly values of the schema's types, some of the wrong ones. */
export const queryArgs: fc.Arbitrary<unknown[]> = fc.array(
  fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(new Date(0)),
    fc.constant(new Date(Number.NaN)),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.constant({ a: 1 }),
    fc.constant(Symbol('s')),
    fc.constant(10n),
    fc.constant(() => 1),
    fc.constant(new Uint8Array([1, 2])),
  ),
  { maxLength: 13 },
);
