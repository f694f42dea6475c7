import { describe, expect, it } from 'vitest';
import { Decimal128, ObjectId, UUID, parseSchema, validateObject, type ObjectRecord } from '../model/index.ts';
import { compileQuery, createResolver } from './compile.ts';
import { QueryError } from './errors.ts';

const schema = parseSchema([
  {
    name: 'Person',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      name: 'string',
      age: 'int?',
      height: 'double?',
      tags: 'string[]',
      scores: 'double[]',
      ints: 'int<>',
      nick: 'string{}',
      counts: 'int{}',
      pets: 'Pet[]',
      best: 'Pet',
      address: 'Address',
      addresses: 'Address[]',
      m: 'mixed',
      mixes: 'mixed[]',
      born: 'date?',
      avatar: 'data?',
      balance: 'decimal?',
      oid: 'objectId?',
      uid: 'uuid?',
      flag: 'bool',
      visits: 'counter',
    },
  },
  { name: 'Pet', primaryKey: '_id', properties: { _id: 'int', name: 'string', age: 'int', owner: 'Person' } },
  { name: 'Address', embedded: true, properties: { city: 'string', zip: 'string?', geo: 'Geo' } },
  { name: 'Geo', embedded: true, properties: { lat: 'double', lng: 'double' } },
]);

const OID = '6001c033600510df3bbfd864';
const UID = 'd1b186e1-e9e0-4768-a1a7-c492519d47ee';

const pets = [
  { _id: 1, name: 'Rex', age: 3, owner: 'ann' },
  { _id: 2, name: 'Tom', age: 7, owner: 'bob' },
  { _id: 3, name: 'Rax', age: 10, owner: 'ann' },
].map((p) => validateObject(schema, 'Pet', p));

const people: ObjectRecord[] = [
  {
    _id: 'ann',
    name: 'Ann',
    age: 30,
    height: 1.7,
    tags: ['a', 'b'],
    scores: [1, 2, 3],
    ints: [1, 2],
    nick: { home: 'Annie', work: 'A.' },
    counts: { x: 1, y: 5 },
    pets: [1, 3, 99],
    best: 1,
    address: { city: 'Oslo', zip: '0150', geo: { lat: 59.9, lng: 10.7 } },
    addresses: [{ city: 'Oslo', geo: null }, { city: 'Bergen', geo: { lat: 60.4, lng: 5.3 } }],
    m: 'text',
    mixes: [1, 'x', null, Decimal128.fromString('2.5')],
    born: new Date(Date.UTC(1990, 0, 1)),
    avatar: new Uint8Array([1, 2, 3]),
    balance: Decimal128.fromString('10.50'),
    oid: new ObjectId(OID),
    uid: new UUID(UID),
    flag: true,
    visits: 4,
  },
  {
    _id: 'bob',
    name: 'Émile',
    age: null,
    height: null,
    tags: [],
    scores: [],
    ints: [],
    nick: {},
    counts: {},
    pets: [2],
    best: null,
    address: null,
    addresses: [],
    m: 5,
    mixes: [],
    born: null,
    avatar: null,
    balance: null,
    oid: null,
    uid: null,
    flag: false,
    visits: 0,
  },
  {
    _id: 'cat',
    name: 'straße',
    age: 5,
    height: 1.2,
    tags: ['A', 'c', 'science fiction'],
    scores: [10],
    ints: [7],
    nick: { home: 'Kitty' },
    counts: { z: 0 },
    pets: [],
    best: 99,
    address: { city: 'Bergen', zip: null, geo: { lat: -1, lng: 0 } },
    addresses: [{ city: 'Trondheim', geo: { lat: 63.4, lng: 10.4 } }],
    m: Decimal128.fromString('5.0'),
    mixes: [new Date(5), true],
    born: new Date(1500),
    avatar: new Uint8Array([]),
    balance: Decimal128.fromString('0.1'),
    oid: null,
    uid: null,
    flag: true,
    visits: 12,
  },
].map((p) => validateObject(schema, 'Person', p));

