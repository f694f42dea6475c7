import type { ObjectRecord, PrimaryKey } from '../../model/index.ts';
import { assertContiguous, prepareRow } from './history-cache.ts';
import { keyOf, splitKey } from './keys.ts';
import { guardSession, type PlannerContext, type PlannerSession } from './planner.ts';
import type { SessionView } from './view.ts';
import type { StoredSubscription } from '../store/types.ts';

/*
 * A fresh copy (STATE_REQUEST): every object a new client file may see under a subscription set,
 * as of one server version, read as state instead of replayed as history. Pages are read without
 * the append lock; then, under it, the objects that history after the first read touched are read
 * again, so the copy is exactly the state at the version the lock found. The file's view set
 * becomes that copy and its subscription set the one asked for, in the same transaction.
 */

export interface FreshState {
  readonly version: number;
  readonly objects: readonly { readonly key: string; readonly type: string; readonly record: ObjectRecord }[];
}

export async function planFreshState(
  ctx: PlannerContext,
  session: PlannerSession,
  view: SessionView,
  subscriptions: { version: number; queries: readonly StoredSubscription[] },
  pageSize: number,
): Promise<FreshState> {
  const store = ctx.store;
  const start = await store.latestVersion();
  const found = new Map<string, { key: string; type: string; record: ObjectRecord }>();
  for (const type of view.types()) {
    if (!session.clientFilter.knowsType(type)) continue;
    const filter = view.filterFor(type)!;
    const pkField = ctx.schema.require(type).primaryKey!;
    let afterPk: string | undefined;
    for (;;) {
      const page = await store.queryObjects(type, filter, { ...(afterPk !== undefined ? { afterPk } : {}), limit: pageSize });
      for (const row of page) {
        const key = keyOf(type, row.record[pkField] as PrimaryKey);
        found.set(key, { key, type, record: row.record });
      }
      if (page.length < pageSize) break;
      afterPk = page[page.length - 1]!.pk;
    }
  }
  let version = start;
  await store.transaction(async (tx) => {
    await guardSession(tx, session);
    version = await tx.latestVersion();
    if (version > start) {
      const rows = (await tx.history(start, version)).map(prepareRow);
      assertContiguous(rows, start);
      const touched = new Set<string>();
      for (const row of rows) if (row.privateTo === null) for (const k of row.objects) touched.add(k);
      const again = [...touched].filter((k) => view.filterFor(splitKey(k).type) !== undefined && session.clientFilter.knowsType(splitKey(k).type));
      const now = again.length ? await tx.getObjects(again.map(splitKey)) : new Map<string, ObjectRecord>();
      for (const k of again) {
        const rec = now.get(k);
        const type = splitKey(k).type;
        if (rec !== undefined && view.matches(type, rec)) found.set(k, { key: k, type, record: rec });
        else found.delete(k);
      }
    }
    const keys = [...found.values()].map((o) => splitKey(o.key));
    for (let i = 0; i < keys.length; i += 1000) await tx.addToView(session.ident, keys.slice(i, i + 1000));
    await tx.updateClientFile(session.ident, { queryVersion: subscriptions.version, subscriptions: subscriptions.queries });
  });
  return {
    version,
    objects: [...found.values()].map((o) => ({ key: o.key, type: o.type, record: session.clientFilter.record(o.type, o.record) })),
  };
}
