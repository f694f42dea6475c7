import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../changeset/index.ts';
import { Decimal128, ObjectId, UUID, parseSchema, type ObjectRecord } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import { ImportDocumentError, importData, type InsertDocument } from './import-data.ts';

/*
 * import-data on MongoDB Extended JSON as mongoexport writes it: every value type the model has,
 * canonical and relaxed, one document a line or a JSON array; documents that do not fit are
 * refused by line while the rest goes in; an interrupted import resumes without duplicates.
 * (Into a real server with a connected client: import.process.test.ts.)
 */

const schema = parseSchema([
  { name: 'Person', primaryKey: '_id', properties: { _id: 'objectId', name: 'string' } },
  { name: 'Address', embedded: true, properties: { street: 'string', city: 'string?' } },
  {
    name: 'Sample',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      name: 'string',
      count: 'int',
      big: 'int',
      ratio: 'double',
      approx: 'float',
      flag: 'bool',
      at: 'date',
      uid: 'uuid',
      price: 'decimal',
      blob: 'data',
      any: 'mixed',
      visits: 'counter',
      note: 'string?',
      tags: 'string[]',
      labels: 'string<>',
      scores: 'double?[]',
      counts: 'int{}',
      address: 'Address?',
      stops: 'Address[]',
      owner: 'Person?',
      friends: 'Person[]',
    },
  },
]);

const OID = '5f1a2b3c4d5e6f7a8b9c0d1e';
const PERSON = '65a1b2c3d4e5f60718293a4b';
const UID = '12345678-9012-3456-7890-123456789012';

const canonical = JSON.stringify({
  _id: { $oid: OID },
  name: 'canonical',
  count: { $numberInt: '42' },
  big: { $numberLong: '9007199254740991' },
  ratio: { $numberDouble: '0.25' },
  approx: { $numberDouble: '1.5' },
  flag: true,
  at: { $date: { $numberLong: '1700000000123' } },
  uid: { $binary: { base64: 'EjRWeJASNFZ4kBI0VniQEg==', subType: '04' } },
  price: { $numberDecimal: '12.34' },
  blob: { $binary: { base64: 'AQID', subType: '00' } },
  any: { $numberLong: '7' },
  visits: { $numberInt: '3' },
  note: null,
  tags: ['a', 'b'],
  labels: ['x', 'y'],
  scores: [{ $numberDouble: '1.0' }, null, { $numberDouble: '-Infinity' }],
  counts: { red: { $numberInt: '1' }, blue: { $numberLong: '2' } },
  address: { street: 'Main St', city: 'Springfield' },
  stops: [{ street: 'A' }, { street: 'B', city: null }],
  owner: { $oid: PERSON },
  friends: [{ $oid: PERSON }],
});

const relaxed = JSON.stringify({
  _id: { $oid: '5f1a2b3c4d5e6f7a8b9c0d1f' },
  name: 'relaxed',
  count: 42,
  big: -9007199254740991,
  ratio: 0.25,
  approx: 2,
  flag: false,
  at: { $date: '2023-11-14T22:13:20.123Z' },
  uid: { $uuid: UID },
  price: { $numberDecimal: '-0.001' },
  blob: { $binary: { base64: '', subType: '00' } },
  any: { $date: '2020-01-01T00:00:00Z' },
  visits: 0,
  tags: [],
  counts: {},
  owner: null,
});

function sink(): { insert: InsertDocument; stored: Map<string, ObjectRecord> } {
  const stored = new Map<string, ObjectRecord>();
  return {
    stored,
    async insert(type, object) {
      const rec = decodeValue(object) as ObjectRecord;
      const key = `${type}:${String(rec._id)}`;
      if (stored.has(key)) return 'exists';
      stored.set(key, rec);
      return 'inserted';
    },
  };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'outpost-import-data-')), name);
  writeFileSync(path, text);
  return path;
}

