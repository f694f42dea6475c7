/**
 * The `queryObjects` part of the storage contract: the store's answer (SQL push-down, post-filter,
 * keyset pagination) must be exactly the evaluator's, in `pk` column order.
 */
import { expect, it } from 'vitest';
import { pkKey, type ObjectRecord } from '../../../model/index.ts';
import { compilePermissionFilter, compileQuery, createResolver, validateSubscription, type CompiledQuery } from '../../../query/index.ts';
import { Rand, diffQueryable, diffSchema, prng, randomItem, randomPeople, randomSubscriptionQuery } from '../../../sim/diff-fixtures.ts';
import { compareCodePoints } from '../../store/codec.ts';
import type { ServerStore, ViewFilter } from '../../store/types.ts';

const OBJECTS = 300;

async function loadAll(store: ServerStore, seed: number): Promise<{ items: ObjectRecord[]; people: ObjectRecord[] }> {
  const rand = new Rand(prng(seed));
  const items = Array.from({ length: OBJECTS }, (_, i) => randomItem(rand, i));
  const people = randomPeople();
  await store.transaction(async (tx) => {
    await tx.putObjects(items.map((record) => ({ type: 'Item', pk: record._id as number, record })));
    await tx.putObjects(people.map((record) => ({ type: 'Person', pk: record._id as string, record })));
  });
  return { items, people };
}

/** Every page of a view, `pageSize` at a time, following `afterPk`. */
async function allPages(store: ServerStore, type: string, filter: ViewFilter, pageSize: number): Promise<{ pk: string; record: ObjectRecord }[]> {
  const out: { pk: string; record: ObjectRecord }[] = [];
  let afterPk: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await store.queryObjects(type, filter, { ...(afterPk !== undefined ? { afterPk } : {}), limit: pageSize });
    expect(page.length).toBeLessThanOrEqual(pageSize);
    out.push(...page);
    if (page.length < pageSize) return out;
    afterPk = page[page.length - 1]!.pk;
  }
  throw new Error('pagination does not end');
}

function expected(items: readonly ObjectRecord[], people: readonly ObjectRecord[], filter: ViewFilter): string[] {
  const resolver = createResolver(diffSchema, people.map((record) => ({ type: 'Person', record })));
  return items
    .filter((r) => filter.subscriptions.some((q) => q.matches(r, resolver)) && (filter.readFilter === null || filter.readFilter.matches(r, resolver)))
    .map((r) => pkKey(r._id as number))
    .sort(compareCodePoints);
}

