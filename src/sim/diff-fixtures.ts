/**
 * Seeded random data and random subscription-subset queries for the differential tests (evaluator
 * vs SQLite vs PostgreSQL) and the planner test. Test support only; not exported from index.ts.
 */
import { Decimal128, ObjectId, UUID, parseSchema, validateObject, type ObjectRecord, type Schema } from '../model/index.ts';
import type { QueryableFields } from '../query/subscription.ts';
import { prng } from './random.ts';

export { prng };

export class Rand {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  some<T>(xs: readonly T[], max: number): T[] {
    const n = this.int(0, max);
    return Array.from({ length: n }, () => this.pick(xs));
  }
}

export const diffSchema: Schema = parseSchema([
  {
    name: 'Item',
    primaryKey: '_id',
    properties: {
      _id: 'int',
      name: 'string',
      title: 'string?',
      n: 'int',
      x: 'double?',
      price: 'decimal?',
      ok: 'bool',
      flag: 'bool?',
      when: 'date?',
      ref: 'objectId?',
      u: 'uuid?',
      blob: 'data?',
      tags: 'string[]',
      nums: 'int[]',
      dset: 'double<>',
      attrs: 'string{}',
      scores: 'int?{}',
      m: 'mixed',
      ms: 'mixed[]',
      addr: 'Address',
      addrs: 'Address[]',
      owner: 'Person',
      friends: 'Person[]',
    },
  },
  { name: 'Address', embedded: true, properties: { city: 'string', zip: 'string?', geo: 'Geo' } },
  { name: 'Geo', embedded: true, properties: { lat: 'double' } },
  { name: 'Person', primaryKey: '_id', properties: { _id: 'string', name: 'string' } },
]);

export const diffQueryable: QueryableFields = {
  byType: { Item: [...diffSchema.require('Item').properties.keys()] },
};

// Strings chosen to exercise case folding (Unicode and ASCII), diacritics, wildcards, quotes,
// astral characters and code point ordering. No NUL: PostgreSQL jsonb cannot hold it.
export const STRINGS = [
  '', ' ', 'a', 'A', 'ab', 'Ab', 'abc', 'ABC', 'b', 'B', 'ba', 'zeta', 'Zeta', 'apple', 'Apple', 'APPLE',
  'Émile', 'émile', 'Emile', 'emile', 'straße', 'STRASSE', 'strasse', '\u212a', 'k', 'K', 'İstanbul', 'istanbul',
  'Σίσυφος', 'σίσυφος', 'ǅ', 'ǆ', 'ü', 'u\u0308', '😀', '😀x', '\uffff', 'a*b', 'a?b', '[x]', '%_', "it's", 'quo"te',
  'back\\slash', 'a b c', 'naïve', 'NAÏVE', 'café', 'cafe',
];
const DOUBLES = [0, -0, 0.1, 0.2, 0.30000000000000004, 1.5, -2.25, 3, 1e21, 5e-324, -1e-7, 123456.789, 2 ** 53 - 1, 7];
const SPECIAL_DOUBLES = [NaN, Infinity, -Infinity];
const INTS = [-5, -1, 0, 1, 2, 3, 5, 7, 42, 1000];
const DECIMALS = ['0.1', '1.0', '1', '10.50', '-3', '1E+3', '0.30000000000000004', '7', '-0', '123456789012345678901234.5', 'NaN', 'Infinity'];
const DATES = [-86400000, 0, 1, 1500, 1000000000000, 1000000000001, 1600000000000];
const OIDS = ['6001c033600510df3bbfd864', '6001c04b3bc6feeda9ef44f3', '6001c05521acef4e39acfd6f', 'ffffffffffffffffffffffff'];
const UUIDS = ['d1b186e1-e9e0-4768-a1a7-c492519d47ee', '08c35c66-69bd-4b28-8177-f9135553711f', '35f8f06b-dc77-4781-8b5e-9a09759db989'];
const BLOBS = [[], [1], [1, 2], [1, 2, 3], [2, 3], [255, 0], [42, 63]];
export const KEYS = ['a', 'b', 'home', 'k"q', 'sp ace', 'ü', 'back\\k', "it's"];
export const PEOPLE = ['p1', 'p2', 'p3', 'p"4'];
const CITIES = ['Oslo', 'oslo', 'Bergen', 'Tromsø', 'TROMSØ', 'Ålesund', 'a*b'];