describe('import-data', () => {
  it('imports every value type, canonical and relaxed', async () => {
    const s = sink();
    const result = await importData({ file: file('sample.json', `${canonical}\n${relaxed}\n`), type: 'Sample', schema, insert: s.insert });
    expect(result).toMatchObject({ imported: 2, existing: 0, failed: 0, done: true, line: 2 });
    const c = s.stored.get(`Sample:${OID}`)!;
    expect(c._id).toEqual(new ObjectId(OID));
    expect(c.count).toBe(42);
    expect(c.big).toBe(9007199254740991);
    expect(c.ratio).toBe(0.25);
    expect(c.approx).toBe(1.5);
    expect(c.flag).toBe(true);
    expect(c.at).toEqual(new Date(1700000000123));
    expect((c.uid as UUID).toHexString(true)).toBe(UID);
    expect(c.price).toEqual(Decimal128.fromString('12.34'));
    expect([...(c.blob as Uint8Array)]).toEqual([1, 2, 3]);
    expect(c.any).toBe(7);
    expect(c.visits).toBe(3);
    expect(c.note).toBeNull();
    expect(c.tags).toEqual(['a', 'b']);
    expect(c.labels).toEqual(['x', 'y']);
    expect(c.scores).toEqual([1, null, -Infinity]);
    expect({ ...(c.counts as object) }).toEqual({ red: 1, blue: 2 });
    expect({ ...(c.address as object) }).toEqual({ street: 'Main St', city: 'Springfield' });
    expect((c.stops as ObjectRecord[]).map((x) => ({ ...x }))).toEqual([{ street: 'A', city: null }, { street: 'B', city: null }]);
    expect(c.owner).toEqual(new ObjectId(PERSON));
    expect(c.friends).toEqual([new ObjectId(PERSON)]);

    const r = s.stored.get('Sample:5f1a2b3c4d5e6f7a8b9c0d1f')!;
    expect(r.big).toBe(-9007199254740991);
    expect(r.approx).toBe(2);
    expect(r.at).toEqual(new Date('2023-11-14T22:13:20.123Z'));
    expect((r.uid as UUID).toHexString(true)).toBe(UID);
    expect(r.price).toEqual(Decimal128.fromString('-0.001'));
    expect([...(r.blob as Uint8Array)]).toEqual([]);
    expect(r.any).toEqual(new Date('2020-01-01T00:00:00Z'));
    expect(r.owner).toBeNull();
    expect(r.tags).toEqual([]);
  });

  it('reads a JSON array (mongoexport --jsonArray)', async () => {
    const s = sink();
    const result = await importData({ file: file('sample.json', `[${canonical},\n${relaxed}]`), type: 'Sample', schema, insert: s.insert });
    expect(result).toMatchObject({ imported: 2, failed: 0 });
  });

  it('refuses each document that does not fit, by line, and imports the rest', async () => {
    const s = sink();
    const doc = (id: string, extra: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(relaxed), _id: { $oid: id }, ...extra });
    const lines = [
      doc('000000000000000000000001', {}),
      doc('000000000000000000000002', { count: 'forty-two' }),
      doc('000000000000000000000003', { any: { $timestamp: { t: 1, i: 1 } } }),
      '',
      doc('000000000000000000000005', { colour: 'red' }),
      '{"_id": {"$oid": "000000000000000000000006"}, "name": ',
      doc('000000000000000000000007', { big: { $numberLong: '9007199254740993' } }),
      doc('000000000000000000000008', { name: null }),
      doc('000000000000000000000009', {}),
    ];
    const errors: ImportDocumentError[] = [];
    const result = await importData({ file: file('bad.json', lines.join('\n')), type: 'Sample', schema, insert: s.insert, onError: (e) => errors.push(e) });
    expect(result).toMatchObject({ imported: 2, failed: 6, line: 9, done: true });
    expect(errors.map((e) => e.line)).toEqual([2, 3, 5, 6, 7, 8]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(OutpostError);
      expect(e.code).toBe('schema_violation');
      expect(e.message).toMatch(new RegExp(`^line ${e.line}: `));
    }
    expect(errors[0]!.message).toContain('Sample.count');
    expect(errors[1]!.message).toContain('$timestamp');
    expect(errors[2]!.message).toContain('colour');
    expect(errors[3]!.message).toContain('not valid JSON');
    expect(errors[4]!.message).toContain('safe range');
    expect(errors[5]!.message).toContain('name');
    expect([...s.stored.keys()]).toEqual(['Sample:000000000000000000000001', 'Sample:000000000000000000000009']);
  });

  it('resumes after an interruption without duplicates, and says when there is nothing left', async () => {
    const docs = Array.from({ length: 10 }, (_, i) => JSON.stringify({ ...JSON.parse(relaxed), _id: { $oid: (i + 1).toString(16).padStart(24, '0') } }));
    const path = file('ten.json', docs.join('\n') + '\n');
    const s = sink();
    const first = await importData({ file: path, type: 'Sample', schema, insert: s.insert, batch: 2, stopAfter: 4 });
    expect(first).toMatchObject({ imported: 4, line: 4, done: false });
    expect(JSON.parse(readFileSync(`${path}.progress.json`, 'utf8'))).toMatchObject({ line: 4, imported: 4, done: false });

    // The server goes away just after taking document 6: the import stops, progress is kept.
    let calls = 0;
    const flaky: InsertDocument = async (type, object) => {
      const out = await s.insert(type, object);
      if (++calls === 2) throw new TypeError('fetch failed');
      return out;
    };
    await expect(importData({ file: path, type: 'Sample', schema, insert: flaky, batch: 2 })).rejects.toThrow('fetch failed');
    expect(JSON.parse(readFileSync(`${path}.progress.json`, 'utf8'))).toMatchObject({ line: 5, imported: 5 });

    const third = await importData({ file: path, type: 'Sample', schema, insert: s.insert, batch: 2 });
    expect(third).toMatchObject({ resumedAfter: 5, imported: 9, existing: 1, failed: 0, line: 10, done: true });
    expect(s.stored.size).toBe(10);

    const again = await importData({ file: path, type: 'Sample', schema, insert: s.insert });
    expect(again).toMatchObject({ done: true, imported: 9, existing: 1 });
    const restarted = await importData({ file: path, type: 'Sample', schema, insert: s.insert, restart: true });
    expect(restarted).toMatchObject({ imported: 0, existing: 10, done: true });
  });

  it('a server refusal of one document is that document\u2019s error; an outage stops the import', async () => {
    const path = file('two.json', `${canonical}\n${relaxed}\n`);
    const refusing: InsertDocument = async () => {
      throw new OutpostError('permission_denied', 'no');
    };
    const r = await importData({ file: path, type: 'Sample', schema, insert: refusing });
    expect(r).toMatchObject({ failed: 2, imported: 0 });
    const down: InsertDocument = async () => {
      throw new OutpostError('internal', 'store unavailable');
    };
    await expect(importData({ file: path, type: 'Sample', schema, insert: down, restart: true })).rejects.toThrow('store unavailable');
  });
});

