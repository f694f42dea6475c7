import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Decimal128, canonicalJson } from '../model/index.ts';
import { compileQuery, createResolver, type CompiledQuery } from './compile.ts';
import { Rand, diffQueryable, diffSchema, prng, randomFullQuery, randomItem, randomPeople, randomSubscriptionQuery } from '../sim/diff-fixtures.ts';
import { QueryError } from './errors.ts';
import { astEquals, formatQuery } from './format.ts';
import { parseQuery } from './parser.ts';
import { formatStringLiteral } from './format.ts';
import { toSql, toSqlCondition } from './sql.ts';
import {
  OBJECTS_TABLE,
  decodeStorageValue,
  encodeStorageValue,
  fromStorageDocument,
  objectsTableDdl,
  storagePrimaryKey,
  toStorageDocument,
  toStorageJson,
} from './storage-doc.ts';
import { validateSubscription } from './subscription.ts';

const q = (text: string, args: unknown[] = []): CompiledQuery => compileQuery(diffSchema, 'Item', text, args);

function literalOr(v: string): string {
  try {
    return formatStringLiteral(v);
  } catch {
    return "'fallback'";
  }
}

describe('SQL text never contains query values', () => {
  const hostile = ["'; DROP TABLE objects; --", '" OR 1=1 --', '$.zz"q', "\\'", '%_*?[', 'Robert\u0027); --'];
  it.each(['sqlite', 'postgres'] as const)('%s', (dialect) => {
    for (const v of hostile) {
      const queries = [
        q('name == $0', [v]),
        q('name BEGINSWITH[c] $0', [v]),
        q('name LIKE $0', [v]),
        q('tags IN {$0, $1}', [v, 'x']),
        q(`attrs[${literalOr(v)}] == 'a'`),
        q('m == $0', [v]),
        q('owner == $0', [v]),
      ];
      for (const cq of queries) {
        const s = toSql(cq, dialect);
        expect(s.sql).not.toContain(v);
        expect(s.sql).not.toContain('DROP');
      }
      expect(toSql(queries[0]!, dialect).params).toContain(v);
    }
  });

  it('rejects a bad table name (configuration, never user input)', () => {
    expect(() => toSql(q('n == 1'), 'sqlite', { table: 'objects; DROP TABLE x' })).toThrow(/invalid table name/);
    expect(toSql(q('n == 1'), 'postgres', { table: 'app.objects' }).sql).toContain('FROM "app"."objects" AS o');
  });

  it('numbers PostgreSQL parameters from paramStart', () => {
    const c = toSqlCondition(q("n == 1 AND name == 'a'"), 'postgres', { paramStart: 5 });
    expect(c.text).toContain('o.doc @> $5::jsonb');
    expect(c.text).toContain('$7::numeric');
    expect(c.text).toContain('$8::text');
    expect(c.params).toEqual(['{"n":1}', '{"name":"a"}', '1', 'a']);
    const full = toSql(q('n == 1'), 'postgres');
    expect(full.sql).toMatch(/^SELECT o\.pk, o\.doc FROM "objects" AS o WHERE o\.type = \$1::text AND \(/);
    expect(full.params[0]).toBe('Item');
  });
});

describe('index hints', () => {
  it('lets SQLite use the primary key and expression indexes', () => {
    const db = new Database(':memory:');
    db.exec(objectsTableDdl('sqlite'));
    db.exec("CREATE INDEX objects_item_name ON objects (type, json_extract(doc, '$.name'))");
    const plan = (sql: string, params: unknown[]): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as { detail: string }[]).map((r) => r.detail).join('; ');
    const byName = toSql(q("name == 'a' AND n > 1"), 'sqlite');
    expect(plan(byName.sql, byName.params)).toMatch(/USING INDEX objects_item_name/);
    const byPk = toSql(q('_id == 5 AND ok == true'), 'sqlite');
    expect(byPk.sql).toContain('o.pk = ?');
    expect(plan(byPk.sql, byPk.params)).toMatch(/USING INDEX sqlite_autoindex_objects_1 \(type=\? AND pk=\?\)/);
    db.close();
  });
});

