import { combineLatest, type Observable, type Subscription } from 'rxjs';
import { onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue';
import { specKey, type Conflict, type ConnectionState, type Credentials, type Results, type Snapshot, type SyncOptions, type SyncProgress, type SyncStatus, type User } from '../client/index.ts';
import { useApp, useDatabase } from './plugin.ts';

/*
 * Composables: thin adapters from the client's observables to Vue refs (shallow: the values are
 * frozen snapshots, replaced as a whole). Reactive inputs read in a query builder re-run it.
 */

function follow<T>(target: Ref<T>, obs: Observable<T>): Subscription {
  return obs.subscribe({ next: (v) => (target.value = v) });
}

/** Subscribes to whatever `make` returns now, and again when a reactive input of it changes. */
function followReactive<T, K>(target: Ref<T>, make: () => { key: K; obs: Observable<T> }, onError?: (e: unknown) => void): void {
  let sub: Subscription | undefined;
  let current: K | undefined;
  watch(
    make,
    (next) => {
      if (sub && next.key === current) return;
      sub?.unsubscribe();
      current = next.key;
      sub = next.obs.subscribe({ next: (v) => (target.value = v), ...(onError ? { error: onError } : {}) });
    },
    { immediate: true },
  );
  onScopeDispose(() => sub?.unsubscribe());
}

/** `const tasks = useQuery('Task', q => q.filtered('owner == $0', userId.value))` — a ShallowRef of frozen snapshots. */
export function useQuery<T = Record<string, unknown>>(type: MaybeRefOrGetter<string>, build?: (q: Results<T>) => Results<T>): ShallowRef<readonly Snapshot<T>[]> {
  const db = useDatabase();
  const out = shallowRef<readonly Snapshot<T>[]>([]);
  followReactive(out, () => {
    const base = db.objects<T>(toValue(type));
    const results = build ? build(base) : base;
    return { key: specKey(results.spec), obs: results.observe() };
  });
  return out;
}

/** One object by primary key (reactive), or null while it does not exist. */
export function useObject<T = Record<string, unknown>>(type: MaybeRefOrGetter<string>, pk: MaybeRefOrGetter<unknown>): ShallowRef<Snapshot<T> | null> {
  const db = useDatabase();
  const out = shallowRef<Snapshot<T> | null>(null);
  followReactive(out, () => {
    const t = toValue(type);
    const k = toValue(pk);
    return { key: `${t}\u0000${String(k)}`, obs: db.object<T>(t, k).observe() };
  });
  return out;
}

export interface VueSyncState {
  readonly connectionState: Ref<ConnectionState>;
  readonly progress: ShallowRef<SyncProgress>;
  readonly pendingUploads: Ref<number>;
  readonly isLeader: Ref<boolean>;
}

export function useSyncState(): VueSyncState {
  const db = useDatabase();
  const connectionState = ref<ConnectionState>(db.sync.connectionState);
  const progress = shallowRef<SyncProgress>(db.sync.progress);
  const pendingUploads = ref(db.sync.progress.pendingUploads);
  const isLeader = ref(db.sync.isLeader);
  const sub = combineLatest([db.sync.connectionState$, db.sync.progress$, db.sync.isLeader$]).subscribe(([c, p, l]) => {
    connectionState.value = c;
    progress.value = p;
    pendingUploads.value = p.pendingUploads;
    isLeader.value = l;
  });
  onScopeDispose(() => sub.unsubscribe());
  return { connectionState, progress, pendingUploads, isLeader };
}

export interface VueConflicts {
  /** The conflicts this user lost and has not dismissed (`db.conflicts$`). */
  readonly conflicts: ShallowRef<readonly Conflict[]>;
  readonly dismiss: (ids: readonly number[]) => Promise<void>;
  /** Writes the lost value back, then dismisses it (`db.restoreConflict`). */
  readonly restore: (conflict: Conflict) => Promise<void>;
}

/** The conflicts this user lost, so the app can say "your title was replaced by Ben's" and offer to restore it. */
export function useConflicts(): VueConflicts {
  const db = useDatabase();
  const conflicts = shallowRef<readonly Conflict[]>(db.conflicts);
  const sub = follow(conflicts, db.conflicts$);
  onScopeDispose(() => sub.unsubscribe());
  return { conflicts, dismiss: (ids) => db.dismissConflicts(ids), restore: (c) => db.restoreConflict(c) };
}

export interface VueSubscription<T> {
  readonly results: ShallowRef<readonly Snapshot<T>[]>;
  readonly status: Ref<SyncStatus>;
  readonly error: ShallowRef<Error | null>;
}

/** Holds a flexible-sync subscription for the query while the scope lives; results and status as refs. */
export function useSubscription<T = Record<string, unknown>>(type: MaybeRefOrGetter<string>, build?: (q: Results<T>) => Results<T>, options: SyncOptions = {}): VueSubscription<T> {
  const db = useDatabase();
  const state = shallowRef<{ results: readonly Snapshot<T>[]; status: SyncStatus; error?: Error }>({ results: [], status: 'bootstrapping' });
  followReactive(state, () => {
    const base = db.objects<T>(toValue(type));
    const results = build ? build(base) : base;
    return { key: specKey(results.spec), obs: results.sync$(options) };
  });
  const results = shallowRef<readonly Snapshot<T>[]>([]);
  const status = ref<SyncStatus>('bootstrapping');
  const error = shallowRef<Error | null>(null);
  watch(
    state,
    (s) => {
      results.value = s.results;
      status.value = s.status;
      error.value = s.error ?? null;
    },
    { immediate: true },
  );
  return { results, status, error };
}

/** The current user (null when nobody is logged in). */
export function useUser(): ShallowRef<User | null> {
  const app = useApp();
  const user = shallowRef<User | null>(app.currentUser);
  const sub = follow(user, app.currentUser$);
  onScopeDispose(() => sub.unsubscribe());
  return user;
}

export interface VueAuth {
  readonly user: ShallowRef<User | null>;
  readonly pending: Ref<boolean>;
  readonly error: ShallowRef<Error | null>;
  logIn(credentials: Credentials): Promise<User | null>;
  register(email: string, password: string): Promise<boolean>;
  logOut(): Promise<void>;
}

export function useAuth(): VueAuth {
  const app = useApp();
  const user = useUser();
  const pending = ref(false);
  const error = shallowRef<Error | null>(null);
  async function run<R>(fn: () => Promise<R>, failed: R): Promise<R> {
    pending.value = true;
    error.value = null;
    try {
      return await fn();
    } catch (err) {
      error.value = err as Error;
      return failed;
    } finally {
      pending.value = false;
    }
  }
  return {
    user,
    pending,
    error,
    logIn: (c) => run(() => app.logIn(c), null),
    register: (email, password) => run(() => app.emailPasswordAuth.registerUser({ email, password }).then(() => true), false),
    logOut: () => run(() => app.currentUser?.logOut() ?? Promise.resolve(), undefined),
  };
}
