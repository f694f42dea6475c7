import { describe, expect, it } from 'vitest';
import { Decimal128, ObjectId, UUID, newRecord } from '../model/index.ts';
import { compareStrings } from '../query/index.ts';
import { Backoff } from './backoff.ts';
import { fromStorable, instructionsFromJson, instructionsToJson, storableEqual, toStorable } from '../worker-api/codec.ts';
import type { Instruction } from '../changeset/index.ts';
import { applyIndexChanges, diffKeys } from '../worker-api/diff.ts';
import { codePointOrderKey, indexKeyOf } from './index-keys.ts';
import { MemoryLockManager } from './locks.ts';
import { syncUrl } from './transport.ts';

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('diffKeys / applyIndexChanges', () => {
  it('turns any reordering into index sets that rebuild the new list', () => {
    const r = rng(42);
    for (let round = 0; round < 500; round++) {
      const old = Array.from({ length: Math.floor(r() * 12) }, (_, i) => `k${i}`);
      let next = old.filter(() => r() > 0.3);
      for (let i = 0; i < 3; i++) if (r() > 0.5) next.splice(Math.floor(r() * (next.length + 1)), 0, `n${round}.${i}`);
      if (r() > 0.5) next = next.sort(() => r() - 0.5);
      const modified = new Set(next.filter(() => r() > 0.7));
      const c = diffKeys(old, next, modified);
      const rebuilt = applyIndexChanges(
        old,
        c,
        c.insertions.map((i) => next[i]!),
        c.modifications.map((i) => next[i]! + '*'),
      );
      expect(rebuilt.map((k) => k.replace('*', ''))).toEqual(next);
      for (const i of c.modifications) expect(modified.has(next[i]!)).toBe(true);
      expect([...c.deletions].sort((a, b) => a - b)).toEqual(c.deletions);
    }
  });

  it('reports a single move as one deletion and one insertion', () => {
    expect(diffKeys(['a', 'b', 'c', 'd'], ['b', 'c', 'd', 'a'], new Set())).toEqual({ deletions: [0], insertions: [3], modifications: [] });
    expect(diffKeys(['a', 'b'], ['a', 'b'], new Set(['b']))).toEqual({ deletions: [], insertions: [], modifications: [1] });
    expect(diffKeys(['a', 'b', 'c', 'd', 'e'], ['a', 'd', 'b', 'c', 'e'], new Set(['d', 'c']))).toEqual({ deletions: [3], insertions: [1], modifications: [3] });
    expect(diffKeys(['a', 'b', 'c', 'd', 'e'], ['a', 'c', 'd', 'b', 'e'], new Set())).toEqual({ deletions: [1], insertions: [3], modifications: [] });
    // Two adjacent objects swapped: one move either way.
    expect(diffKeys(['a', 'b'], ['b', 'a'], new Set())).toEqual({ deletions: [0], insertions: [1], modifications: [] });
  });

  it('rebuilds the new list after any single move, with modifications', () => {
    const r = rng(7);
    for (let round = 0; round < 300; round++) {
      const old = Array.from({ length: 1 + Math.floor(r() * 30) }, (_, i) => `k${i}`);
      const next = [...old];
      const [x] = next.splice(Math.floor(r() * next.length), 1);
      next.splice(Math.floor(r() * (next.length + 1)), 0, x!);
      const modified = new Set(next.filter(() => r() > 0.8));
      const c = diffKeys(old, next, modified);
      const rebuilt = applyIndexChanges(old, c, c.insertions.map((i) => next[i]!), c.modifications.map((i) => next[i]!));
      expect(rebuilt).toEqual(next);
      expect(c.deletions.length).toBeLessThanOrEqual(1);
      // Every modified object that stayed is reported (a moved one arrives whole as an insertion).
      for (const k of modified) expect(c.modifications.includes(next.indexOf(k)) || c.insertions.includes(next.indexOf(k))).toBe(true);
    }
  });
});