const resolver = createResolver(schema, [
  ...people.map((record) => ({ type: 'Person', record })),
  ...pets.map((record) => ({ type: 'Pet', record })),
]);

function ids(text: string, args: unknown[] = []): string[] {
  return compileQuery(schema, 'Person', text, args)
    .run(people, resolver)
    .map((p) => p._id as string);
}

function rejects(text: string, args: unknown[] = []): QueryError {
  try {
    compileQuery(schema, 'Person', text, args);
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('nulls', () => {
  it('== null and != null', () => {
    expect(ids('age == null')).toEqual(['bob']);
    expect(ids('age != null')).toEqual(['ann', 'cat']);
    expect(ids('null == age')).toEqual(['bob']);
    expect(ids('address == null')).toEqual(['bob']);
    expect(ids('address.city == null')).toEqual(['bob']);
    expect(ids('address.zip == null')).toEqual(['bob', 'cat']);
    expect(ids('best == nil')).toEqual(['bob']);
  });
  it('a null never satisfies <, <=, >, >=', () => {
    expect(ids('age > 0')).toEqual(['ann', 'cat']);
    expect(ids('age <= 100')).toEqual(['ann', 'cat']);
    expect(ids('NOT age > 10')).toEqual(['bob', 'cat']);
  });
  it('ordering against null is an error', () => {
    expect(rejects('age > null').reason).toMatch(/null/);
  });
});

describe('strings', () => {
  it('[c] folds case with Unicode lower-casing', () => {
    expect(ids("name ==[c] 'ÉMILE'")).toEqual(['bob']);
    expect(ids("name ==[c] 'STRASSE'")).toEqual([]); // lower-casing, not full case folding
    expect(ids("name BEGINSWITH[c] 'STRA'")).toEqual(['cat']);
    expect(ids("name CONTAINS[c] 'ß'")).toEqual(['cat']);
    expect(ids("name ==[c] 'ann'")).toEqual(['ann']);
    expect(ids("name == 'ann'")).toEqual([]);
    expect(ids("'ANN' ==[c] name")).toEqual(['ann']);
  });
  it('[d] ignores diacritics, [cd] both', () => {
    expect(ids("name ==[d] 'Emile'")).toEqual(['bob']);
    expect(ids("name ==[d] 'emile'")).toEqual([]);
    expect(ids("name ==[cd] 'emile'")).toEqual(['bob']);
  });
  it('BEGINSWITH ENDSWITH CONTAINS LIKE', () => {
    expect(ids("name BEGINSWITH 'A'")).toEqual(['ann']);
    expect(ids("name ENDSWITH 'e'")).toEqual(['bob', 'cat']);
    expect(ids("name CONTAINS ''")).toEqual(['ann', 'bob', 'cat']);
    expect(ids("name LIKE 'A?n'")).toEqual(['ann']);
    expect(ids("name LIKE '*ß*'")).toEqual(['cat']);
    expect(ids("name LIKE[c] 'é*'")).toEqual(['bob']);
    expect(ids("name LIKE 'A*'")).toEqual(['ann']);
    expect(ids("name LIKE '?'")).toEqual([]);
  });
  it('orders by code point', () => {
    expect(ids("name > 'B'")).toEqual(['bob', 'cat']);
    expect(ids("name BETWEEN {'A', 'Ann'}")).toEqual(['ann']);
  });
  it('length counts code points', () => {
    expect(ids('name.length == 6')).toEqual(['cat']);
    expect(ids('name.@size == 3')).toEqual(['ann']);
    expect(ids('tags.length > 5')).toEqual(['cat']);
    expect(ids('ALL tags.length == 1')).toEqual(['ann', 'bob']);
  });
  it('string literals are verbatim', () => {
    const rec = validateObject(schema, 'Person', { _id: 'q', name: 'a\\nb', flag: false });
    expect(compileQuery(schema, 'Person', "name == 'a\\nb'").matches(rec, resolver)).toBe(true);
  });
});

describe('lists and quantifiers', () => {
  it('a comparison on a list is ANY by default', () => {
    expect(ids("tags == 'a'")).toEqual(['ann']);
    expect(ids("tags ==[c] 'a'")).toEqual(['ann', 'cat']);
    expect(ids("tags != 'a'")).toEqual(['ann', 'cat']); // some element differs
    expect(ids("NOT tags == 'a'")).toEqual(['bob', 'cat']);
    expect(ids('scores > 5')).toEqual(['cat']);
  });
  it('ALL and NONE, with empty lists', () => {
    expect(ids('ALL scores > 0')).toEqual(['ann', 'bob', 'cat']); // empty: vacuously true
    expect(ids('ALL scores > 1')).toEqual(['bob', 'cat']);
    expect(ids("NONE tags == 'a'")).toEqual(['bob', 'cat']);
    expect(ids("ANY tags == 'a'")).toEqual(['ann']);
    expect(ids("SOME tags == 'a'")).toEqual(['ann']);
  });
  it('IN against lists and list properties', () => {
    expect(ids("name IN {'Ann', 'straße'}")).toEqual(['ann', 'cat']);
    expect(ids("'c' IN tags")).toEqual(['cat']);
    expect(ids("ANY tags IN {'b', 'x'}")).toEqual(['ann']);
    // Without a quantifier a list against a list compares element by element, in order (Realm).
    expect(ids("tags IN {'b', 'x'}")).toEqual([]);
    expect(ids("tags == {'a', 'b'}")).toEqual(['ann']);
    expect(ids("tags == {'b', 'a'}")).toEqual([]);
    expect(ids('tags == {}')).toEqual(['bob']);
    expect(ids("tags != {'a', 'b'}")).toEqual(['bob', 'cat']);
    expect(ids("tags ==[c] {'a', 'C', 'SCIENCE FICTION'}")).toEqual(['cat']);
    // A quantifier on the constant list: every / no constant.
    expect(ids("name == ANY {'Ann', 'x'}")).toEqual(['ann']);
    expect(ids("name != ALL {'Ann', 'x'}")).toEqual(['bob', 'cat']);
    expect(ids("name == NONE {'Ann', 'Émile'}")).toEqual(['cat']);
    expect(ids('age == ALL {}')).toEqual(['ann', 'bob', 'cat']);
    expect(ids("ALL {'a', 'b'} IN tags")).toEqual(['ann']);
    expect(ids("ANY {'a', 'c'} IN ANY tags")).toEqual(['ann', 'cat']);
    expect(ids("NONE {'a', 'c'} IN tags")).toEqual(['bob']);
    expect(ids('age IN ANY $0', [[5, 7, 30]])).toEqual(['ann', 'cat']);
    expect(rejects('age IN ANY $0', [5]).reason).toMatch(/needs a list/);
    expect(rejects('ALL age IN {1, 2}').reason).toMatch(/needs a key path through a list/);
    expect(ids("ALL tags IN {'a', 'b'}")).toEqual(['ann', 'bob']);
    expect(ids('age IN $0', [[5, 7, 30]])).toEqual(['ann', 'cat']);
    expect(ids('age IN $0', [[]])).toEqual([]);
    expect(ids('age IN {1, 2, 3, 4, 5, 6, 30}')).toEqual(['ann', 'cat']);
    expect(ids('ANY ints IN {7, 8, 9, 10, 11, 12}')).toEqual(['cat']);
    expect(ids('ints IN {7, 8, 9, 10, 11, 12}')).toEqual([]); // set against list: element by element (Realm)
    expect(rejects('age IN 5').reason).toMatch(/must be a list/);
  });
  it('@count @size @sum @avg @min @max', () => {
    expect(ids('tags.@count == 0')).toEqual(['bob']);
    expect(ids('tags.@size >= 2')).toEqual(['ann', 'cat']);
    expect(ids('scores.@sum == 6')).toEqual(['ann']);
    expect(ids('scores.@sum == 0')).toEqual(['bob']); // empty sum is 0
    expect(ids('scores.@avg == 2')).toEqual(['ann']);
    expect(ids('scores.@avg == null')).toEqual(['bob']); // empty average is null
    expect(ids('scores.@min == 1 AND scores.@max == 3')).toEqual(['ann']);
    expect(ids('ints.@max > age')).toEqual(['cat']);
    expect(ids('mixes.@sum == 3.5')).toEqual(['ann']);
    expect(ids('mixes.@max == T0:5000000')).toEqual(['cat']);
    expect(rejects('tags.@sum > 1').reason).toMatch(/needs numbers/);
  });
});

describe('numbers, dates and other types', () => {
  it('compares int, double and decimal by value', () => {
    expect(ids('balance > 10')).toEqual(['ann']);
    expect(ids('balance == 10.5')).toEqual(['ann']);
    expect(ids('balance == 0.1')).toEqual(['cat']);
    expect(ids('balance < $0', [Decimal128.fromString('0.2')])).toEqual(['cat']);
    expect(ids('m == 5')).toEqual(['bob', 'cat']); // int 5 and decimal 5.0 in a mixed field
    expect(ids('height > 1.5')).toEqual(['ann']);
    expect(ids('age > 4.5')).toEqual(['ann', 'cat']);
    expect(ids('visits > 0x0A')).toEqual(['cat']);
    expect(ids('height == $0', [1.7])).toEqual(['ann']);
    expect(ids('age BETWEEN {5, 30}')).toEqual(['ann', 'cat']);
  });
  it('dates: readable, T-form, sub-millisecond constants', () => {
    expect(ids('born == 1990-01-01@00:00:00')).toEqual(['ann']);
    expect(ids('born < 1990-01-01T00:00:00')).toEqual(['cat']);
    expect(ids('born == T1:500000000')).toEqual(['cat']);
    expect(ids('born > T1:499999999')).toEqual(['ann', 'cat']);
    expect(ids('born == T1:500000001')).toEqual([]);
    expect(ids('born < T1:500000001')).toEqual(['cat']);
    expect(ids('born >= $0', [new Date(1500)])).toEqual(['ann', 'cat']);
    expect(rejects("born == '1990'").reason).toMatch(/cannot compare date with string/);
  });
  it('objectId, uuid, bool, binary', () => {
    expect(ids(`oid == oid(${OID})`)).toEqual(['ann']);
    expect(ids(`uid == uuid(${UID})`)).toEqual(['ann']);
    expect(ids('uid == $0', [new UUID(UID)])).toEqual(['ann']);
    expect(ids('flag == true')).toEqual(['ann', 'cat']);
    expect(ids('flag < true')).toEqual(['bob']);
    expect(ids('avatar == $0', [new Uint8Array([1, 2, 3])])).toEqual(['ann']);
    expect(ids('avatar BEGINSWITH B64"AQI="')).toEqual(['ann']);
    expect(ids("avatar CONTAINS ''")).toEqual(['ann', 'cat']);
    // As in Realm, absent (null) data has size 0.
    expect(ids('avatar.@size == 0')).toEqual(['bob', 'cat']);
    // uuids order by their bytes, as in Realm; null satisfies no ordering.
    expect(ids(`uid >= uuid(${UID})`)).toEqual(['ann']);
    expect(ids('uid > uuid(00000000-0000-0000-0000-000000000000)')).toEqual(['ann']);
    expect(ids('uid < uuid(00000000-0000-0000-0000-000000000000)')).toEqual([]);
    // A null argument may be ordered against (Realm): < and > match nothing, <= and >= match null.
    expect(ids('uid >= $0', [null])).toEqual(['bob', 'cat']);
    expect(ids('uid > $0', [null])).toEqual([]);
    expect(rejects('uid > null').reason).toMatch(/with null/);
  });
  it('mixed fields accept any constant and match by kind', () => {
    expect(ids("m == 'text'")).toEqual(['ann']);
    expect(ids('m > 1')).toEqual(['bob', 'cat']);
    expect(ids("m > 'a'")).toEqual(['ann']);
    expect(ids('m == null')).toEqual([]);
    expect(ids("m CONTAINS 'ex'")).toEqual(['ann']);
    expect(ids('mixes == null')).toEqual(['ann']);
    expect(ids('mixes == true')).toEqual(['cat']);
  });
});

describe('dictionaries', () => {
  it("dict['key'], dict.key, @keys, @values, @count", () => {
    expect(ids("nick['home'] == 'Annie'")).toEqual(['ann']);
    expect(ids("nick.home BEGINSWITH 'K'")).toEqual(['cat']);
    expect(ids("nick['work'] == null")).toEqual(['bob', 'cat']); // a missing key reads as null
    expect(ids("nick.@keys == 'work'")).toEqual(['ann']);
    expect(ids("nick.@values == 'Kitty'")).toEqual(['cat']);
    expect(ids("nick == 'Kitty'")).toEqual(['cat']); // values, ANY
    expect(ids('nick.@count == 0')).toEqual(['bob']);
    expect(ids('counts.@sum == 6')).toEqual(['ann']);
    expect(ids('counts.@max == 0')).toEqual(['cat']);
    expect(ids('ALL counts.@values > 0')).toEqual(['ann', 'bob']);
  });
});

describe('links and embedded objects', () => {
  it('follows to-one links and lists of links (missing targets skipped)', () => {
    expect(ids("best.name == 'Rex'")).toEqual(['ann']);
    expect(ids('best.name == null')).toEqual(['bob', 'cat']); // null link, missing target
    expect(ids("pets.name == 'Tom'")).toEqual(['bob']);
    expect(ids('pets.@count == 2')).toEqual(['ann']); // the missing target 99 is skipped
    expect(ids('pets.@sum.age == 13')).toEqual(['ann']);
    expect(ids('pets.age.@max == 10')).toEqual(['ann']);
    expect(ids('pets.@avg.age == 7')).toEqual(['bob']);
    expect(ids("pets.owner.name == 'Ann'")).toEqual(['ann']);
    expect(ids('ALL pets.age > 2')).toEqual(['ann', 'bob', 'cat']);
  });
  it('compares links with objects and with primary keys', () => {
    expect(ids('best == $0', [pets[0]])).toEqual(['ann']);
    expect(ids('best == $0', [1])).toEqual(['ann']);
    expect(ids('pets == $0', [pets[2]])).toEqual(['ann']);
    expect(ids('best != $0', [pets[0]])).toEqual(['bob', 'cat']);
    expect(rejects('best == $0', [{ name: 'x' }]).reason).toMatch(/not a Pet object/);
    expect(rejects("best == 'x'").reason).toMatch(/cannot compare link to Pet with string/);
  });
  it('embedded objects and lists of them', () => {
    expect(ids("address.city == 'Oslo'")).toEqual(['ann']);
    expect(ids('address.geo.lat < 0')).toEqual(['cat']);
    expect(ids("addresses.city == 'Bergen'")).toEqual(['ann']);
    expect(ids('addresses.geo.lat > 61')).toEqual(['cat']);
    expect(ids('addresses.geo.lat == null')).toEqual([]); // a null embedded object inside a list has no values
    expect(ids('addresses.@count == 1')).toEqual(['cat']);
  });
  it('needs a resolver to follow links', () => {
    const q = compileQuery(schema, 'Person', "best.name == 'Rex'");
    expect(q.needsResolver).toBe(true);
    expect(() => q.matches(people[0]!)).toThrow(QueryError);
    expect(compileQuery(schema, 'Person', "name == 'Ann'").needsResolver).toBe(false);
  });
});

describe('SUBQUERY', () => {
  it('counts the elements matching a predicate', () => {
    expect(ids("SUBQUERY(pets, $p, $p.age > 2 AND $p.name BEGINSWITH 'R').@count == 2")).toEqual(['ann']);
    expect(ids('SUBQUERY(pets, $p, age > 5).@count > 0')).toEqual(['ann', 'bob']);
    expect(ids("SUBQUERY(addresses, $a, $a.city == 'Oslo').@count == 1")).toEqual(['ann']);
    expect(rejects('SUBQUERY(tags, $t, $t == 1).@count > 0').reason).toMatch(/list or set of objects/);
    expect(rejects('SUBQUERY(pets, $p, $q.age > 1).@count > 0').reason).toMatch(/unknown variable/);
    expect(rejects('SUBQUERY(pets, $p, SUBQUERY(owner.pets, $p, age > 1).@count > 0).@count > 0').reason).toMatch(/already in use/);
  });
});

describe('logic and constants', () => {
  it('TRUEPREDICATE FALSEPREDICATE AND OR NOT && || !', () => {
    expect(ids('TRUEPREDICATE')).toEqual(['ann', 'bob', 'cat']);
    expect(ids('FALSEPREDICATE')).toEqual([]);
    expect(ids("name == 'Ann' || age == 5")).toEqual(['ann', 'cat']);
    expect(ids("!(name == 'Ann') && flag == true")).toEqual(['cat']);
    expect(ids('1 == 1')).toEqual(['ann', 'bob', 'cat']);
  });
});

describe('SORT, DISTINCT, LIMIT', () => {
  it('apply in order', () => {
    expect(ids('TRUEPREDICATE SORT(visits DESC)')).toEqual(['cat', 'ann', 'bob']);
    expect(ids('TRUEPREDICATE SORT(age ASC)')).toEqual(['bob', 'cat', 'ann']); // null first
    expect(ids('TRUEPREDICATE SORT(flag DESC, name ASC)')).toEqual(['ann', 'cat', 'bob']);
    expect(ids('TRUEPREDICATE DISTINCT(flag)')).toEqual(['ann', 'bob']);
    expect(ids('TRUEPREDICATE LIMIT(2) SORT(visits DESC)')).toEqual(['ann', 'bob']);
    expect(ids('TRUEPREDICATE SORT(visits DESC) LIMIT(2) LIMIT(1)')).toEqual(['cat']);
    expect(ids('TRUEPREDICATE SORT(address.city ASC)')).toEqual(['bob', 'cat', 'ann']);
    expect(ids('TRUEPREDICATE SORT(best.age DESC)')).toEqual(['ann', 'bob', 'cat']);
  });
  it('rejects keys that are not single values', () => {
    expect(rejects('TRUEPREDICATE SORT(tags ASC)').reason).toMatch(/is a list/);
    expect(rejects('TRUEPREDICATE SORT(address ASC)').reason).toMatch(/is an object/);
    expect(rejects('TRUEPREDICATE DISTINCT(nope)').reason).toMatch(/no property/);
  });
});

describe('type checking', () => {
  const cases: [string, unknown[], RegExp][] = [
    ["age == 'x'", [], /cannot compare int with string/],
    ['name > 5', [], /cannot compare string with int/],
    ['flag == 0', [], /cannot compare bool with int/],
    ['age BEGINSWITH 1', [], /BEGINSWITH needs strings/],
    ['age ==[c] 5', [], /\[c\] and \[d\] apply to strings/],
    ['nope == 1', [], /Person has no property 'nope'/],
    ['age == $1', [1], /argument \$1 is not provided/],
    ['age == $0', [Symbol('x')], /type queries do not support/],
    ['age == $0', [new Date(NaN)], /invalid date/],
    ['ANY age == 1', [], /ANY needs a key path through a list/],
    ['tags.foo == 1', [], /no property 'foo'/],
    ['age BETWEEN {1}', [], /BETWEEN/],
    ['age BETWEEN $0', [[1, 2, 3]], /exactly two values/],
    ['address == $0', [{}], /cannot compare/],
    ['age == 1 AND name == $0', [5], /cannot compare string with int/],
  ];
  for (const [text, args, re] of cases) {
    it(text, () => {
      const e = rejects(text, args);
      expect(e.reason).toMatch(re);
      expect(e.message).toMatch(/at offset \d+/);
    });
  }
  it('points at the offending part', () => {
    expect(rejects("age == 1 AND name == 'x' AND flag == 'y'").position).toBe(37);
    expect(rejects('age == 1 AND nope > 1').position).toBe(13);
  });
});

describe('Realm forms: arithmetic, list positions, bin(), obj(), null with string operators', () => {
  it('arithmetic: precedence, parentheses, numeric types', () => {
    expect(ids('age * 2 > 50')).toEqual(['ann']);
    expect(ids('2 * age + 5 == 65')).toEqual(['ann']);
    expect(ids('2 * (age - 5) == 50')).toEqual(['ann']);
    expect(ids('(age - 5) * 2 == 0')).toEqual(['cat']);
    expect(ids('age / 2 == 2.5')).toEqual(['cat']); // not truncated
    expect(ids('age + height > 31')).toEqual(['ann']);
    expect(ids('age - 1 == $0', [29])).toEqual(['ann']);
    expect(ids('balance * 2 == 21')).toEqual(['ann']);
    expect(ids('ANY scores * 10 == 100')).toEqual(['cat']);
    expect(ids('ALL {1, 2} + 1 IN scores')).toEqual(['ann']);
    expect(rejects('age + name == 1').reason).toMatch(/numbers/);
    expect(rejects('{1, 2} * {3} == age').reason).toMatch(/both sides/);
  });
  it('list positions', () => {
    expect(ids('scores[FIRST] == 1')).toEqual(['ann']);
    expect(ids('scores[last] == 3')).toEqual(['ann']);
    expect(ids('scores[1] == 2')).toEqual(['ann']);
    expect(ids('scores[$0] == 10', [0])).toEqual(['cat']);
    expect(ids('scores[*] > 5')).toEqual(['cat']);
    expect(ids("pets[first].name == 'Rex'")).toEqual(['ann']);
    expect(rejects('ints[0] == 1').reason).toMatch(/only lists/);
    expect(rejects("nick[FIRST] == 'x'").reason).toMatch(/keys, not positions/);
  });
  it('bin() and obj() literals', () => {
    expect(ids('avatar BEGINSWITH bin(B64"AQI=")')).toEqual(['ann']);
    expect(ids("avatar == bin('')")).toEqual(['cat']);
    expect(ids("best == obj('Pet', 1)")).toEqual(['ann']);
    expect(ids("pets == obj('Pet', $0)", [2])).toEqual(['bob']);
    expect(ids("pets == ANY {obj('Pet', 2), obj('Pet', 3)}")).toEqual(['ann', 'bob']);
    expect(rejects("best == obj('Nope', 1)").reason).toMatch(/top-level object type/);
  });
  it('null with string operators means the null string', () => {
    expect(ids('name CONTAINS NULL')).toEqual(['ann', 'bob', 'cat']);
    expect(ids('name BEGINSWITH[c] NULL')).toEqual(['ann', 'bob', 'cat']);
    expect(ids('name LIKE NULL')).toEqual([]);
    expect(ids('NULL BEGINSWITH name')).toEqual([]);
    expect(ids('avatar ENDSWITH NULL')).toEqual(['ann', 'bob', 'cat']);
    expect(ids('avatar LIKE NULL')).toEqual(['bob']);
  });
  it('errors Realm raises', () => {
    expect(rejects('pets == NULL').reason).toMatch(/list of links/);
    expect(rejects('scores == scores').reason).toMatch(/ANY, ALL or NONE/);
    expect(rejects('scores BETWEEN {1, 2}').reason).toMatch(/needs ALL/);
    expect(ids('ALL scores BETWEEN {1, 3}')).toEqual(['ann', 'bob']);
    expect(rejects('age == infinity').reason).toMatch(/infinity/);
    expect(rejects("name == '\\a'").reason).toMatch(/escape/);
  });
});