describe('exactness', () => {
  const cases: [string, unknown[], boolean, boolean][] = [
    // text, args, exact on SQLite, exact on PostgreSQL
    ["name == 'a' AND n > 1 OR NOT tags == 'x'", [], true, true],
    ["ALL tags BEGINSWITH 'a' AND attrs['k'] == 'v' AND attrs.@keys == 'k'", [], true, true],
    ["addr.city == 'Oslo' AND addrs.geo.lat > 1", [], true, true],
    ['when > T1:5 AND ref == $0 AND u == $1 AND blob == $2', [null, null, new Uint8Array([1])], true, true],
    ["name ==[c] 'a'", [], false, false],
    ["NOT name CONTAINS[d] 'e'", [], false, false],
    ['price > 1', [], false, true],
    ['m == $0', [Decimal128.fromString('1')], false, true],
    ['blob BEGINSWITH $0', [new Uint8Array([1])], false, true],
    ['blob LIKE $0', [new Uint8Array([1])], false, false],
    ["owner.name == 'P1'", [], false, false],
    ['tags.@count > 1', [], false, false],
    ['x > inf', [], false, false],
    // Quantified constant lists and null with string operators are carried exactly.
    ['n == ALL {1, 2} OR name != NONE {$0} OR n > ANY {}', ['a'], true, true],
    ['name CONTAINS NULL AND blob LIKE NULL AND NOT tags ENDSWITH NULL', [], true, true],
    // Realm forms outside the subset: the rows are a superset, the evaluator decides.
    ["tags == {'a'}", [], false, false],
    ['n * 2 > 1', [], false, false],
    ['nums[FIRST] == 1', [], false, false],
    ["ANY {'a'} IN tags", [], false, false],
  ];
  for (const [text, args, sqliteExact, pgExact] of cases) {
    it(text, () => {
      expect(toSql(q(text, args), 'sqlite').exact).toBe(sqliteExact);
      expect(toSql(q(text, args), 'postgres').exact).toBe(pgExact);
    });
  }
});

describe('SQLite results equal the evaluator (fixed seeds)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, () => {
      const rand = new Rand(prng(seed));
      const items = Array.from({ length: 300 }, (_, i) => randomItem(rand, i));
      const people = randomPeople();
      const resolver = createResolver(diffSchema, [
        ...items.map((record) => ({ type: 'Item', record })),
        ...people.map((record) => ({ type: 'Person', record })),
      ]);
      const db = new Database(':memory:');
      db.exec(objectsTableDdl('sqlite'));
      const ins = db.prepare(`INSERT INTO ${OBJECTS_TABLE} (type, pk, doc) VALUES (?, ?, ?)`);
      for (const it of items) ins.run('Item', storagePrimaryKey(it._id as number), toStorageJson(it, diffSchema.require('Item')));
      const byPk = new Map(items.map((r) => [storagePrimaryKey(r._id as number), r]));
      let n = 0;
      while (n < 250) {
        const { text, args } = randomSubscriptionQuery(rand);
        let cq: CompiledQuery;
        try {
          cq = validateSubscription(diffSchema, 'Item', text, args, diffQueryable);
        } catch (err) {
          if (err instanceof QueryError) continue;
          throw err;
        }
        n++;
        const expected = cq.filter(items, resolver).map((r) => r._id);
        const s = toSql(cq, 'sqlite');
        const rows = db.prepare(s.sql).all(...(s.params as never[])) as { pk: string }[];
        const recs = rows.map((r) => byPk.get(r.pk)!);
        const got = (s.exact ? recs : recs.filter((r) => cq.matches(r, resolver))).map((r) => r._id);
        const sort = (a: unknown[]) => [...a].sort((x, y) => (x as number) - (y as number));
        if (JSON.stringify(sort(got)) !== JSON.stringify(sort(expected))) {
          throw new Error(`seed ${seed}: ${text} args=${JSON.stringify(args)}\nexpected ${JSON.stringify(sort(expected))}\ngot ${JSON.stringify(sort(got))}\n${s.sql}`);
        }
      }
      db.close();
    });
  }
});

