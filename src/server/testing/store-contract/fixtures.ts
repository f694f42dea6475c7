/** Fixtures shared by the storage contract tests and the crash-test child process. */
import { expect } from 'vitest';
import type { Changeset, Instruction } from '../../../changeset/index.ts';
import { Decimal128, ObjectId, UUID, newRecord, parseSchema, pkKey, validateObject, valuesEqual, type ObjectRecord, type PrimaryKey, type Value } from '../../../model/index.ts';
import { objectKeyString } from '../../store/types.ts';

export const contractSchema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      done: 'bool',
      priority: 'int',
      score: 'double?',
      due: 'date?',
      ref: 'uuid?',
      price: 'decimal?',
      blob: 'data?',
      tags: 'string[]',
      labels: 'string<>',
      attrs: 'mixed{}',
      steps: 'Step[]',
      owner: 'Person',
      any: 'mixed',
    },
  },
  { name: 'Step', embedded: true, properties: { text: 'string', done: 'bool', notes: 'string[]' } },
  { name: 'Person', primaryKey: '_id', properties: { _id: 'string', name: 'string' } },
  { name: 'Counter', primaryKey: '_id', properties: { _id: 'int', n: 'int' } },
  { name: 'Device', primaryKey: '_id', properties: { _id: 'uuid', name: 'string' } },
]);

/** A Task with a value of every kind, nested lists, dictionaries and embedded objects. */
export function richTask(id = new ObjectId()): ObjectRecord {
  const attrs = newRecord();
  attrs.n = 1.5;
  attrs.when = new Date(Date.UTC(2026, 4, 1, 10, 0, 0, 123));
  attrs.dec = new Decimal128('12.50');
  attrs.none = null;
  attrs['sp ace'] = 'ü😀';
  return validateObject(contractSchema, 'Task', {
    _id: id,
    title: 'Replace valve "quoted" \\ back',
    done: true,
    priority: -42,
    score: 0.1 + 0.2,
    due: new Date(-86_400_000),
    ref: new UUID('d1b186e1-e9e0-4768-a1a7-c492519d47ee'),
    price: Decimal128.fromString('123456789012345678901234.5'),
    blob: new Uint8Array([0, 1, 2, 254, 255]),
    tags: ['b', 'a', 'b'],
    labels: ['x', 'y'],
    attrs,
    steps: [
      { text: 'one', done: false, notes: [] },
      { text: 'two', done: true, notes: ['n1', 'n2'] },
    ],
    owner: 'p1',
    any: new ObjectId('6001c033600510df3bbfd864'),
  });
}

export function changeset(origin: number, timestamp: number, instructions: Instruction[]): Changeset {
  return { origin, timestamp, instructions };
}

/** A changeset with values of every kind in its instructions. */
export function richChangeset(origin: number, n: number): Changeset {
  const pk = new ObjectId();
  return changeset(origin, 1000 + n, [
    { op: 'CreateObject', type: 'Task', pk },
    { op: 'Set', type: 'Task', pk, path: ['title'], value: `t${n}` },
    { op: 'Set', type: 'Task', pk, path: ['due'], value: new Date(1_700_000_000_000 + n) },
    { op: 'Set', type: 'Task', pk, path: ['price'], value: Decimal128.fromString('10.50') },
    { op: 'Set', type: 'Task', pk, path: ['blob'], value: new Uint8Array([n & 255, 1]) },
    { op: 'Set', type: 'Task', pk, path: ['ref'], value: new UUID() },
    { op: 'Set', type: 'Task', pk, path: ['score'], value: NaN },
    { op: 'AddInteger', type: 'Task', pk, path: ['priority'], value: n },
    { op: 'ListInsert', type: 'Task', pk, path: ['tags', 0], value: 'x' },
    { op: 'Set', type: 'Task', pk, path: ['attrs', 'k'], value: Object.assign(newRecord(), { a: [1, 'b'] }) },
  ]);
}

export function keyOf(type: string, pk: PrimaryKey): string {
  return objectKeyString(type, pkKey(pk));
}

/** Deep equality with the model's meaning (values compared by kind and value, records by keys). */
export function expectSameValue(actual: Value | undefined, expected: Value): void {
  expect(actual).toBeDefined();
  if (!valuesEqual(actual!, expected)) {
    expect(actual).toEqual(expected); // prints a diff
    throw new Error('values differ');
  }
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

