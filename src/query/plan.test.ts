import { describe, expect, it } from 'vitest';
import { compileQuery, createResolver } from './compile.ts';
import { Rand, diffQueryable, diffSchema, prng, randomItem, randomPeople, randomSubscriptionQuery } from '../sim/diff-fixtures.ts';
import { QueryError } from './errors.ts';
import { MemoryIndex, planIndexes, type IndexCondition } from './plan.ts';
import { validateSubscription } from './subscription.ts';

const INDEXED = ['_id', 'n', 'x', 'name', 'title', 'when', 'ref', 'u', 'owner'];

function plan(text: string, args: unknown[] = []) {
  return planIndexes(compileQuery(diffSchema, 'Item', text, args), { indexed: INDEXED });
}

describe('planIndexes', () => {
  it('pulls an equality out of the top-level conjuncts', () => {
    const p = plan("name == 'a' AND n > 2 AND tags == 'x'");
    expect(p.index).toEqual({ field: 'name', kind: 'eq', value: 'a' });
    expect(p.candidates.map((c) => c.field)).toEqual(['name', 'n']);
    expect(p.residual.kind).toBe('and');
  });

  it('prefers eq, then IN, then two-sided ranges', () => {
    expect(plan('n > 2 AND x IN {1, 2}').index).toEqual({ field: 'x', kind: 'in', values: [1, 2] });
    expect(plan("n > 2 AND n <= 5 AND title < 'b'").index).toMatchObject({ field: 'n', kind: 'range' });
    expect(plan('n > 2 AND 3 == _id').index).toEqual({ field: '_id', kind: 'eq', value: 3 });
  });

  it('merges ranges on one field into the tightest bounds', () => {
    const p = plan('n > 2 AND n >= 3 AND n < 10 AND n <= 10 AND n BETWEEN {0, 8}');
    expect(p.index).toEqual({ field: 'n', kind: 'range', lower: { value: 3, inclusive: true }, upper: { value: 8, inclusive: true } });
    expect(p.residual).toEqual({ kind: 'constant', value: true, pos: 0 });
    const q = plan('5 < n AND n < 5');
    expect(q.index).toEqual({ field: 'n', kind: 'range', lower: { value: 5, inclusive: false }, upper: { value: 5, inclusive: false } });
  });

  it('uses only conditions the whole predicate implies', () => {
    expect(plan("name == 'a' OR n > 2").index).toBeUndefined();
    expect(plan("NOT name == 'a'").index).toBeUndefined();
    expect(plan("(name == 'a' OR n == 1) AND x > 1").index).toEqual({ field: 'x', kind: 'range', lower: { value: 1, inclusive: false } });
    expect(plan("(name == 'a' AND n == 1) AND x > 1").index).toMatchObject({ kind: 'eq' }); // nested AND is still implied
  });

  it('skips what an index cannot answer', () => {
    expect(plan("name ==[c] 'a'").index).toBeUndefined();
    expect(plan('title == null').index).toBeUndefined();
    expect(plan('x == nan').index).toBeUndefined();
    expect(plan("tags == 'a'").index).toBeUndefined(); // a list
    expect(plan('ok == true').index).toBeUndefined(); // not indexed
    expect(plan("name != 'a'").index).toBeUndefined();
    expect(planIndexes(compileQuery(diffSchema, 'Item', 'n == 1')).index).toBeUndefined(); // schema marks nothing indexed but _id
    expect(planIndexes(compileQuery(diffSchema, 'Item', '_id == 1')).index).toEqual({ field: '_id', kind: 'eq', value: 1 });
  });

  it('residualFor gives the rest for any candidate', () => {
    const p = plan("name == 'a' AND n > 2");
    const n = p.candidates.find((c) => c.field === 'n')!;
    expect(p.residualFor(n).kind).toBe('compare');
  });
});

describe('index plan + residual gives the same results as a full scan', () => {
  it('over random data and random queries', () => {
    const seed = process.env.RQL_SEED ? Number(process.env.RQL_SEED) : Math.floor(Math.random() * 2 ** 31);
    const rand = new Rand(prng(seed));
    const items = Array.from({ length: 600 }, (_, i) => randomItem(rand, i));
    const resolver = createResolver(diffSchema, [
      ...items.map((record) => ({ type: 'Item', record })),
      ...randomPeople().map((record) => ({ type: 'Person', record })),
    ]);
    const indexes = new Map(INDEXED.map((f) => [f, new MemoryIndex(f, items)]));
    let planned = 0;
    let checked = 0;
    for (let i = 0; i < 1500; i++) {
      const { text, args } = randomSubscriptionQuery(rand);
      // Put an indexable conjunct in front half of the time, so plans are common.
      const extra = rand.chance(0.5) ? rand.pick(['n > $X AND ', '_id < $X AND ', 'n == $X AND ', 'x >= $X AND ', 'n IN {1, $X} AND ']) : '';
      let q;
      try {
        q = validateSubscription(diffSchema, 'Item', extra.replace('$X', `$${args.length}`) + `(${text})`, [...args, rand.pick([0, 1, 2, 3, 7, 300])], diffQueryable);
      } catch (err) {
        if (err instanceof QueryError) continue;
        throw err;
      }
      checked++;
      const full = q.filter(items, resolver).map((r) => r._id);
      const p = planIndexes(q, { indexed: INDEXED });
      for (const cond of p.candidates) {
        planned++;
        const residual = planIndexes(q, { indexed: [cond.field] });
        const fetched = indexes.get(cond.field)!.lookup(cond as IndexCondition);
        const viaIndex = fetched.filter((r) => residual.residualMatches(r, resolver)).map((r) => r._id);
        const sortNum = (a: unknown[]) => [...a].sort((x, y) => (x as number) - (y as number));
        if (JSON.stringify(sortNum(viaIndex)) !== JSON.stringify(sortNum(full))) {
          throw new Error(`seed ${seed}: index on ${cond.field} (${JSON.stringify(cond)}) differs for ${text} / args ${JSON.stringify(args)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(planned).toBeGreaterThan(300);
  });
});
