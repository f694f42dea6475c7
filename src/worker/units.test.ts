import { describe, expect, it } from 'vitest';
import { Decimal128, ObjectId, UUID, newRecord } from '../model/index.ts';
import { compareStrings } from '../query/index.ts';
import { Backoff } from './backoff.ts';
import { fromStorable, storableEqual, toStorable } from './codec.ts';
import { applyIndexChanges, diffKeys } from './diff.ts';
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
