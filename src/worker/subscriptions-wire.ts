import type { Subscription } from '../protocol/index.ts';
import type { SubscriptionSetInfo } from '../worker-api/api.ts';
import { fromStorable } from '../worker-api/codec.ts';

/** A stored subscription set's queries as the protocol carries them (IDENT, QUERY, STATE_REQUEST). */
export function wireQueries(set: SubscriptionSetInfo): Subscription[] {
  return set.queries.map((q) => ({
    ...(q.name !== undefined ? { name: q.name } : {}),
    objectType: q.objectType,
    query: q.query,
    args: q.args.map((a) => fromStorable(a)),
  }));
}