describe('the whole language: SQLite superset + evaluator post-filter equals the evaluator', () => {
  it('random full-language queries (links, aggregates, SUBQUERY, SORT/DISTINCT/LIMIT), fixed seed', () => {
    const rand = new Rand(prng(11));
    const items = Array.from({ length: 200 }, (_, i) => randomItem(rand, i));
    const people = randomPeople();
    const resolver = createResolver(diffSchema, [
      ...items.map((record) => ({ type: 'Item', record })),
      ...people.map((record) => ({ type: 'Person', record })),
    ]);
    const db = new Database(':memory:');
    db.exec(objectsTableDdl('sqlite'));
    const ins = db.prepare('INSERT INTO objects (type, pk, doc) VALUES (?, ?, ?)');
    for (const it of items) ins.run('Item', storagePrimaryKey(it._id as number), toStorageJson(it));
    const order = new Map(items.map((r, i) => [storagePrimaryKey(r._id as number), i]));
    let compiled = 0;
    for (let i = 0; i < 1500; i++) {
      const { text, args } = randomFullQuery(rand);
      let cq: CompiledQuery;
      try {
        cq = compileQuery(diffSchema, 'Item', text, args);
      } catch (err) {
        if (err instanceof QueryError) continue;
        throw err;
      }
      compiled++;
      expect(astEquals(parseQuery(formatQuery(cq.ast)), cq.ast)).toBe(true);
      const expected = cq.run(items, resolver).map((r) => r._id);
      const s = toSql(cq, 'sqlite');
      const rows = (db.prepare(s.sql).all(...(s.params as never[])) as { pk: string }[]).sort((a, b) => order.get(a.pk)! - order.get(b.pk)!);
      const recs = rows.map((r) => items[order.get(r.pk)!]!);
      const got = cq.run(s.exact ? recs : recs.filter((r) => cq.matches(r, resolver)), resolver).map((r) => r._id);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${text} args=${JSON.stringify(args)}\n${s.sql}`);
    }
    expect(compiled).toBeGreaterThan(1300);
    db.close();
  });
});

describe('storage documents', () => {
  it('encode every kind as the contract says', () => {
    expect(encodeStorageValue(new Date(5))).toEqual({ $date: 5 });
    expect(encodeStorageValue(Decimal128.fromString('1.50'))).toEqual({ $decimal: '1.50' });
    expect(encodeStorageValue(new Uint8Array([1, 2, 3]))).toEqual({ $binary: 'AQID' });
    expect(encodeStorageValue(NaN)).toEqual({ $double: 'NaN' });
    expect(encodeStorageValue(-Infinity)).toEqual({ $double: '-Infinity' });
    expect(encodeStorageValue(-0)).toBe(0);
    expect(decodeStorageValue({ $uuid: 'd1b186e1e9e04768a1a7c492519d47ee' })).toEqual(decodeStorageValue(encodeStorageValue(decodeStorageValue({ $uuid: 'd1b186e1e9e04768a1a7c492519d47ee' }))));
    expect(storagePrimaryKey('abc')).toBe('sabc');
    expect(storagePrimaryKey(5)).toBe('d5');
    expect(objectsTableDdl('postgres')).toContain('doc JSONB NOT NULL');
  });

  it('round-trip random objects', () => {
    const rand = new Rand(prng(7));
    const t = diffSchema.require('Item');
    for (let i = 0; i < 300; i++) {
      const rec = randomItem(rand, i);
      const doc = toStorageDocument(rec, t);
      expect(Object.keys(doc).sort()).toEqual([...t.properties.keys()].sort());
      const back = fromStorageDocument(toStorageJson(rec, t));
      expect(JSON.stringify(canonicalJson(back))).toBe(JSON.stringify(canonicalJson(rec)));
    }
  });
});
