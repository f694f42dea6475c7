import { BehaviorSubject, distinctUntilChanged, filter, firstValueFrom, map, Observable, share } from 'rxjs';
import { type Schema } from '../model/index.ts';
import { compileQuery } from '../query/index.ts';
import { OutpostError } from '../protocol/index.ts';
import type { Result, LocalSubscription, SubscriptionMutation, SubscriptionSetInfo, SubscriptionState } from '../worker-api/api.ts';
import { toPlain, toStorable } from '../worker-api/codec.ts';
import type { Results, SyncOptions, SyncStatus } from './results.ts';
import type { RealmSurface } from './realm-names.ts';

/*
 * Flexible-sync subscriptions, page side. The sets live in the worker's database (so every tab
 * sees the same ones); this class mirrors them from worker events, records mutations, and waits
 * for a set to reach `complete` (bootstrapped and marked) or `error` (QUERY_ERROR).
 */

export interface SubscriptionInfo {
  readonly name?: string;
  readonly objectType: string;
  readonly queryString: string;
  readonly args: readonly unknown[];
  readonly createdAt: Date;
}

function toInfo(q: LocalSubscription): SubscriptionInfo {
  return {
    ...(q.name !== undefined ? { name: q.name } : {}),
    objectType: q.objectType,
    queryString: q.query,
    args: q.args.map((a) => toPlain(a)),
    createdAt: new Date(q.createdAt),
  };
}

/** Records the changes of one `subscriptions.update(…)`. */
export class MutableSubscriptionSet {
  /** @internal */
  readonly mutations: SubscriptionMutation[] = [];

  constructor(
    private readonly schema: Schema,
    private readonly realm?: RealmSurface,
  ) {}

  /**
   * Adds a subscription: `add('Task', 'owner == $0', [id], { name })` or `add(results, { name })`.
   * A named subscription replaces an existing one of that name unless `throwOnUpdate`.
   */
  add(type: string, query: string, args?: readonly unknown[], options?: { name?: string; throwOnUpdate?: boolean }): this;
  add(results: Results<never> | Results<object>, options?: { name?: string; throwOnUpdate?: boolean }): this;
  add(a: string | Results<never> | Results<object>, b?: unknown, c?: unknown, d?: { name?: string; throwOnUpdate?: boolean }): this {
    let type: string;
    let query: string;
    let args: readonly unknown[];
    let options: { name?: string; throwOnUpdate?: boolean } | undefined;
    if (typeof a === 'string') {
      type = a;
      query = this.realm?.names?.storedQuery(a, b as string) ?? (b as string);
      args = (c as readonly unknown[] | undefined) ?? [];
      options = d;
    } else {
      const s = a.subscriptionQuery();
      type = a.type;
      query = s.query;
      args = s.args;
      options = b as typeof options;
    }
    const q = compileQuery(this.schema, type, query, args);
    if (q.descriptors.length > 0) throw new OutpostError('bad_query', 'SORT, DISTINCT and LIMIT are not allowed in a subscription', { type });
    this.mutations.push({
      op: 'add',
      sub: { ...(options?.name !== undefined ? { name: options.name } : {}), objectType: type, query, args: args.map((x) => toStorable(x as never)) },
      updateExisting: options?.throwOnUpdate !== true,
    });
    return this;
  }

  remove(type: string, query: string, args?: readonly unknown[]): this;
  remove(results: Results<never> | Results<object>): this;
  remove(a: string | Results<never> | Results<object>, query?: string, args: readonly unknown[] = []): this {
    if (typeof a === 'string') this.mutations.push({ op: 'remove', objectType: a, query: this.realm?.names?.storedQuery(a, query!) ?? query!, args: args.map((x) => toStorable(x as never)) });
    else {
      const s = a.subscriptionQuery();
      this.mutations.push({ op: 'remove', objectType: a.type, query: s.query, args: s.args.map((x) => toStorable(x as never)) });
    }
    return this;
  }

  removeByName(name: string): this {
    this.mutations.push({ op: 'removeByName', name });
    return this;
  }

  removeByObjectType(type: string): this {
    this.mutations.push({ op: 'removeByType', objectType: type });
    return this;
  }

  removeAll(): this {
    this.mutations.push({ op: 'removeAll' });
    return this;
  }
}

/** What Subscriptions need from their database. */
export interface SubscriptionsHost {
  readonly schema: Schema;
  readonly realm?: RealmSurface | undefined;
  readonly syncEnabled: boolean;
  updateSubscriptions(mutations: readonly SubscriptionMutation[]): Promise<Result<SubscriptionSetInfo>>;
}

interface Held {
  refs: number;
  keep: boolean;
  readonly status$: BehaviorSubject<{ status: SyncStatus; error?: Error }>;
  readonly type: string;
  readonly query: string;
  readonly args: readonly unknown[];
  readonly name: string | undefined;
}

export class Subscriptions {
  private readonly sets$$: BehaviorSubject<readonly SubscriptionSetInfo[]>;
  private readonly held = new Map<string, Held>();