describe('import-data in batches (insertMany: many documents per changeset)', () => {
  const person = (i: number, name: unknown = `p${i}`) => JSON.stringify({ _id: { $oid: i.toString(16).padStart(24, '0') }, name });

  it('sends each batch in one call, reports refusals in place, and never records progress past an unwritten document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-batch-'));
    const file = join(dir, 'Person.json');
    // Line 3 does not fit the schema; line 5 the server refuses; line 6 is already there.
    writeFileSync(file, [1, 2, 3, 4, 5, 6, 7].map((i) => person(i, i === 3 ? 7 : `p${i}`)).join('\n') + '\n');
    const stored = new Map<string, unknown>([['000000000000000000000006', {}]]);
    const calls: number[] = [];
    let failNext = false;
    const insertMany = async (_type: string, objects: readonly unknown[]) => {
      if (failNext) throw new OutpostError('internal', 'the server went away');
      calls.push(objects.length);
      return objects.map((o) => {
        const id = (o as { _id: { $oid: string } })._id.$oid;
        if (id.endsWith('5')) return new OutpostError('permission_denied', 'no write permission');
        if (stored.has(id)) return 'exists' as const;
        stored.set(id, o);
        return 'inserted' as const;
      });
    };
    const insert: InsertDocument = async () => {
      throw new Error('not used when insertMany is given');
    };
    // The first batch goes in; the second call fails: progress stays after the first batch.
    let batches = 0;
    const failing = async (type: string, objects: readonly unknown[]) => {
      if (++batches === 2) failNext = true;
      return insertMany(type, objects);
    };
    await expect(importData({ file, type: 'Person', schema, insert, insertMany: failing, batch: 3 })).rejects.toThrow('the server went away');
    expect(calls).toEqual([2]); // lines 1-3, line 3 refused before sending
    expect(JSON.parse(readFileSync(`${file}.progress.json`, 'utf8'))).toMatchObject({ line: 3, imported: 2, failed: 1 });

    failNext = false;
    const errors: ImportDocumentError[] = [];
    const r = await importData({ file, type: 'Person', schema, insert, insertMany, batch: 3, onError: (e) => errors.push(e) });
    expect(r).toMatchObject({ resumedAfter: 3, line: 7, imported: 4, existing: 1, failed: 2, done: true });
    expect(calls).toEqual([2, 3, 1]);
    expect(errors.map((e) => e.line)).toEqual([5]);
    expect([...stored.keys()].sort()).toEqual(['000000000000000000000001', '000000000000000000000002', '000000000000000000000004', '000000000000000000000006', '000000000000000000000007']);
  });
});
