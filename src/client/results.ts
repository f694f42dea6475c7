import { combineLatest, defer, map, Observable, shareReplay } from 'rxjs';
import { checkPrimaryKey, type Schema } from '../model/index.ts';
import { formatQuery } from '../query/index.ts';
import type { StoredRecord } from '../worker-api/codec.ts';
import { toStorable } from '../worker-api/codec.ts';
import type { IndexChanges } from '../worker-api/diff.ts';
import { compileSpec, specToAst, type QuerySpec } from '../worker-api/query-spec.ts';
import type { Snapshot } from './snapshot.ts';
import { snapshotOf } from './snapshot.ts';
import type { RealmSurface } from './realm-names.ts';

/*
 * Results: an immutable description of a query (`objects(type).filtered(…).sorted(…)`), checked on
 * the page when it is built, and run in the worker. `observe()` is a live view: one worker-side
 * live query per distinct query, shared by every subscriber and replayed to late ones.
 */

export interface LiveState<T> {
  readonly items: readonly Snapshot<T>[];
  readonly changes: IndexChanges;
  readonly initial: boolean;
}

/** One notification of `changes()`, like a Realm collection listener's. */
export interface ResultsChange<T> {
  readonly results: readonly Snapshot<T>[];
  /** Indices in the previous results. */
  readonly deletions: readonly number[];
  /** Indices in the new results. */
  readonly insertions: readonly number[];
  /** Indices in the new results of objects whose content changed. */
  readonly modifications: readonly number[];
}

export type SyncStatus = 'bootstrapping' | 'complete' | 'error';

export interface SyncedResults<T> {
  readonly results: readonly Snapshot<T>[];
  readonly status: SyncStatus;
  readonly error?: Error;
}

export interface SyncOptions {
  /** A name for the flexible-sync subscription (else it is identified by its query). */
  readonly name?: string;
  /** Keep the subscription when the last observer unsubscribes. */
  readonly keep?: boolean;
}

/** What Results need from their database. */
export interface ResultsHost {
  readonly schema: Schema;
  /** Set when the database was opened with a Realm JS schema that renames or has write-only types. */
  readonly realm?: RealmSurface | undefined;
  live<T>(spec: QuerySpec): Observable<LiveState<T>>;
  runQuery(spec: QuerySpec): Promise<StoredRecord[]>;
  holdSubscription(type: string, query: string, args: readonly unknown[], options: SyncOptions): Observable<{ status: SyncStatus; error?: Error }>;
  subscribeQuery(type: string, query: string, args: readonly unknown[], options: { name?: string; timeoutMs?: number }): Promise<void>;
  unsubscribeQuery(type: string, query: string, args: readonly unknown[]): Promise<void>;
}

const NO_CHANGES: IndexChanges = Object.freeze({ deletions: [], insertions: [], modifications: [] }) as IndexChanges;

export class Results<T = Record<string, unknown>> {
  private observed: Observable<readonly Snapshot<T>[]> | undefined;

  /** @internal */
  constructor(
    private readonly host: ResultsHost,
    readonly spec: QuerySpec,
  ) {
    // Checked now, so a bad query throws a typed error where it is written.
    compileSpec(host.schema, spec);
  }

  get type(): string {
    return this.spec.type;
  }

  /** Narrows the results with a Realm Query Language predicate; `$0`, `$1`… are `args`. */
  filtered(query: string, ...args: unknown[]): Results<T> {
    query = this.host.realm?.names?.storedQuery(this.spec.type, query) ?? query;
    const stored = args.map((a) => (Array.isArray(a) ? a.map((x) => toStorable(x as never)) : toStorable(a as never)));
    return new Results<T>(this.host, { ...this.spec, filters: [...this.spec.filters, { query, args: stored }] });
  }