  /** @internal */
  constructor(
    private readonly host: SubscriptionsHost,
    initial: readonly SubscriptionSetInfo[],
  ) {
    this.sets$$ = new BehaviorSubject(initial);
  }

  /** @internal */
  setSets(sets: readonly SubscriptionSetInfo[]): void {
    this.sets$$.next(sets);
  }

  private latest(sets = this.sets$$.value): SubscriptionSetInfo | undefined {
    return sets[sets.length - 1];
  }

  /** The latest set (the one being synchronized, or in error). */
  get version(): number {
    return this.latest()?.version ?? 0;
  }

  get state(): SubscriptionState {
    return this.latest()?.state ?? 'complete';
  }

  get error(): OutpostError | undefined {
    const e = this.latest()?.error;
    return e ? new OutpostError(e.code, e.message, e.details) : undefined;
  }

  /** The state of the latest set: pending, bootstrapping, awaiting_mark, complete, error (superseded for older sets). */
  get state$(): Observable<SubscriptionState> {
    return this.sets$$.pipe(
      map((s) => this.latest(s)?.state ?? 'complete'),
      distinctUntilChanged(),
    );
  }

  /** Every set the database knows, oldest first, with their states. */
  get sets$(): Observable<readonly SubscriptionSetInfo[]> {
    return this.sets$$.asObservable();
  }

  /** The subscriptions of the active set (the latest that was not rejected). */
  get list(): readonly SubscriptionInfo[] {
    const active = [...this.sets$$.value].reverse().find((s) => s.state !== 'error');
    return (active?.queries ?? []).map(toInfo);
  }

  findByName(name: string): SubscriptionInfo | undefined {
    return this.list.find((s) => s.name === name);
  }

  /**
   * Changes the subscription set and resolves when the server has bootstrapped it (state
   * `complete`); rejects with the server's error if it rejects the set. `{ wait: false }` resolves
   * as soon as the change is stored (it is sent when the session is connected).
   */
  async update(fn: (m: MutableSubscriptionSet) => void, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const m = new MutableSubscriptionSet(this.host.schema, this.host.realm);
    fn(m);
    if (m.mutations.length === 0) return;
    const r = await this.host.updateSubscriptions(m.mutations);
    if (!r.ok) throw new OutpostError(r.error.code, r.error.message, r.error.details);
    if (options.wait === false || !this.host.syncEnabled) return;
    await this.waitFor(r.value.version, options.timeoutMs);
  }

  /** Resolves when the latest set is complete (rejects if it is in error). */
  waitForSynchronization(timeoutMs?: number): Promise<void> {
    return this.waitFor(this.version, timeoutMs);
  }

  private async waitFor(version: number, timeoutMs?: number): Promise<void> {
    if (version === 0) return;
    const done = this.sets$$.pipe(
      map((sets) => sets.find((s) => s.version === version) ?? (sets.some((s) => s.version > version) ? ({ state: 'superseded' } as const) : undefined)),
      filter((s) => s !== undefined && (s.state === 'complete' || s.state === 'superseded' || s.state === 'error')),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout =
      timeoutMs === undefined
        ? undefined
        : new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new OutpostError('timeout', `subscription set ${version} did not complete within ${timeoutMs} ms`)), timeoutMs);
          });
    try {
      const s = (await (timeout ? Promise.race([firstValueFrom(done), timeout]) : firstValueFrom(done)))!;
      if (s.state === 'error') {
        const e = (s as SubscriptionSetInfo).error;
        throw new OutpostError(e?.code ?? 'bad_query', e?.message ?? 'the server rejected the subscription set', { ...(e?.details ?? {}), version });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * @internal A reference-counted subscription (Results.sync$): the first holder adds it, the last
   * one removes it (unless `keep`). The status follows the set that added it.
   */
  hold(type: string, query: string, args: readonly unknown[], options: SyncOptions): Observable<{ status: SyncStatus; error?: Error }> {
    const key = options.name ?? JSON.stringify([type, query, args.map((a) => toStorable(a as never))]);
    return new Observable<{ status: SyncStatus; error?: Error }>((subscriber) => {
      let h = this.held.get(key);
      if (!h) {
        h = { refs: 0, keep: options.keep === true, status$: new BehaviorSubject<{ status: SyncStatus; error?: Error }>({ status: 'bootstrapping' }), type, query, args, name: options.name };
        this.held.set(key, h);
        const held = h;
        this.update((m) => m.add(type, query, args, options.name !== undefined ? { name: options.name } : {})).then(
          () => held.status$.next({ status: 'complete' }),
          (error: Error) => held.status$.next({ status: 'error', error }),
        );
      }
      h.refs++;
      if (options.keep) h.keep = true;
      const sub = h.status$.subscribe(subscriber);
      const held = h;
      return () => {
        sub.unsubscribe();
        held.refs--;
        if (held.refs > 0) return;
        this.held.delete(key);
        if (held.keep) return;
        void this.update(
          (m) => (held.name !== undefined ? m.removeByName(held.name) : m.remove(held.type, held.query, held.args)),
          { wait: false },
        ).catch(() => {});
      };
    }).pipe(share());
  }
}
