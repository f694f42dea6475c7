import { valuesEqual, type ObjectRecord, type Schema } from '../model/index.ts';
import { applyDescriptors, sortCompare, type CompiledQuery, type ObjectResolver } from '../query/index.ts';
import { readKeyPath } from '../query/evaluate.ts';
import type { BoundDescriptor } from '../query/index.ts';
import { OutpostError } from '../protocol/index.ts';
import type { WorkerEvent, WireError } from '../worker-api/api.ts';
import { recordToStorable } from '../worker-api/codec.ts';
import { diffKeys } from '../worker-api/diff.ts';
import type { IndexLayout } from './index-keys.ts';
import { compileSpec, type QuerySpec } from '../worker-api/query-spec.ts';
import { linkingSourceTypes, loadResolver, matchQuery, withLinkingObjects } from './query-runner.ts';
import type { OutpostDexie } from './store.ts';

/*
 * Live queries. Each keeps, in memory, the objects matching its predicate and the ordered keys of
 * its result. A committed change (a local write, a download, or a broadcast from another tab)
 * updates them incrementally: the changed objects are tested against the predicate, the order is
 * recomputed from cached sort keys, and the page gets index changes plus only the inserted and
 * modified records. Queries that follow links re-run from IndexedDB instead, since a change to a
 * linked object can change their answer.
 */

/** One committed change to one object: its new record, or undefined when it is gone. */
export interface ObjectChange {
  readonly type: string;
  readonly key: string;
  readonly record: ObjectRecord | undefined;
}