export function runQueryContractTests(ctx: { readonly store: ServerStore }): void {
  it('queryObjects agrees with the evaluator on random subscription queries, page by page', async () => {
    const seed = Number(process.env.STORE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const { items, people } = await loadAll(ctx.store, seed);
    const rand = new Rand(prng(seed + 1));
    let checked = 0;
    let nonEmpty = 0;
    for (let attempt = 0; checked < 60 && attempt < 400; attempt++) {
      const subs: CompiledQuery[] = [];
      for (let i = 0; i < rand.int(1, 2); i++) {
        const { text, args } = randomSubscriptionQuery(rand);
        try {
          subs.push(validateSubscription(diffSchema, 'Item', text, args, diffQueryable));
        } catch {
          // not every random query is valid
        }
      }
      if (subs.length === 0) continue;
      let readFilter: CompiledQuery | null = null;
      if (rand.chance(0.3)) {
        const { text, args } = randomSubscriptionQuery(rand);
        try {
          readFilter = validateSubscription(diffSchema, 'Item', text, args, diffQueryable);
        } catch {
          readFilter = null;
        }
      }
      const filter = { subscriptions: subs, readFilter };
      const want = expected(items, people, filter);
      const pageSize = rand.pick([4, 7, 50, 1000]);
      const got = await allPages(ctx.store, 'Item', filter, pageSize);
      const gotPks = got.map((r) => r.pk);
      if (JSON.stringify(gotPks) !== JSON.stringify(want)) {
        throw new Error(
          `queryObjects differs from the evaluator (seed ${seed}, rerun with STORE_SEED=${seed})\n` +
            `  queries: ${subs.map((q) => q.text).join(' | ')}${readFilter ? ` AND ${readFilter.text}` : ''}\n` +
            `  expected ${want.length}: ${want.slice(0, 20).join(',')}\n  got ${gotPks.length}: ${gotPks.slice(0, 20).join(',')}`,
        );
      }
      for (const r of got) expect(pkKey(r.record._id as number)).toBe(r.pk);
      checked++;
      if (want.length > 0) nonEmpty++;
    }
    expect(checked).toBe(60);
    expect(nonEmpty).toBeGreaterThan(5);
  });

  it('queryObjects: inexact push-downs, links, read filters, limits and empty views', async () => {
    const { items, people } = await loadAll(ctx.store, 12345);
    const cases: ViewFilter[] = [
      // Unicode case folding ([c]) is inexact in SQL: the post-filter decides.
      { subscriptions: [compileQuery(diffSchema, 'Item', 'name ==[c] "émile" OR name BEGINSWITH[c] "STRA"')], readFilter: null },
      // Decimals are inexact in SQLite.
      { subscriptions: [compileQuery(diffSchema, 'Item', 'price > 1')], readFilter: null },
      // Following a link (a data-API query, not a subscription): the store resolves the target.
      { subscriptions: [compileQuery(diffSchema, 'Item', 'owner.name == "P1" OR owner.name == $0', ['P"4'])], readFilter: null },
      // A permission filter with a user binding, and two OR-ed subscriptions.
      {
        subscriptions: [compileQuery(diffSchema, 'Item', 'n > 3'), compileQuery(diffSchema, 'Item', 'ok == true')],
        readFilter: compilePermissionFilter(diffSchema, 'Item', 'owner == %%user.id', { id: 'p2' }),
      },
      { subscriptions: [compileQuery(diffSchema, 'Item', 'TRUEPREDICATE')], readFilter: compileQuery(diffSchema, 'Item', 'FALSEPREDICATE') },
    ];
    for (const filter of cases) {
      const want = expected(items, people, filter);
      expect((await allPages(ctx.store, 'Item', filter, 13)).map((r) => r.pk)).toEqual(want);
    }
    // Everything, in pk order (the text order of the pk column: "d1" < "d10" < "d100" < "d11" …).
    const all = await ctx.store.queryObjects('Item', { subscriptions: [compileQuery(diffSchema, 'Item', 'TRUEPREDICATE')], readFilter: null }, { limit: 10_000 });
    expect(all.map((r) => r.pk)).toEqual(items.map((r) => pkKey(r._id as number)).sort(compareCodePoints));
    expect(all.slice(0, 3).map((r) => r.pk)).toEqual(['d0', 'd1', 'd10']);
    // No subscriptions: nothing; limit 0: nothing; other types are not mixed in.
    expect(await ctx.store.queryObjects('Item', { subscriptions: [], readFilter: null }, { limit: 10 })).toEqual([]);
    expect(await ctx.store.queryObjects('Item', { subscriptions: [compileQuery(diffSchema, 'Item', 'TRUEPREDICATE')], readFilter: null }, { limit: 0 })).toEqual([]);
    const ppl = await ctx.store.queryObjects('Person', { subscriptions: [compileQuery(diffSchema, 'Person', 'TRUEPREDICATE')], readFilter: null }, { limit: 100 });
    expect(ppl.map((r) => r.record._id).sort()).toEqual(people.map((p) => p._id).sort());
    // The same inside a transaction.
    const inTx = await ctx.store.transaction((tx) =>
      tx.queryObjects('Item', { subscriptions: [compileQuery(diffSchema, 'Item', 'n == 42')], readFilter: null }, { limit: 1000 }),
    );
    expect(inTx.map((r) => r.pk)).toEqual(expected(items, people, { subscriptions: [compileQuery(diffSchema, 'Item', 'n == 42')], readFilter: null }));
    // A query for another type is refused.
    await expect(ctx.store.queryObjects('Person', { subscriptions: [compileQuery(diffSchema, 'Item', 'TRUEPREDICATE')], readFilter: null }, { limit: 1 })).rejects.toThrow();
  });
}
