/**
 * Differential test: random subscription-subset queries over 1,000 random objects must select the
 * same objects through the evaluator, through the SQL translation on SQLite (better-sqlite3, in
 * memory) and through the SQL translation on the PostgreSQL server at 127.0.0.1:5432 (user
 * postgres, database test). PostgreSQL being unreachable is a failure, never a skip.
 *
 * The seed is random unless RQL_SEED is set; a failure prints it (rerun with RQL_SEED=<seed>).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type ObjectRecord } from '../model/index.ts';
import { CompiledQuery, createResolver } from './compile.ts';
import { Rand, diffQueryable, diffSchema, prng, randomItem, randomPeople, randomSubscriptionQuery } from '../sim/diff-fixtures.ts';
import { QueryError } from './errors.ts';
import { toSql, toSqlForView } from './sql.ts';
import { fromStorageDocument, objectsTableDdl, storagePrimaryKey, toStorageJson } from './storage-doc.ts';
import { validateSubscription } from './subscription.ts';
import { compilePermissionFilter } from './permissions.ts';

const SEED = process.env.RQL_SEED ? Number(process.env.RQL_SEED) : Math.floor(Math.random() * 2 ** 31);
const OBJECTS = 1000;
const QUERIES = 400;
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

const rand = new Rand(prng(SEED));
const items = Array.from({ length: OBJECTS }, (_, i) => randomItem(rand, i));
const people = randomPeople();
const resolver = createResolver(diffSchema, [
  ...items.map((record) => ({ type: 'Item', record })),
  ...people.map((record) => ({ type: 'Person', record })),
]);

const pgSchema = `outpost_rql_${process.pid}_${Date.now().toString(36)}`;
const pgTable = `${pgSchema}.objects`;
let client: pg.Client;
const sqlite = new Database(':memory:');

function fail(message: string): never {
  throw new Error(`${message}\n  seed: ${SEED} (rerun with RQL_SEED=${SEED})`);
}

const byPk = new Map(items.map((rec) => [storagePrimaryKey(rec._id as number), rec]));

/** The rows' objects (looked up by the pk column), post-filtered with the evaluator when inexact. */
function rowsToIds(rows: { pk: string }[], q: CompiledQuery, exact: boolean): number[] {
  const recs = rows.map((r) => byPk.get(r.pk)!);
  const kept = exact ? recs : recs.filter((rec) => q.matches(rec, resolver));
  return kept.map((r) => r._id as number).sort((a, b) => a - b);
}

function idsOf(recs: ObjectRecord[]): number[] {
  return recs.map((r) => r._id as number).sort((a, b) => a - b);
}

async function insertAll(): Promise<void> {
  const all = [
    ...items.map((record) => ({ type: 'Item', record })),
    ...people.map((record) => ({ type: 'Person', record })),
  ];
  sqlite.exec(objectsTableDdl('sqlite'));
  const ins = sqlite.prepare('INSERT INTO objects (type, pk, doc) VALUES (?, ?, ?)');
  sqlite.transaction(() => {
    for (const { type, record } of all) {
      const t = diffSchema.require(type);
      ins.run(type, storagePrimaryKey(record[t.primaryKey!] as string), toStorageJson(record, t));
    }
  })();
  for (let i = 0; i < all.length; i += 200) {
    const batch = all.slice(i, i + 200);
    const values: string[] = [];
    const params: unknown[] = [];
    for (const { type, record } of batch) {
      const t = diffSchema.require(type);
      params.push(type, storagePrimaryKey(record[t.primaryKey!] as string), toStorageJson(record, t));
      values.push(`($${params.length - 2}, $${params.length - 1}, $${params.length}::jsonb)`);
    }
    await client.query(`INSERT INTO ${pgTable} (type, pk, doc) VALUES ${values.join(', ')}`, params);
  }
}