export type ScalarKind = 'string' | 'int' | 'double' | 'decimal' | 'bool' | 'date' | 'objectId' | 'uuid' | 'data';

export function randomScalar(r: Rand, kind: ScalarKind): unknown {
  switch (kind) {
    case 'string':
      return r.pick(STRINGS);
    case 'int':
      return r.pick(INTS);
    case 'double':
      return r.chance(0.08) ? r.pick(SPECIAL_DOUBLES) : r.chance(0.3) ? r.pick(INTS) : r.pick(DOUBLES);
    case 'decimal':
      return Decimal128.fromString(r.pick(DECIMALS));
    case 'bool':
      return r.chance(0.5);
    case 'date':
      return new Date(r.pick(DATES));
    case 'objectId':
      return new ObjectId(r.pick(OIDS));
    case 'uuid':
      return new UUID(r.pick(UUIDS));
    case 'data':
      return Uint8Array.from(r.pick(BLOBS));
  }
}

const MIXED_KINDS: ScalarKind[] = ['string', 'int', 'double', 'decimal', 'bool', 'date', 'objectId', 'uuid', 'data'];

export function randomMixed(r: Rand): unknown {
  return r.chance(0.1) ? null : randomScalar(r, r.pick(MIXED_KINDS));
}

function maybe<T>(r: Rand, v: () => T, pNull = 0.2): T | null {
  return r.chance(pNull) ? null : v();
}

function randomAddress(r: Rand): Record<string, unknown> {
  return { city: r.pick(CITIES), zip: maybe(r, () => r.pick(['0150', '5003', ''])), geo: maybe(r, () => ({ lat: r.pick(DOUBLES) }), 0.3) };
}

export function randomItem(r: Rand, id: number): ObjectRecord {
  const dict = (f: () => unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of r.some(KEYS, 3)) out[k] = f();
    return out;
  };
  const input = {
    _id: id,
    name: r.pick(STRINGS),
    title: maybe(r, () => r.pick(STRINGS)),
    n: r.pick(INTS),
    x: maybe(r, () => randomScalar(r, 'double')),
    price: maybe(r, () => randomScalar(r, 'decimal')),
    ok: r.chance(0.5),
    flag: maybe(r, () => r.chance(0.5), 0.3),
    when: maybe(r, () => randomScalar(r, 'date')),
    ref: maybe(r, () => randomScalar(r, 'objectId')),
    u: maybe(r, () => randomScalar(r, 'uuid')),
    blob: maybe(r, () => randomScalar(r, 'data')),
    tags: r.some(STRINGS, 4),
    nums: r.some(INTS, 4),
    dset: [...new Set(r.some(DOUBLES, 3))],
    attrs: dict(() => r.pick(STRINGS)),
    scores: dict(() => maybe(r, () => r.pick(INTS))),
    m: randomMixed(r),
    ms: Array.from({ length: r.int(0, 3) }, () => randomMixed(r)),
    addr: maybe(r, () => randomAddress(r), 0.25),
    addrs: Array.from({ length: r.int(0, 3) }, () => randomAddress(r)),
    owner: maybe(r, () => r.pick(PEOPLE)),
    friends: r.some(PEOPLE, 3),
  };
  return validateObject(diffSchema, 'Item', input);
}

export function randomPeople(): ObjectRecord[] {
  return PEOPLE.map((p) => validateObject(diffSchema, 'Person', { _id: p, name: p.toUpperCase() }));
}