describe('history text (grouped instructions)', () => {
  const keysOf = (xs: readonly Instruction[]) => xs.map((i) => Object.keys(i).sort().join(','));

  it('reads back every kind of instruction and value exactly, grouped by object', () => {
    const id = new ObjectId();
    const u = new UUID();
    const rowValue = Object.assign(newRecord(), { label: 'r', when: new Date(7), n: -Infinity });
    const written: Instruction[] = [
      { op: 'CreateObject', type: 'Task', pk: id },
      { op: 'Set', type: 'Task', pk: id, path: ['title'], value: 'ü\u2028"q"' },
      { op: 'Set', type: 'Task', pk: id, path: ['n'], value: 0, default: true },
      { op: 'Set', type: 'Task', pk: id, path: ['x'], value: NaN },
      { op: 'Set', type: 'Task', pk: id, path: ['d'], value: Decimal128.fromString('1.5') },
      { op: 'Set', type: 'Task', pk: id, path: ['b'], value: new Uint8Array([0, 255]) },
      { op: 'Set', type: 'Task', pk: id, path: ['attrs', 'k'], value: null, erase: true },
      { op: 'Set', type: 'Task', pk: id, path: ['link'], value: u },
      { op: 'ListInsert', type: 'Task', pk: id, path: ['rows', 0], value: rowValue },
      { op: 'ListMove', type: 'Task', pk: id, path: ['items', 0], to: 2 },
      { op: 'AddInteger', type: 'Counter', pk: 7, path: ['n'], value: -3 },
      { op: 'Set', type: 'Counter', pk: 7, path: ['when'], value: new Date(12) },
      { op: 'Set', type: 'Person', pk: u, path: ['name'], value: 'p' },
      { op: 'EraseObject', type: 'Task', pk: new ObjectId(id.toHexString()) },
      { op: 'AddType', type: 'Extra', schema: { name: 'Extra', properties: {} } } as unknown as Instruction,
    ];
    const text = instructionsToJson(written);
    const back = instructionsFromJson(text);
    expect(back).toEqual(written);
    expect(keysOf(back)).toEqual(keysOf(written));
    expect(Number.isNaN((back[3] as { value: number }).value)).toBe(true);
    // The five Sets of one object share its group: its type and key are written once.
    expect(text.split(id.toHexString()).length - 1).toBe(2);
  });

  it('still reads history rows written as a plain array of instructions', () => {
    const old = '[{"op":"CreateObject","type":"Task","pk":{"$oid":"65a1b2c3d4e5f60718293a4b"}},{"op":"Set","type":"Task","pk":{"$oid":"65a1b2c3d4e5f60718293a4b"},"path":["due"],"value":{"$date":5},"default":true}]';
    const back = instructionsFromJson(old);
    expect(back).toHaveLength(2);
    expect((back[0] as { pk: ObjectId }).pk.toHexString()).toBe('65a1b2c3d4e5f60718293a4b');
    expect((back[1] as { value: Date }).value).toEqual(new Date(5));
    expect((back[1] as { default?: boolean }).default).toBe(true);
  });
});

describe('storable codec', () => {
  it('round-trips bson values through structured clone', () => {
    const rec = newRecord();
    rec.id = new ObjectId();
    rec.u = new UUID();
    rec.d = Decimal128.fromString('1.25');
    rec.when = new Date(5);
    rec.bytes = new Uint8Array([1, 2]);
    rec.list = [new ObjectId(), 1, 'x', null];
    rec.dict = Object.assign(newRecord(), { a: new UUID() });
    const stored = structuredClone(toStorable(rec));
    const back = fromStorable(stored) as typeof rec;
    expect((back.id as ObjectId).equals(rec.id as ObjectId)).toBe(true);
    expect(back.u).toBeInstanceOf(UUID);
    expect(String(back.d)).toBe('1.25');
    expect(back.bytes).toEqual(new Uint8Array([1, 2]));
    expect(storableEqual(toStorable(back), stored)).toBe(true);
    expect(Object.getPrototypeOf(back)).toBeNull();
  });
});

