import type { ObjectRecord, PrimaryKey } from '../../model/index.ts';
import { pkKey } from '../../model/index.ts';
import type { CompiledQuery, ObjectResolver } from '../../query/index.ts';
import { objectKeyString, type ObjectKey, type ViewFilter } from './types.ts';

/*
 * The evaluator side of `queryObjects`: what the SQL push-down cannot decide exactly is decided
 * here with the compiled queries' `matches`. Queries that follow links need an ObjectResolver,
 * which is synchronous while the SQL stores are not; so the rows are evaluated with a resolver
 * that records the objects it misses, those are loaded, and the rows are evaluated again, until
 * nothing is missing (at most one round per link hop).
 */

export type ViewRow = { pk: string; record: ObjectRecord };

export function filterNeedsResolver(filter: ViewFilter): boolean {
  return filter.subscriptions.some((q) => q.needsResolver) || (filter.readFilter?.needsResolver ?? false);
}

export function viewMatches(filter: ViewFilter, record: ObjectRecord, resolver?: ObjectResolver): boolean {
  const any = filter.subscriptions.some((q: CompiledQuery) => q.matches(record, resolver));
  return any && (filter.readFilter === null || filter.readFilter.matches(record, resolver));
}

const MAX_ROUNDS = 64;

/** The rows that match the view, loading linked objects with `load` when the queries follow links. */
export async function postFilter(
  rows: readonly ViewRow[],
  filter: ViewFilter,
  load: (keys: readonly ObjectKey[]) => Promise<Map<string, ObjectRecord>>,
): Promise<ViewRow[]> {
  if (!filterNeedsResolver(filter)) return rows.filter((r) => viewMatches(filter, r.record));
  const known = new Map<string, ObjectRecord | null>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const missing = new Map<string, ObjectKey>();
    const resolver: ObjectResolver = {
      get(type: string, pk: PrimaryKey) {
        const k = objectKeyString(type, pkKey(pk));
        const hit = known.get(k);
        if (hit !== undefined) return hit ?? undefined;
        missing.set(k, { type, pk });
        return undefined;
      },
    };
    const kept = rows.filter((r) => viewMatches(filter, r.record, resolver));
    if (missing.size === 0) return kept;
    const found = await load([...missing.values()]);
    for (const k of missing.keys()) known.set(k, found.get(k) ?? null);
  }
  throw new Error('queryObjects: links nested too deep to resolve');
}

/**
 * Keyset pagination over candidate rows (already in `pk` order) with a post-filter: reads pages
 * of candidates until `limit` rows matched or the candidates ran out.
 */
export async function paginate(
  fetch: (afterPk: string | undefined, limit: number) => Promise<ViewRow[]>,
  exact: boolean,
  filter: ViewFilter,
  page: { afterPk?: string; limit: number },
  load: (keys: readonly ObjectKey[]) => Promise<Map<string, ObjectRecord>>,
): Promise<ViewRow[]> {
  const limit = Math.max(0, Math.floor(page.limit));
  if (limit === 0 || filter.subscriptions.length === 0) return [];
  if (exact) return fetch(page.afterPk, limit);
  const batch = Math.max(limit, 200);
  const out: ViewRow[] = [];
  let after = page.afterPk;
  for (;;) {
    const candidates = await fetch(after, batch);
    const kept = await postFilter(candidates, filter, load);
    for (const r of kept) {
      out.push(r);
      if (out.length === limit) return out;
    }
    if (candidates.length < batch) return out;
    after = candidates[candidates.length - 1]!.pk;
  }
}