/** A random query inside the subscription subset, with its arguments. */
export function randomSubscriptionQuery(r: Rand): { text: string; args: unknown[] } {
  const args: unknown[] = [];
  const arg = (v: unknown): string => {
    args.push(v);
    return `$${args.length - 1}`;
  };
  const mod = (): string => r.pick(['', '', '', '[c]', '[d]', '[cd]']);
  const strOp = (): string => r.pick(['==', '!=', '<', '<=', '>', '>=', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE', '==', 'BEGINSWITH']);
  const numOp = (): string => r.pick(['==', '!=', '<', '<=', '>', '>=']);
  const pattern = (): string =>
    r.pick(['*', 'a*', '*e', '?', '??', '*a*', 'A?', '*ß*', 'é*', '[*', '*%_*', '*\u212a*', '*😀', 'a*b', 'a?b', "it's", 'k', 'K', 'e*i*e']);
  const strCmp = (path: string, quant = ''): string => {
    const op = strOp();
    const m = op === '<' || op === '<=' || op === '>' || op === '>=' ? '' : mod();
    const value = op === 'LIKE' ? pattern() : r.pick(STRINGS);
    return `${quant}${path} ${op}${m} ${arg(value)}`;
  };
  const numCmp = (path: string, kind: ScalarKind, quant = '', list = false): string => {
    const roll = r.next();
    // A list against a constant list needs a quantifier in a subscription (without one, Realm
    // compares element by element, which the subset leaves out); BETWEEN on a list needs ALL.
    if (roll < 0.12 && (!list || quant === 'ALL ')) {
      return `${quant}${path} BETWEEN {${arg(randomScalar(r, kind))}, ${arg(randomScalar(r, kind))}}`;
    }
    if (roll < 0.22) return `${list && quant === '' ? 'ANY ' : quant}${path} IN {${Array.from({ length: r.int(0, 7) }, () => arg(randomScalar(r, kind))).join(', ')}}`;
    // A quantifier on the constant list: `x op ALL {…}`, `x op NONE {…}`, `x op ANY {…}`.
    if (roll < 0.3) return `${quant}${path} ${numOp()} ${r.pick(['ANY', 'ALL', 'NONE'])} {${Array.from({ length: r.int(0, 3) }, () => arg(randomScalar(r, kind))).join(', ')}}`;
    if (roll < 0.38 && (kind === 'int' || kind === 'double')) return `${quant}${path} ${numOp()} ${r.pick(['1', '-2.5', '0x10', '0', '1e21', '7'])}`;
    return `${quant}${path} ${numOp()} ${arg(randomScalar(r, kind))}`;
  };
  const quant = (): string => r.pick(['', '', 'ANY ', 'ALL ', 'NONE ']);
  const atoms: (() => string)[] = [
    () => strCmp('name'),
    () => strCmp('title'),
    () => `title ${r.pick(['==', '!='])} null`,
    () => numCmp('n', 'int'),
    () => numCmp('x', r.chance(0.7) ? 'double' : 'int'),
    () => `x ${r.pick(['==', '!='])} null`,
    () => numCmp('price', r.chance(0.5) ? 'decimal' : 'int'),
    () => `price ${numOp()} ${r.pick(['0.1', '1', '10.5', '-3'])}`,
    () => `ok == ${arg(r.chance(0.5))}`,
    () => `flag ${r.pick(['==', '!=', '<', '>='])} ${r.pick(['true', 'false'])}`,
    () => `flag ${r.pick(['==', '!='])} null`,
    () => numCmp('when', 'date'),
    () => `when ${numOp()} ${r.pick(['T0:0', 'T1:500000', 'T1:500000000', '1970-01-01@00:00:01', 'T-86400:0', '2020-09-13T12:26:40'])}`,
    () => `ref ${numOp()} ${arg(randomScalar(r, 'objectId'))}`,
    () => `ref IN {${arg(randomScalar(r, 'objectId'))}, ${arg(randomScalar(r, 'objectId'))}}`,
    () => `u ${r.pick(['==', '!=', '<', '<=', '>', '>='])} ${arg(randomScalar(r, 'uuid'))}`,
    () => `${r.pick(['n', 'x', 'u', 'ref', 'when', 'name'])} ${r.pick(['<', '<=', '>', '>='])} ${arg(null)}`,
    () => `u IN {${arg(randomScalar(r, 'uuid'))}, ${arg(randomScalar(r, 'uuid'))}}`,
    () => `blob ${r.pick(['==', '!=', '<', '>=', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE'])} ${arg(randomScalar(r, 'data'))}`,
    () => `blob == null`,
    () => strCmp('tags', quant()),
    () => `${arg(r.pick(STRINGS))} IN tags`,
    () => `${r.pick(['ANY ', 'ALL ', 'NONE '])}tags IN {${arg(r.pick(STRINGS))}, ${arg(r.pick(STRINGS))}, ${arg(r.pick(STRINGS))}}`,
    () => `${r.pick(['name', 'title', 'tags'])} ${r.pick(['==', '!=', 'BEGINSWITH', 'CONTAINS'])}${mod()} ${r.pick(['ANY', 'ALL', 'NONE'])} {${Array.from({ length: r.int(0, 3) }, () => arg(r.pick(STRINGS))).join(', ')}}`,
    () => `${r.pick(['name', 'tags', 'blob'])} ${r.pick(['BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE'])}${r.pick(['', '[c]'])} NULL`.replace(/^blob (\w+)\[c\]/, 'blob $1'),
    () => numCmp('nums', 'int', quant(), true),
    () => numCmp('dset', 'double', quant(), true),
    () => `${quant()}attrs ${r.pick(['==', 'BEGINSWITH', 'CONTAINS', '!='])}${mod()} ${arg(r.pick(STRINGS))}`,
    () => `attrs[${arg_key(r)}] ${r.pick(['==', '!=', 'BEGINSWITH', '>'])} ${arg(r.pick(STRINGS))}`,
    () => `attrs[${arg_key(r)}] ${r.pick(['==', '!='])} null`,
    () => `attrs.${r.pick(['a', 'b', 'home'])} ${r.pick(['==', 'CONTAINS[c]'])} ${arg(r.pick(STRINGS))}`,
    () => `${quant()}attrs.@keys ${r.pick(['==', 'BEGINSWITH', '=='])}${mod()} ${arg(r.pick(KEYS))}`,
    () => `${quant()}attrs.@values ${r.pick(['LIKE', 'ENDSWITH'])}${mod()} ${arg(r.pick(['*a*', 'e', 'E', '*']))}`,
    () => numCmp("scores['a']", 'int'),
    () => `${quant()}scores ${r.pick(['==', '!='])} null`,
    () => numCmp('scores.@values', 'int', quant(), true),
    () => `m ${r.pick(['==', '!=', '<', '>='])} ${arg(randomMixed(r))}`,
    () => `m ${r.pick(['BEGINSWITH', 'CONTAINS', 'LIKE'])}${mod()} ${arg(r.pick(STRINGS))}`,
    () => `m IN ${r.pick(['', 'ANY ', 'NONE '])}{${arg(randomMixed(r))}, ${arg(randomMixed(r))}, ${arg(randomMixed(r))}}`,
    () => `${quant()}ms ${r.pick(['==', '!=', '>', '<='])} ${arg(randomMixed(r))}`,
    () => `addr ${r.pick(['==', '!='])} null`,
    () => `addr.city ${r.pick(['==', '!=', 'BEGINSWITH', '<'])}${r.pick(['', '[c]'])} ${arg(r.pick(CITIES))}`,
    () => `addr.zip ${r.pick(['==', '!='])} ${r.chance(0.5) ? 'null' : arg(r.pick(['0150', '']))}`,
    () => numCmp('addr.geo.lat', 'double'),
    () => `addr.geo.lat ${r.pick(['==', '!='])} null`,
    () => `${quant()}addrs.city ${r.pick(['==', 'CONTAINS', 'LIKE'])}${r.pick(['', '[c]', '[cd]'])} ${arg(r.pick(CITIES))}`,
    () => numCmp('addrs.geo.lat', 'double', quant(), true),
    () => `${quant()}addrs.geo.lat == null`,
    () => `${quant()}addrs.zip ${r.pick(['==', '!='])} null`,
    () => `owner ${r.pick(['==', '!='])} ${r.chance(0.2) ? 'null' : arg(r.chance(0.5) ? r.pick(PEOPLE) : { _id: r.pick(PEOPLE) })}`,
    () => `${quant()}friends == ${arg(r.pick(PEOPLE))}`,
    () => `${r.pick(['ANY ', 'ALL ', 'NONE '])}friends IN {${arg(r.pick(PEOPLE))}, ${arg(r.pick(PEOPLE))}}`,
    () => `owner ${r.pick(['==', '!='])} obj('Person', ${arg(r.pick(PEOPLE))})`,
    () => `${quant()}friends == ${r.pick(['ANY', 'NONE'])} {obj('Person', ${arg(r.pick(PEOPLE))}), ${arg(r.pick(PEOPLE))}}`,
    () => `_id ${numOp()} ${arg(r.int(0, 1000))}`,
    () => r.pick(['TRUEPREDICATE', 'FALSEPREDICATE']),
  ];
  const pred = (depth: number): string => {
    const roll = r.next();
    if (depth <= 0 || roll < 0.45) return r.pick(atoms)();
    if (roll < 0.65) return `(${pred(depth - 1)} AND ${pred(depth - 1)})`;
    if (roll < 0.85) return `(${pred(depth - 1)} OR ${pred(depth - 1)})`;
    return `NOT (${pred(depth - 1)})`;
  };
  const text = pred(3);
  return { text, args };

  function arg_key(rr: Rand): string {
    return `'${rr.pick(KEYS.filter((k) => !k.includes("'") && !k.endsWith('\\')))}'`;
  }
}

/**
 * A random query over the whole language (links, aggregates, SUBQUERY, field-to-field comparisons,
 * descriptors), mostly well-typed, with its arguments.
 */
export function randomFullQuery(r: Rand): { text: string; args: unknown[] } {
  const args: unknown[] = [];
  const Q = () => (r.chance(0.3) ? r.pick(['ANY ', 'ALL ', 'NONE ']) : '');
  const strPaths = ['name', 'title', 'tags', 'attrs', "attrs['a']", 'attrs.home', 'attrs.@keys', 'attrs.@values', 'addr.city', 'addrs.city', 'addr.zip', 'owner.name', 'friends.name', 'm', 'ms', 'friends._id'];
  const numPaths = ['n', 'x', 'price', 'nums', 'dset', 'scores', "scores['a']", 'addr.geo.lat', 'addrs.geo.lat', 'nums.@count', 'nums.@sum', 'nums.@avg', 'nums.@min', 'dset.@max', 'tags.@count', 'name.length', 'tags.length', 'attrs.@count', 'scores.@sum', 'addrs.@count', 'friends.@count', 'm', 'ms', '_id', 'addrs.@sum.zip', 'addrs.geo.lat.@max', 'blob.@size', "SUBQUERY(addrs, $a, $a.city BEGINSWITH[c] 'o').@count", "SUBQUERY(friends, $f, $f.name CONTAINS 'P').@count"];
  const multi = new Set(['tags', 'attrs', 'attrs.@keys', 'attrs.@values', 'addrs.city', 'friends.name', 'ms', 'friends._id', 'nums', 'dset', 'scores', 'addrs.geo.lat', 'tags.length']);
  const q = (p: string) => (multi.has(p) ? Q() : '') + p;
  const arg = (v: unknown) => { args.push(v); return `$${args.length - 1}`; };
  const str = () => (r.chance(0.5) ? arg(r.pick(STRINGS)) : r.pick(["'a'", "'Émile'", "'P1'", "'*a*'", "'Oslo'", "'p1'", "''"]));
  const num = () => (r.chance(0.5) ? arg(r.pick([0, 1, 2, 3, 5, -1, 0.5, 1e21, NaN])) : r.pick(['1', '-2.5', '0x10', '3', '0', 'inf', '7']));
  const atoms: (() => string)[] = [
    () => `${q(r.pick(strPaths))} ${r.pick(['==', '!=', '<', '>=', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE', '==[c]', 'BEGINSWITH[cd]', 'LIKE[c]'])} ${str()}`,
    () => `${q(r.pick(strPaths))} IN {${str()}, ${str()}}`,
    () => `${str()} IN ${r.pick(['tags', 'attrs', 'friends.name', 'addrs.city'])}`,
    () => `${q(r.pick(numPaths))} ${r.pick(['==', '!=', '<', '<=', '>', '>='])} ${num()}`,
    () => `${q(r.pick(numPaths))} BETWEEN {${num()}, ${num()}}`,
    () => `${q(r.pick(numPaths))} IN {${num()}, ${num()}, ${num()}}`,
    () => `${q(r.pick(numPaths))} ${r.pick(['>', '==', '<'])} ${r.pick(numPaths)}`,
    () => `${q(r.pick(strPaths))} ${r.pick(['==', 'CONTAINS[c]'])} ${r.pick(strPaths)}`,
    () => `when ${r.pick(['<', '>=', '=='])} ${r.pick(['T1:500000', '1970-01-01@00:00:01', arg(new Date(1500))])}`,
    () => `owner ${r.pick(['==', '!='])} ${r.pick(["'p1'", 'null', arg({ _id: 'p2' })])}`,
    () => `${Q()}friends == ${arg(r.pick(['p1', 'p2', 'p"4']))}`,
    () => `owner.name ${r.pick(['==', '!='])} null`,
    () => `m ${r.pick(['==', '!=', '<', '>='])} ${arg(randomMixed(r))}`,
    () => `blob ${r.pick(['==', 'BEGINSWITH', 'CONTAINS', '<'])} ${r.pick(['B64"AQI="', arg(new Uint8Array([1]))])}`,
    () => `ref ${r.pick(['==', '<'])} oid(6001c04b3bc6feeda9ef44f3)`,
    () => `ok == ${r.pick(['true', 'false'])}`,
    // Realm forms evaluated in memory: arithmetic, list positions, quantified and ordered list comparisons.
    () => `${r.pick(['n', 'x', 'price', 'nums.@sum', 'name.length', "scores['a']"])} ${r.pick(['+', '-', '*', '/'])} ${r.pick(['2', '0', '-1.5', 'n', arg(3)])} ${r.pick(['>', '==', '<='])} ${num()}`,
    () => `${r.chance(0.5) ? r.pick(['ANY ', 'ALL ', 'NONE ']) : ''}${r.pick(['nums', 'dset', 'addrs.geo.lat'])} * ${r.pick(['2', '-1'])} ${r.pick(['>', '==', '<'])} ${r.pick(['n', 'x', num()])}`,
    () => r.pick(['nums[FIRST] == 1', "tags[LAST] == 'a'", "friends[0].name == 'P1'", "addrs[1].city == 'Oslo'", 'nums[*] > 1', 'tags[0] != null', 'dset[LAST] < 1']),
    () => r.pick(['nums == {1, 2}', 'dset != {0.5}', "tags IN {'a'}", "attrs.@keys == {'a', 'b'}", "friends.name == {'P1', 'P2'}", 'nums == {}', "addrs.city != {'Oslo'}"]),
    () => `${r.pick(['ANY', 'ALL', 'NONE'])} ${r.pick(["{'a', 'b'} IN", "{'p1'} IN", '{} ==', "{'Oslo', 'a'} =="])} ${r.pick(['ANY ', 'ALL ', 'NONE ', ''])}${r.pick(['tags', 'friends.name', 'attrs.@values', 'addrs.city'])}`,
    () => `${r.pick(['ANY', 'ALL', 'NONE'])} {${r.pick(['1, 2', '0.5', '', '3'])}} ${r.pick(['IN', '<'])} ${r.pick(['ANY ', 'ALL ', 'NONE ', ''])}${r.pick(['nums', 'dset', 'addrs.geo.lat'])}`,
    () => `${r.pick(['name', 'title', 'tags', 'blob', 'm'])} ${r.pick(['BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE'])} NULL`,
    () => r.pick(['TRUEPREDICATE', 'FALSEPREDICATE']),
  ];
  const pred = (d: number): string => { const x = r.next(); if (d <= 0 || x < 0.5) return r.pick(atoms)(); if (x < 0.7) return `(${pred(d - 1)} AND ${pred(d - 1)})`; if (x < 0.9) return `(${pred(d - 1)} OR ${pred(d - 1)})`; return `NOT (${pred(d - 1)})`; };
  const descriptors = [' SORT(n DESC, name ASC) LIMIT(20)', ' DISTINCT(ok) SORT(owner.name ASC)', ' LIMIT(5) SORT(x DESC) DISTINCT(n, flag)'];
  const text = pred(3) + (r.chance(0.2) ? r.pick(descriptors) : '');
  return { text, args };
}