beforeAll(async () => {
  client = new pg.Client(PG);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is unreachable at ${PG.host}:${PG.port} (user ${PG.user}, database ${PG.database}): ${(err as Error).message}. ` +
        'This test needs the real server; it does not skip.',
    );
  }
  await client.query(`CREATE SCHEMA ${pgSchema}`);
  await client.query(objectsTableDdl('postgres', pgTable));
  await insertAll();
});

afterAll(async () => {
  sqlite.close();
  if (client) {
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    } finally {
      await client.end();
    }
  }
});

describe('SQL translation agrees with the evaluator (SQLite and PostgreSQL)', () => {
  it(`${QUERIES} random subscription queries over ${OBJECTS} random objects`, async () => {
    let valid = 0;
    let exactCount = 0;
    let attempts = 0;
    const stats = { sqliteRows: 0, pgRows: 0, matches: 0 };
    while (valid < QUERIES) {
      if (++attempts > QUERIES * 5) fail(`only ${valid} of ${attempts} random queries were valid`);
      const { text, args } = randomSubscriptionQuery(rand);
      let q: CompiledQuery;
      try {
        q = validateSubscription(diffSchema, 'Item', text, args, diffQueryable);
      } catch (err) {
        if (err instanceof QueryError) continue; // e.g. `m < $0` with a uuid: rejected by the type checker
        throw err;
      }
      valid++;
      const expected = idsOf(q.filter(items, resolver));
      stats.matches += expected.length;
      const describeQ = (): string => `query: ${text}\n  args: ${JSON.stringify(args)}`;

      const s = toSql(q, 'sqlite');
      let sRows: { pk: string; doc: string }[];
      try {
        sRows = sqlite.prepare(s.sql).all(...(s.params as never[])) as { pk: string; doc: string }[];
      } catch (err) {
        fail(`SQLite rejected the SQL: ${(err as Error).message}\n  ${describeQ()}\n  sql: ${s.sql}`);
      }
      stats.sqliteRows += sRows.length;
      if (s.exact) exactCount++;
      const sIds = rowsToIds(sRows, q, s.exact);
      const raw = rowsToIds(sRows, q, true);
      if (JSON.stringify(sIds) !== JSON.stringify(expected)) {
        fail(`SQLite differs (exact=${s.exact})\n  ${describeQ()}\n  evaluator: ${JSON.stringify(expected)}\n  sqlite:    ${JSON.stringify(sIds)}\n  raw rows:  ${JSON.stringify(raw)}\n  sql: ${s.sql}\n  params: ${JSON.stringify(s.params)}`);
      }
      if (!s.exact && !expected.every((id) => raw.includes(id))) fail(`SQLite superset misses rows\n  ${describeQ()}`);

      const p = toSql(q, 'postgres', { table: pgTable });
      let pRows: { pk: string; doc: object }[];
      try {
        pRows = (await client.query(p.sql, p.params)).rows as { pk: string; doc: object }[];
      } catch (err) {
        fail(`PostgreSQL rejected the SQL: ${(err as Error).message}\n  ${describeQ()}\n  sql: ${p.sql}\n  params: ${JSON.stringify(p.params)}`);
      }
      stats.pgRows += pRows.length;
      // The documents come back decodable: spot-check the storage round trip on PostgreSQL's jsonb.
      if (valid % 50 === 1 && pRows[0]) {
        // (JSON has no -0; canonical JSON text compares the rest exactly.)
        const back = JSON.stringify(canonicalJson(fromStorageDocument(pRows[0].doc)));
        expect(back).toBe(JSON.stringify(canonicalJson(byPk.get(pRows[0].pk)!)));
      }
      const pIds = rowsToIds(pRows, q, p.exact);
      if (JSON.stringify(pIds) !== JSON.stringify(expected)) {
        fail(`PostgreSQL differs (exact=${p.exact})\n  ${describeQ()}\n  evaluator: ${JSON.stringify(expected)}\n  postgres:  ${JSON.stringify(pIds)}\n  sql: ${p.sql}\n  params: ${JSON.stringify(p.params)}`);
      }
    }
    console.log(
      `sql differential (seed ${SEED}): ${valid} queries (${attempts - valid} rejected by the type checker), ${exactCount} exact on SQLite; ` +
        `evaluator matches ${stats.matches}, SQLite rows ${stats.sqliteRows}, PostgreSQL rows ${stats.pgRows}`,
    );
    expect(valid).toBe(QUERIES);
  }, 300_000);

  it('a session view: subscriptions OR-ed, AND the read filter', async () => {
    const subs = [
      validateSubscription(diffSchema, 'Item', 'n > $0', [3], diffQueryable),
      validateSubscription(diffSchema, 'Item', "tags CONTAINS[c] 'a'", [], diffQueryable),
    ];
    const filter = compilePermissionFilter(diffSchema, 'Item', 'owner == %%user.id OR ok == true', { id: 'p1' }, { queryable: diffQueryable });
    const expected = idsOf(items.filter((o) => subs.some((s) => s.matches(o, resolver)) && filter.matches(o, resolver)));
    const post = (rows: { doc: unknown }[], exact: boolean): number[] =>
      rows
        .map((r) => fromStorageDocument(r.doc as string | object))
        .filter((rec) => exact || (subs.some((s) => s.matches(rec, resolver)) && filter.matches(rec, resolver)))
        .map((r) => r._id as number)
        .sort((a, b) => a - b);
    const s = toSqlForView('Item', subs, filter, 'sqlite');
    expect(post(sqlite.prepare(s.sql).all(...(s.params as never[])) as { doc: string }[], s.exact)).toEqual(expected);
    const p = toSqlForView('Item', subs, filter, 'postgres', { table: pgTable });
    expect(post((await client.query(p.sql, p.params)).rows as { doc: object }[], p.exact)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });
});