  /**
   * Sorts by a key path (`'dueAt'`, `'customer.name'`), or by several: `[['priority', true], 'dueAt']`
   * (`true` = descending). A later `sorted` orders first; earlier ones break its ties.
   */
  sorted(keyPath: string | readonly (string | readonly [string, boolean])[], reverse = false): Results<T> {
    const keys =
      typeof keyPath === 'string'
        ? [{ keyPath, ascending: !reverse }]
        : keyPath.map((k) => (typeof k === 'string' ? { keyPath: k, ascending: true } : { keyPath: k[0], ascending: !k[1] }));
    const names = this.host.realm?.names;
    if (names) for (const k of keys) k.keyPath = names.storedKeyPath(this.spec.type, k.keyPath);
    return new Results<T>(this.host, { ...this.spec, sorts: [...this.spec.sorts, keys] });
  }

  /** A live view: frozen snapshots, re-emitted after every committed change that affects them. */
  observe(): Observable<readonly Snapshot<T>[]> {
    return (this.observed ??= this.host.live<T>(this.spec).pipe(map((s) => s.items)));
  }

  /** Like Realm's collection listeners: the results and which indices changed since the last emission. */
  changes(): Observable<ResultsChange<T>> {
    return defer(() => {
      let first = true;
      return this.host.live<T>(this.spec).pipe(
        map((s) => {
          const c = first ? NO_CHANGES : s.changes;
          first = false;
          return { results: s.items, deletions: c.deletions, insertions: c.insertions, modifications: c.modifications };
        }),
      );
    });
  }

  /** The results now, once. */
  async toArray(): Promise<readonly Snapshot<T>[]> {
    const rows = await this.host.runQuery(this.spec);
    return Object.freeze(rows.map((r) => snapshotOf<T>(this.spec.type, r, this.host.realm?.names)));
  }

  /** The subscription query of these results: the filters in one text (sorts do not apply). */
  subscriptionQuery(): { query: string; args: unknown[] } {
    if (this.spec.filters.length === 0) return { query: 'TRUEPREDICATE', args: [] };
    if (this.spec.filters.length === 1) {
      const f = this.spec.filters[0]!;
      return { query: f.query, args: specToAst({ ...this.spec, sorts: [] }).args };
    }
    const { ast, args } = specToAst({ ...this.spec, sorts: [] });
    return { query: formatQuery({ ...ast, descriptors: [] }), args };
  }

  /**
   * Holds a flexible-sync subscription for this query while anyone observes, and emits the
   * results with the subscription's status. Observers of the same query share one subscription;
   * it is removed when the last one leaves, unless `keep`.
   */
  sync$(options: SyncOptions = {}): Observable<SyncedResults<T>> {
    const { query, args } = this.subscriptionQuery();
    return combineLatest([this.observe(), this.host.holdSubscription(this.type, query, args, options)]).pipe(
      map(([results, s]) => ({ results, status: s.status, ...(s.error ? { error: s.error } : {}) })),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  /** Adds a subscription for this query and resolves when it is synchronized (Realm's `results.subscribe()`). */
  async subscribe(options: { name?: string; timeoutMs?: number } = {}): Promise<this> {
    const { query, args } = this.subscriptionQuery();
    await this.host.subscribeQuery(this.type, query, args, options);
    return this;
  }

  /** Removes the unnamed subscription of this query. */
  async unsubscribe(): Promise<void> {
    const { query, args } = this.subscriptionQuery();
    await this.host.unsubscribeQuery(this.type, query, args);
  }
}

/** One object by primary key, live. */
export class ObjectQuery<T = Record<string, unknown>> {
  private readonly results: Results<T>;

  /** @internal */
  constructor(host: ResultsHost, type: string, pk: unknown) {
    const t = host.schema.require(type);
    const key = checkPrimaryKey(host.schema, type, pk);
    this.results = new Results<T>(host, { type, filters: [{ query: `${t.primaryKey} == $0`, args: [toStorable(key)] }], sorts: [] });
  }

  /** The object, or null while it does not exist; re-emitted when it changes. */
  observe(): Observable<Snapshot<T> | null> {
    return this.results.observe().pipe(map((items) => items[0] ?? null));
  }

  async get(): Promise<Snapshot<T> | null> {
    return (await this.results.toArray())[0] ?? null;
  }
}