describe('index keys', () => {
  it('order strings by code point, as the query language does', () => {
    const words = ['a', 'b', '\uffff', '\ud83d\ude00', '\ue000', 'z', '', 'ab', '\ud7ff'];
    const byKey = [...words].sort((x, y) => (codePointOrderKey(x) < codePointOrderKey(y) ? -1 : codePointOrderKey(x) > codePointOrderKey(y) ? 1 : 0));
    expect(byKey).toEqual([...words].sort(compareStrings));
  });

  it('skip values an index cannot hold', () => {
    expect(indexKeyOf(null)).toBeUndefined();
    expect(indexKeyOf(NaN)).toBeUndefined();
    expect(indexKeyOf(true)).toBeUndefined();
    expect(indexKeyOf(new Date(7))).toBe(7);
    expect(indexKeyOf(new ObjectId('64b000000000000000000001'))).toBe('o64b000000000000000000001');
  });
});

describe('backoff', () => {
  it('doubles from the initial delay to the maximum, and restarts when the cause changes', () => {
    const b = new Backoff(1000, 300_000, () => 0.5);
    const delays = Array.from({ length: 12 }, () => b.next('network'));
    expect(delays.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(delays.at(-1)).toBe(300_000);
    expect(b.next('error:rate_limited')).toBe(1000);
    expect(b.next('error:rate_limited', 10_000)).toBe(10_000);
    b.reset();
    expect(b.next('error:rate_limited')).toBe(1000);
    const j = new Backoff(1000, 300_000, () => 0);
    expect(j.next('x')).toBe(750);
  });
});

describe('MemoryLockManager', () => {
  it('grants an exclusive lock to one holder at a time, in order', async () => {
    const locks = new MemoryLockManager();
    const order: string[] = [];
    let release!: () => void;
    const first = locks.request('l', { mode: 'exclusive' }, async () => {
      order.push('a');
      await new Promise<void>((r) => (release = r));
      order.push('a-done');
    });
    const second = locks.request('l', { mode: 'exclusive' }, async () => order.push('b'));
    expect(await locks.request('l', { ifAvailable: true }, (l) => l)).toBeNull();
    const aborter = new AbortController();
    const third = locks.request('l', { signal: aborter.signal }, () => order.push('c'));
    aborter.abort();
    await expect(third).rejects.toBeDefined();
    await new Promise((r) => setTimeout(r, 5));
    release();
    await first;
    await second;
    expect(order).toEqual(['a', 'a-done', 'b']);
  });
});

describe('syncUrl', () => {
  it('maps http(s) to ws(s) and appends the path', () => {
    expect(syncUrl('http://localhost:8080', '/api/sync')).toBe('ws://localhost:8080/api/sync');
    expect(syncUrl('https://x.example/base/', '/api/sync')).toBe('wss://x.example/base/api/sync');
  });
});

describe('create fast path', () => {
  it('builds the same objects as applying the instructions one by one', async () => {
    const { parseSchema } = await import('../model/index.ts');
    const { ObjectState, applyInstructions } = await import('../changeset/index.ts');
    const { WriteTransaction } = await import('../client/write-tx.ts');
    const { applyOps } = await import('./writes.ts');
    const { workOrderSchema } = await import('../client/testing/fixtures.ts');
    const schema = parseSchema(workOrderSchema);
    const tx = new WriteTransaction(schema);
    tx.create('WorkOrder', { title: 'a', tags: ['z', 'a', 'z', 'm'], notes: ['x', 'x'], steps: [{ title: 's', done: true }], attrs: { k: 'v' }, address: { city: 'Oslo' }, dueAt: new Date(3) });
    tx.create('WorkOrder', { title: 'b' });
    tx.create('Customer', { _id: 'c', name: 'C', tier: 2 }, 'modified');
    const fast = new ObjectState(schema);
    const instructions = applyOps(schema, fast, structuredClone(tx.ops));
    const slow = new ObjectState(schema);
    applyInstructions(slow, instructions);
    expect(fast.toCanonical()).toEqual(slow.toCanonical());
  });
});