function wireError(err: unknown): WireError {
  if (err instanceof OutpostError) return { code: err.code, message: err.message, ...(err.details ? { details: { ...err.details } } : {}) };
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

/**
 * SORT / DISTINCT / LIMIT over matched objects, ties broken by primary key (the objects go in in
 * key order and every SORT is stable), so a live query and a one-shot query agree exactly.
 */
export function orderByDescriptors(q: CompiledQuery, keys: readonly string[], records: readonly ObjectRecord[], resolver: ObjectResolver | undefined): string[] {
  const idx = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const keyOf = new Map<ObjectRecord, string>();
  const inKeyOrder = idx.map((i) => {
    keyOf.set(records[i]!, keys[i]!);
    return records[i]!;
  });
  return applyDescriptors(inKeyOrder, q.descriptors, { resolver }).map((r) => keyOf.get(r)!);
}

interface SortEntry {
  readonly k: string;
  readonly s: unknown[];
}

class LiveQuery {
  readonly matched = new Map<string, ObjectRecord>();
  order: string[] = [];
  ready = false;
  buffered: ObjectChange[] | null = [];
  /** With a single SORT (no links): the matched objects in order, kept by binary insertion. */
  private sorted: SortEntry[] | null = null;
  private readonly entryOf = new Map<string, SortEntry>();
  private readonly singleSort: { steps: Parameters<typeof readKeyPath>[0]; ascending: boolean }[] | null;
  rerunPending = false;
  /** A link-following query saw a change while its first run was in flight: run it again. */
  staleAfterInit = false;

  constructor(
    readonly id: number,
    readonly q: CompiledQuery,
  ) {
    const d = q.descriptors;
    this.singleSort =
      d.length === 1 && d[0]!.kind === 'sort' && !q.needsResolver
        ? (d[0] as Extract<BoundDescriptor, { kind: 'sort' }>).keys.map((k) => ({ steps: k.steps, ascending: k.ascending }))
        : null;
  }

  get type(): string {
    return this.q.typeName;
  }

  get followsLinks(): boolean {
    // A type with linkingObjects properties shows computed backlinks: any change may alter them.
    return this.q.needsResolver || this.q.objectSchema.linkingObjects.size > 0;
  }

  reset(keys: readonly string[], records: readonly ObjectRecord[]): void {
    this.matched.clear();
    this.sorted = null;
    this.entryOf.clear();
    for (let i = 0; i < keys.length; i++) this.matched.set(keys[i]!, records[i]!);
  }

  private compare = (a: SortEntry, b: SortEntry): number => {
    const keys = this.singleSort!;
    for (let i = 0; i < keys.length; i++) {
      const c = sortCompare(a.s[i], b.s[i]);
      if (c !== 0) return keys[i]!.ascending ? c : -c;
    }
    // Ties by primary key, so that the order does not depend on the history of changes.
    return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
  };

  private entry(k: string, rec: ObjectRecord): SortEntry {
    const e = { k, s: this.singleSort!.map((x) => readKeyPath(x.steps, rec, { resolver: undefined })) };
    this.entryOf.set(k, e);
    return e;
  }

  private position(e: SortEntry): number {
    const list = this.sorted!;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(list[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private unsort(k: string): void {
    const e = this.entryOf.get(k);
    if (!this.sorted || !e) return;
    const i = this.position(e);
    if (this.sorted[i] === e) this.sorted.splice(i, 1);
    else this.sorted = null; // should not happen; rebuild
    this.entryOf.delete(k);
  }

  private resort(k: string, rec: ObjectRecord): void {
    if (!this.sorted) return;
    const e = this.entry(k, rec);
    this.sorted.splice(this.position(e), 0, e);
  }

  /** Applies changes to the matched set; returns the keys whose record changed while staying in. */
  apply(changes: readonly ObjectChange[], resolver: ObjectResolver | undefined): { touched: boolean; modified: Set<string> } {
    const modified = new Set<string>();
    let touched = false;
    for (const c of changes) {
      if (c.type !== this.type) continue;
      const before = this.matched.get(c.key);
      const matches = c.record !== undefined && this.q.matches(c.record, resolver);
      if (matches) {
        if (before === undefined) {
          touched = true;
          this.matched.set(c.key, c.record!);
          this.resort(c.key, c.record!);
        } else if (before !== c.record && !valuesEqual(before, c.record!)) {
          touched = true;
          this.matched.set(c.key, c.record!);
          this.unsort(c.key);
          this.resort(c.key, c.record!);
          modified.add(c.key);
        }
      } else if (before !== undefined) {
        touched = true;
        this.matched.delete(c.key);
        this.unsort(c.key);
      }
    }
    return { touched, modified };
  }

  /** The result order: insertion order, one SORT kept incrementally, or the general descriptors. */
  computeOrder(resolver: ObjectResolver | undefined): string[] {
    if (this.q.descriptors.length === 0) return [...this.matched.keys()];
    if (this.singleSort) {
      if (!this.sorted) {
        this.entryOf.clear();
        this.sorted = [...this.matched].map(([k, rec]) => this.entry(k, rec)).sort(this.compare);
      }
      return this.sorted.map((e) => e.k);
    }
    return orderByDescriptors(this.q, [...this.matched.keys()], [...this.matched.values()], resolver);
  }
}

export class LiveQueries {
  private readonly queries = new Map<number, LiveQuery>();

  constructor(
    private readonly db: () => OutpostDexie,
    private readonly layout: IndexLayout,
    private readonly schema: Schema,
    private readonly emit: (e: WorkerEvent) => void,
  ) {}

  get size(): number {
    return this.queries.size;
  }

  /** The types some live query reads (to decide what other tabs' changes need re-reading). */
  watchedTypes(): Set<string> {
    const out = new Set<string>();
    for (const q of this.queries.values()) out.add(q.type);
    return out;
  }

  async watch(id: number, spec: QuerySpec): Promise<void> {
    const q = compileSpec(this.schema, spec);
    const live = new LiveQuery(id, q);
    // Registered before the first fetch: changes committed meanwhile are buffered and replayed.
    this.queries.set(id, live);
    await this.run(live, true);
  }

  unwatch(id: number): void {
    this.queries.delete(id);
  }

  private async run(live: LiveQuery, initial: boolean): Promise<void> {
    try {
      const reads = new Set([...live.q.readsTypes, ...linkingSourceTypes(this.schema, live.type)]);
      const resolver = live.followsLinks ? await loadResolver(this.db(), this.schema, live.type, reads) : undefined;
      const m = await matchQuery(this.db(), this.layout, live.q, resolver);
      if (this.queries.get(live.id) !== live) return;
      const previous = new Map(live.matched);
      live.reset(m.keys, withLinkingObjects(this.schema, live.type, m.records, resolver));
      if (initial) {
        const buffered = live.buffered ?? [];
        live.buffered = null;
        live.ready = true;
        if (buffered.length) live.apply(buffered, resolver);
        live.order = live.computeOrder(resolver);
        this.emit({
          kind: 'query',
          id: live.id,
          initial: true,
          changes: { deletions: [], insertions: [], modifications: [] },
          inserted: live.order.map((k) => recordToStorable(live.matched.get(k)!)),
          modified: [],
        });
        if (live.staleAfterInit) this.scheduleRerun(live);
        return;
      }
      const modified = new Set<string>();
      for (const [k, rec] of live.matched) {
        const before = previous.get(k);
        if (before !== undefined && !valuesEqual(before, rec)) modified.add(k);
      }
      this.publish(live, live.computeOrder(resolver), modified);
    } catch (err) {
      this.queries.delete(live.id);
      this.emit({ kind: 'queryError', id: live.id, error: wireError(err) });
    }
  }

  /** Committed changes with their new records: update every live query they concern. */
  applyChanges(changes: readonly ObjectChange[]): void {
    if (changes.length === 0) return;
    const types = new Set(changes.map((c) => c.type));
    for (const live of this.queries.values()) {
      if (!live.ready) {
        if (live.followsLinks) live.staleAfterInit = true;
        else if (live.buffered && types.has(live.type)) live.buffered.push(...changes);
        continue;
      }
      if (live.followsLinks) {
        this.scheduleRerun(live);
        continue;
      }
      if (!types.has(live.type)) continue;
      const { touched, modified } = live.apply(changes, undefined);
      if (!touched) continue;
      this.publish(live, live.computeOrder(undefined), modified);
    }
  }

  /** Something changed in these types without details (a large download, another tab): re-run. */
  rerunTypes(types: ReadonlySet<string> | 'all'): void {
    for (const live of this.queries.values()) {
      if (!(types === 'all' || types.has(live.type) || live.followsLinks)) continue;
      // One still fetching may have read before the change committed: it runs again once ready.
      if (!live.ready) live.staleAfterInit = true;
      else this.scheduleRerun(live);
    }
  }

  private scheduleRerun(live: LiveQuery): void {
    if (live.rerunPending) return;
    live.rerunPending = true;
    queueMicrotask(() => {
      live.rerunPending = false;
      if (this.queries.get(live.id) !== live || !live.ready) return;
      void this.run(live, false);
    });
  }

  private publish(live: LiveQuery, order: string[], modified: ReadonlySet<string>): void {
    const changes = diffKeys(live.order, order, modified);
    live.order = order;
    if (changes.deletions.length === 0 && changes.insertions.length === 0 && changes.modifications.length === 0) return;
    this.emit({
      kind: 'query',
      id: live.id,
      initial: false,
      changes,
      inserted: changes.insertions.map((i) => recordToStorable(live.matched.get(order[i]!)!)),
      modified: changes.modifications.map((i) => recordToStorable(live.matched.get(order[i]!)!)),
    });
  }
}
