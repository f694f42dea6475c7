import type { Schema } from '../../model/index.ts';
import type { ObjectRecord } from '../../model/index.ts';
import type { CompiledQuery } from '../../query/index.ts';
import type { ViewFilter } from '../store/types.ts';
import type { SessionRoles } from './roles.ts';

/**
 * What one session sees (docs/protocol.md, subscriptions): per object type, any of its subscriptions AND the
 * read rule of the session's role. A type with no subscription, or a role that cannot read it,
 * is not in the view at all.
 */
export class SessionView {
  private readonly filters = new Map<string, ViewFilter>();

  constructor(
    readonly schema: Schema,
    roles: SessionRoles,
    subscriptions: readonly CompiledQuery[],
  ) {
    const byType = new Map<string, CompiledQuery[]>();
    for (const q of subscriptions) {
      let list = byType.get(q.typeName);
      if (!list) byType.set(q.typeName, (list = []));
      list.push(q);
    }
    for (const [type, subs] of byType) {
      const read = roles.get(type).read;
      if (read.kind === 'none') continue;
      this.filters.set(type, { subscriptions: subs, readFilter: read.kind === 'filter' ? read.query : null });
    }
  }

  /** The filter of a type, or undefined when the session sees none of it. */
  filterFor(type: string): ViewFilter | undefined {
    return this.filters.get(type);
  }

  types(): string[] {
    return [...this.filters.keys()];
  }

  matches(type: string, record: ObjectRecord): boolean {
    const f = this.filters.get(type);
    if (!f) return false;
    if (f.readFilter && !f.readFilter.matches(record)) return false;
    return f.subscriptions.some((q) => q.matches(record));
  }
}
