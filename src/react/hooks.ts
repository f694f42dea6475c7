import { useCallback, useMemo, useState, type DependencyList } from 'react';
import { combineLatest, map } from 'rxjs';
import type { Conflict, ConnectionState, Credentials, Results, Snapshot, SyncOptions, SyncProgress, SyncStatus, User } from '../client/index.ts';
import { snapshotKey, useObservable, useStableList } from './observable.ts';
import { useApp, useDatabase } from './providers.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * A live query: `useQuery('Task', q => q.filtered('done == false').sorted('dueAt'), [])`. Returns
 * frozen snapshots; an object that did not change keeps its identity between renders.
 */
export function useQuery<T = Record<string, unknown>>(type: string, build?: (q: Results<T>) => Results<T>, deps: DependencyList = []): readonly Snapshot<T>[] {
  const db = useDatabase();
  const results = useMemo(() => (build ? build(db.objects<T>(type)) : db.objects<T>(type)), [db, type, ...deps]);
  const items = useObservable(() => results.observe(), [results], EMPTY as readonly Snapshot<T>[]);
  const pk = db.schema.get(type)?.primaryKey;
  return useStableList(items, (i) => snapshotKey(i, pk));
}

/** One object by primary key, or null while it does not exist. */
export function useObject<T = Record<string, unknown>>(type: string, pk: unknown): Snapshot<T> | null {
  const db = useDatabase();
  const key = pk === null || pk === undefined ? '' : String(pk);
  return useObservable(() => db.object<T>(type, pk).observe(), [db, type, key], null);
}

export interface SyncState {
  readonly connectionState: ConnectionState;
  readonly progress: SyncProgress;
  readonly pendingUploads: number;
  readonly isLeader: boolean;
}

/** The sync session's state: connection, pending uploads, progress, and whether this tab holds the socket. */
export function useSyncState(): SyncState {
  const db = useDatabase();
  const initial: SyncState = {
    connectionState: db.sync.connectionState,
    progress: db.sync.progress,
    pendingUploads: db.sync.progress.pendingUploads,
    isLeader: db.sync.isLeader,
  };
  return useObservable(
    () =>
      combineLatest([db.sync.connectionState$, db.sync.progress$, db.sync.isLeader$]).pipe(
        map(([connectionState, progress, isLeader]) => ({ connectionState, progress, pendingUploads: progress.pendingUploads, isLeader })),
      ),
    [db],
    initial,
  );
}

export interface ConflictsState {
  /** The conflicts this user lost and has not dismissed (`db.conflicts$`). */
  readonly conflicts: readonly Conflict[];
  readonly dismiss: (ids: readonly number[]) => Promise<void>;
  /** Writes the lost value back, then dismisses it (`db.restoreConflict`). */
  readonly restore: (conflict: Conflict) => Promise<void>;
}

/** The conflicts this user lost, so the app can say "your title was replaced by Ben's" and offer to restore it. */
export function useConflicts(): ConflictsState {
  const db = useDatabase();
  const conflicts = useObservable(() => db.conflicts$, [db], db.conflicts);
  const dismiss = useCallback((ids: readonly number[]) => db.dismissConflicts(ids), [db]);
  const restore = useCallback((c: Conflict) => db.restoreConflict(c), [db]);
  return useMemo(() => ({ conflicts, dismiss, restore }), [conflicts, dismiss, restore]);
}

export interface SubscriptionStatus<T> {
  readonly results: readonly Snapshot<T>[];
  readonly status: SyncStatus;
  readonly error?: Error;
}

/**
 * Holds a flexible-sync subscription for a query while the component is mounted (shared with
 * other components using the same query) and returns the results with the subscription's status.
 */
export function useSubscription<T = Record<string, unknown>>(
  type: string,
  build?: (q: Results<T>) => Results<T>,
  deps: DependencyList = [],
  options: SyncOptions = {},
): SubscriptionStatus<T> {
  const db = useDatabase();
  const results = useMemo(() => (build ? build(db.objects<T>(type)) : db.objects<T>(type)), [db, type, ...deps]);
  const initial: SubscriptionStatus<T> = { results: EMPTY as readonly Snapshot<T>[], status: 'bootstrapping' };
  const value = useObservable(() => results.sync$(options), [results, options.name, options.keep], initial);
  const pk = db.schema.get(type)?.primaryKey;
  const stable = useStableList(value.results, (i) => snapshotKey(i, pk));
  return stable === value.results ? value : { ...value, results: stable };
}

export interface AuthState {
  readonly user: User | null;
  readonly pending: boolean;
  readonly error: Error | null;
  logIn(credentials: Credentials): Promise<User | null>;
  register(email: string, password: string): Promise<boolean>;
  logOut(): Promise<void>;
}

/** Login, registration and logout with pending and error state for forms. */
export function useAuth(): AuthState {
  const app = useApp();
  const user = useObservable(() => app.currentUser$, [app], app.currentUser);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = useCallback(async <R>(fn: () => Promise<R>, failed: R): Promise<R> => {
    setPending(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err as Error);
      return failed;
    } finally {
      setPending(false);
    }
  }, []);
  return {
    user,
    pending,
    error,
    logIn: (credentials) => run(() => app.logIn(credentials), null),
    register: (email, password) => run(() => app.emailPasswordAuth.registerUser({ email, password }).then(() => true), false),
    logOut: () => run(() => app.currentUser?.logOut() ?? Promise.resolve(), undefined),
  };
}
