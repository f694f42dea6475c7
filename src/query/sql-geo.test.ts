/**
 * geoWithin in subscriptions: the SQL push-down keeps every row as a candidate (the shape is decided
 * in memory), so the rows SQLite selects, post-filtered by the evaluator when the translation is not
 * exact, must be exactly the evaluator's matches. Seeded random shapes combined with other
 * conditions; a failure prints the seed and the query.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseSchema, type ObjectRecord } from '../model/index.ts';
import { createResolver } from './compile.ts';
import { Rand, prng } from '../sim/diff-fixtures.ts';
import { toSql } from './sql.ts';
import { OBJECTS_TABLE, objectsTableDdl, storagePrimaryKey, toStorageJson } from './storage-doc.ts';
import { validateSubscription } from './subscription.ts';

const schema = parseSchema([
  { name: 'Point', embedded: true, properties: { type: 'string', coordinates: 'double[]' } },
  { name: 'Place', primaryKey: '_id', properties: { _id: 'int', name: 'string', n: 'int', location: 'Point', stops: 'Point[]' } },
]);
const queryable = { byType: { Place: ['_id', 'name', 'n', 'location', 'stops'] } };

function randomPoint(rand: Rand): { type: string; coordinates: number[] } | null {
  if (rand.int(0, (10) - 1) === 0) return null;
  return { type: 'Point', coordinates: [rand.int(0, (3600) - 1) / 10 - 180, rand.int(0, (1800) - 1) / 10 - 90] };
}

function randomShape(rand: Rand): string {
  const lng = (): number => rand.int(0, (2600) - 1) / 10 - 130;
  const lat = (): number => rand.int(0, (1400) - 1) / 10 - 70;
  switch (rand.int(0, (3) - 1)) {
    case 0:
      return `geoCircle([${lng()}, ${lat()}], ${rand.int(0, (100) - 1) / 100})`;
    case 1: {
      const [a, b] = [lat(), lat()].sort((x, y) => x - y);
      return `geoBox([${lng()}, ${a}], [${lng()}, ${b! + 1}])`;
    }
    default: {
      const x = lng();
      const y = lat();
      const w = 5 + rand.int(0, (40) - 1);
      const h = 5 + rand.int(0, (15) - 1);
      const outer = `{[${x}, ${y}], [${x + w}, ${y}], [${x + w}, ${y + h}], [${x}, ${y + h}], [${x}, ${y}]}`;
      const hole = `{[${x + 1}, ${y + 1}], [${x + w / 2}, ${y + 1}], [${x + w / 2}, ${y + h / 2}], [${x + 1}, ${y + 1}]}`;
      return rand.int(0, (2) - 1) ? `geoPolygon(${outer}, ${hole})` : `geoPolygon(${outer})`;
    }
  }
}

function randomQuery(rand: Rand): string {
  const geo = (): string => `${rand.int(0, (3) - 1) === 0 ? `${['ANY', 'ALL', 'NONE'][rand.int(0, (3) - 1)]} stops` : 'location'} geoWithin ${randomShape(rand)}`;
  switch (rand.int(0, (4) - 1)) {
    case 0:
      return geo();
    case 1:
      return `${geo()} AND n > ${rand.int(0, (10) - 1)}`;
    case 2:
      return `${geo()} OR name == 'p${rand.int(0, (20) - 1)}'`;
    default:
      return `NOT (${geo()}) AND n < ${rand.int(0, (10) - 1)}`;
  }
}

describe('geoWithin subscriptions: SQLite candidates filtered by the evaluator equal the evaluator', () => {
  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}`, () => {
      const rand = new Rand(prng(seed));
      const places: ObjectRecord[] = Array.from({ length: 300 }, (_, i) => ({
        _id: i,
        name: `p${i % 20}`,
        n: rand.int(0, (10) - 1),
        location: randomPoint(rand),
        stops: Array.from({ length: rand.int(0, (4) - 1) }, () => randomPoint(rand) ?? { type: 'Point', coordinates: [0, 0] }),
      })) as ObjectRecord[];
      const resolver = createResolver(schema, []);
      const db = new Database(':memory:');
      db.exec(objectsTableDdl('sqlite'));
      const ins = db.prepare(`INSERT INTO ${OBJECTS_TABLE} (type, pk, doc) VALUES (?, ?, ?)`);
      for (const p of places) ins.run('Place', storagePrimaryKey(p._id as number), toStorageJson(p, schema.require('Place')));
      const byPk = new Map(places.map((r) => [storagePrimaryKey(r._id as number), r]));
      let matchedSome = 0;
      for (let i = 0; i < 150; i++) {
        const text = randomQuery(rand);
        const cq = validateSubscription(schema, 'Place', text, [], queryable);
        const expected = cq.filter(places, resolver).map((r) => r._id);
        if (expected.length > 0 && expected.length < places.length) matchedSome++;
        const s = toSql(cq, 'sqlite');
        const rows = db.prepare(s.sql).all(...(s.params as never[])) as { pk: string }[];
        const recs = rows.map((r) => byPk.get(r.pk)!);
        const got = (s.exact ? recs : recs.filter((r) => cq.matches(r, resolver))).map((r) => r._id);
        const sort = (a: unknown[]) => [...a].sort((x, y) => (x as number) - (y as number));
        if (JSON.stringify(sort(got)) !== JSON.stringify(sort(expected))) {
          throw new Error(`seed ${seed}: ${text}\nexpected ${JSON.stringify(sort(expected))}\ngot ${JSON.stringify(sort(got))}\n${s.sql}`);
        }
      }
      // The random shapes are not all trivially empty or full.
      expect(matchedSome).toBeGreaterThan(20);
      db.close();
    });
  }
});
