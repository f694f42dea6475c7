import { BehaviorSubject, distinctUntilChanged, Observable, shareReplay, Subject } from 'rxjs';
import type { Schema } from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import type {
  ClientResetMode,
  ConnectionState,
  EventSink,
  ResetHandler,
  Result,
  SubscriptionMutation,
  SubscriptionSetInfo,
  SyncProgress,
  WorkerEvent,
} from '../worker-api/api.ts';
import { applyIndexChanges } from '../worker-api/diff.ts';
import { specKey, type QuerySpec } from '../worker-api/query-spec.ts';
import type { StoredRecord } from '../worker-api/codec.ts';
import type { WorkerConnection } from './connection.ts';
import { conflictFromInfo, isRestorable, notRestorable, type Conflict } from './conflicts.ts';
import { fromWire, SyncError } from './errors.ts';
import { normalizeResetMode, resetHandler, type ClientResetConfig, type ClientResetModeInput } from './reset.ts';
import { SerializedTransaction } from './transact-tx.ts';
import { ObjectQuery, Results, type LiveState, type ResultsHost, type SyncOptions, type SyncStatus } from './results.ts';
import { sameContent, snapshotOf, type Snapshot } from './snapshot.ts';
import type { RealmSurface } from './realm-names.ts';
import { PageReader } from './page-reader.ts';
import { Subscriptions } from './subscriptions.ts';
import { ObjectRef, WriteTransaction } from './write-tx.ts';

/*
 * A database as the page sees it: queries (Results), writes recorded on the page and committed in
 * the worker, subscriptions, and the sync session's state. Everything here is a thin client of the
 * worker (src/worker/host.ts); every event the worker sends arrives in `handle`.
 */

const EMPTY_PROGRESS: SyncProgress = {
  pendingUploads: 0,
  lastClientVersion: 0,
  acknowledgedClientVersion: 0,
  serverVersion: 0,
  latestServerVersion: 0,
  downloaded: 0,
  downloadable: 0,
};

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw fromWire(r.error);
  return r.value;
}

/** The sync session of a database, as seen from any tab. */
export class SyncControl {
  /** @internal */ readonly connection$$ = new BehaviorSubject<ConnectionState>('disconnected');
  /** @internal */ readonly progress$$ = new BehaviorSubject<SyncProgress>(EMPTY_PROGRESS);
  /** @internal */ readonly leader$$ = new BehaviorSubject<boolean>(false);
  /** @internal */ fileIdent$$ = new BehaviorSubject<number | null>(null);

  /** @internal */
  constructor(
    private readonly db: Database,
    readonly enabled: boolean,
  ) {}

  /** 'connecting', 'connected', 'disconnected' (waiting to reconnect, or stopped) or 'paused'. */
  get connectionState$(): Observable<ConnectionState> {
    return this.connection$$.pipe(distinctUntilChanged());
  }

  get connectionState(): ConnectionState {
    return this.connection$$.value;
  }

  /** Pending uploads, versions acknowledged and integrated, the server's download progress. */
  get progress$(): Observable<SyncProgress> {
    return this.progress$$.asObservable();
  }

  get progress(): SyncProgress {
    return this.progress$$.value;
  }

  /** Whether this tab's worker holds the socket (one tab per database does). */
  get isLeader$(): Observable<boolean> {
    return this.leader$$.pipe(distinctUntilChanged());
  }

  get isLeader(): boolean {
    return this.leader$$.value;
  }

  /** The client file ident the server gave this local database (null before the first IDENT). */
  get fileIdent(): number | null {
    return this.fileIdent$$.value;
  }

  pause(): Promise<void> {
    return this.db.conn.api.pause();
  }

  resume(): Promise<void> {
    return this.db.conn.api.resume();
  }

  /** Resolves when every local write made so far has been acknowledged by the server. */
  async waitForUpload(options: { timeoutMs?: number } = {}): Promise<void> {
    unwrap(await this.db.conn.api.waitForUpload(options.timeoutMs ?? null));
  }

  /** Resolves when everything the server has now has been downloaded and integrated (MARK). */
  async waitForDownload(options: { timeoutMs?: number } = {}): Promise<void> {
    unwrap(await this.db.conn.api.waitForDownload(options.timeoutMs ?? null));
  }

  /**
   * Resets the client by hand (online only): fetches a fresh copy from the server and, with a
   * recover mode, replays the local changes it never integrated (see docs/client.md "Client
   * reset"). The mode defaults to the configured one (`recoverOrDiscardUnsyncedChanges` when that
   * is `manual`). Resolves once the reset is applied; rejects with `offline` or `connection_lost`
   * (nothing reset) or `client_reset` (the reset failed; onFallback was called).
   */
  async resetClient(options: { mode?: ClientResetModeInput } = {}): Promise<void> {
    let mode: ClientResetMode = normalizeResetMode(options.mode ?? this.db.resetMode);
    if (mode === 'manual') {
      if (options.mode !== undefined) throw new OutpostError('internal', "resetClient needs a mode that resets, not 'manual'");
      mode = 'recoverOrDiscardUnsyncedChanges';
    }
    unwrap(await this.db.conn.api.resetClient(mode));
  }
}

export interface DatabaseInit {
  readonly conn: WorkerConnection;
  readonly schema: Schema;
  readonly name: string;
  readonly syncEnabled: boolean;
  readonly subscriptions: readonly SubscriptionSetInfo[];
  readonly onClose?: () => void;
  readonly onEvent?: (e: WorkerEvent) => void;
  readonly clientReset?: ClientResetConfig<Database>;
  readonly realm?: RealmSurface;
}

type QueryHandler = (e: Extract<WorkerEvent, { kind: 'query' | 'queryError' }>) => void;

export class Database implements ResultsHost {
  readonly schema: Schema;
  readonly name: string;
  readonly sync: SyncControl;
  readonly subscriptions: Subscriptions;
  /** @internal */ readonly conn: WorkerConnection;
  private readonly errors$$ = new Subject<SyncError>();
  private readonly conflicts$$ = new BehaviorSubject<readonly Conflict[]>([]);
  private readonly unheard: SyncError[] = [];
  private readonly closed$$ = new BehaviorSubject<boolean>(false);
  private readonly handlers = new Map<number, QueryHandler>();
  private readonly lives = new Map<string, Observable<LiveState<unknown>>>();
  private querySeq = 0;
  private reader: PageReader | undefined;
  private readonly init: DatabaseInit;
  /** @internal Realm JS schema features at the surface (`mapTo`, function defaults). */
  readonly realm: RealmSurface | undefined;

  /** @internal */
  constructor(init: DatabaseInit) {
    this.init = init;
    this.realm = init.realm;
    this.conn = init.conn;
    this.schema = init.schema;
    this.name = init.name;
    this.sync = new SyncControl(this, init.syncEnabled);
    this.subscriptions = new Subscriptions(this, init.subscriptions);
    // The network came back: the worker retries at once instead of waiting out its backoff.
    const g = globalThis as { addEventListener?: (t: string, l: () => void) => void; document?: unknown };
    if (init.syncEnabled && g.document && g.addEventListener) {
      g.addEventListener('online', this.onOnline);
    }
  }

  private readonly onOnline = () => {
    if (!this.closed$$.value) void this.conn.api.online().catch(() => {});
  };

  /** @internal The event sink handed to the worker. */
  sink(): EventSink {
    return { event: (e: WorkerEvent) => this.handle(e) };
  }

  get syncEnabled(): boolean {
    return this.init.syncEnabled;
  }

  /** @internal The configured client reset mode. */
  get resetMode(): ClientResetMode {
    return normalizeResetMode(this.init.clientReset?.mode);
  }

  /** @internal The reset callbacks handed to the worker. */
  resetHandler(): ResetHandler {
    return resetHandler(() => this.conn.api, this.schema, this, this.init.clientReset, this.realm?.names);
  }

  private handle(e: WorkerEvent): void {
    this.init.onEvent?.(e);
    switch (e.kind) {
      case 'query':
      case 'queryError':
        this.handlers.get(e.id)?.(e);
        return;
      case 'connection':
        this.sync.connection$$.next(e.state);
        return;
      case 'progress':
        this.sync.progress$$.next(e.progress);
        return;
      case 'subscriptions':
        this.subscriptions.setSets(e.sets);
        return;
      case 'error':
        this.emitError(SyncError.from(e.error));
        return;
      case 'identity':
        this.sync.fileIdent$$.next(e.fileIdent);
        return;
      case 'leader':
        this.sync.leader$$.next(e.isLeader);
        return;
      case 'conflicts':
        this.conflicts$$.next(e.entries.map(conflictFromInfo));
        return;
      case 'closed':
        this.emitError(new SyncError(e.error.code, e.error.message, 'fatal'));
        void this.close();
        return;
    }
  }

  /** @internal Reports an error as if the session had (used by open for eviction). */
  reportError(err: SyncError): void {
    this.emitError(err);
  }

  private emitError(err: SyncError): void {
    // Errors with nobody listening yet (one found while opening) wait for the first listener.
    if (!this.errors$$.observed) {
      if (this.unheard.length < 20) this.unheard.push(err);
      return;
    }
    this.errors$$.next(err);
  }

  /**
   * Sync errors and warnings (compensating writes, server errors, a lost local database). Errors
   * raised before anyone subscribed are delivered to the first subscriber.
   */
  get errors$(): Observable<SyncError> {
    return new Observable<SyncError>((subscriber) => {
      const s = this.errors$$.subscribe(subscriber);
      const pending = this.unheard.splice(0);
      for (const e of pending) subscriber.next(e);
      return s;
    });
  }

  /**
   * The conflicts this user lost and has not dismissed, oldest first (docs/client.md,
   * "Conflicts"): values replaced by a concurrent write that won, writes a concurrent delete
   * removed, writes the server reverted. Emits the current list at once, then on every change.
   */
  get conflicts$(): Observable<readonly Conflict[]> {
    return this.conflicts$$.asObservable();
  }

  get conflicts(): readonly Conflict[] {
    return this.conflicts$$.value;
  }

  /** Marks conflicts read: gone from `conflicts$` at once, and on the user's other devices once the server hears of it. */
  async dismissConflicts(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.conn.api.dismissConflicts(ids);
  }

  /**
   * Writes a lost value back (a new local write, synced like any other: it is a new decision,
   * and may itself be refused), then dismisses the conflict. Throws `not_found` when there is
   * nothing to write back (see `isRestorable`).
   */
  async restoreConflict(conflict: Conflict): Promise<void> {
    if (!isRestorable(conflict)) throw notRestorable(conflict);
    const lost = conflict.lost as { value: unknown };
    const list = conflict.path.length === 1 && this.schema.get(conflict.type)?.properties.get(conflict.path[0]!)?.collection === 'list';
    await this.write((tx) => {
      const ref = tx.ref(conflict.type, conflict.pk);
      // A list's lost value is the elements inserted (a note): they are added again, after what is there.
      if (list && Array.isArray(lost.value)) tx.list(ref, conflict.path).push(...lost.value);
      else tx.assign(ref, conflict.path, lost.value);
    });
    await this.dismissConflicts([conflict.id]);
  }

  /** Calls `handler` for every sync error; returns a function that stops it. */
  onError(handler: (err: SyncError) => void): () => void {
    const s = this.errors$.subscribe(handler);
    return () => s.unsubscribe();
  }

  get isClosed(): boolean {
    return this.closed$$.value;
  }

  private ensureOpen(): void {
    if (this.closed$$.value) throw new OutpostError('database_closed', `database ${this.name} is closed`);
  }

  // ---- queries ------------------------------------------------------------------------------------

  /** Every object of a type, to narrow with `.filtered(…)` and order with `.sorted(…)`. */
  objects<T = Record<string, unknown>>(type: string): Results<T> {
    this.schema.require(type);
    return new Results<T>(this, { type, filters: [], sorts: [] });
  }

  /** One object by primary key. */
  object<T = Record<string, unknown>>(type: string, pk: unknown): ObjectQuery<T> {
    return new ObjectQuery<T>(this, type, pk);
  }

  /** A reference to an object for the write calls. */
  ref(type: string, pk: unknown): ObjectRef {
    return new WriteTransaction(this.schema, this.realm).ref(type, pk);
  }

  /** @internal One worker-side live query per distinct spec, shared and replayed. */
  live<T>(spec: QuerySpec): Observable<LiveState<T>> {
    const key = specKey(spec);
    let obs = this.lives.get(key);
    if (!obs) {
      obs = this.createLive<T>(spec, key) as Observable<LiveState<unknown>>;
      this.lives.set(key, obs);
    }
    return obs as Observable<LiveState<T>>;
  }

  private createLive<T>(spec: QuerySpec, key: string): Observable<LiveState<T>> {
    return new Observable<LiveState<T>>((subscriber) => {
      if (this.closed$$.value) {
        subscriber.error(new OutpostError('database_closed', `database ${this.name} is closed`));
        return;
      }
      const id = ++this.querySeq;
      const closing = this.closed$$.subscribe((closed) => closed && subscriber.complete());
      let items: readonly Snapshot<T>[] = Object.freeze([]);
      this.handlers.set(id, (e) => {
        if (e.kind === 'queryError') {
          subscriber.error(fromWire(e.error));
          return;
        }
        const inserted = e.inserted.map((r) => snapshotOf<T>(spec.type, r, this.realm?.names));
        if (e.initial) items = Object.freeze(inserted);
        else {
          const next = applyIndexChanges(items, e.changes, inserted, []);
          e.changes.modifications.forEach((m, i) => {
            const s = snapshotOf<T>(spec.type, e.modified[i]!, this.realm?.names);
            // Keep the old object when nothing visible changed, so that memoized views stay put.
            next[m] = sameContent(next[m], s) ? next[m]! : s;
          });
          items = Object.freeze(next);
        }
        subscriber.next({ items, changes: e.changes, initial: e.initial });
      });
      this.conn.api.watch(id, spec).then(
        (r) => {
          if (!r.ok) subscriber.error(fromWire(r.error));
        },
        (err) => subscriber.error(err),
      );
      return () => {
        closing.unsubscribe();
        this.handlers.delete(id);
        if (this.lives.get(key) && !this.closed$$.value) void this.conn.api.unwatch(id).catch(() => {});
        this.lives.delete(key);
      };
    }).pipe(shareReplay({ bufferSize: 1, refCount: true }));
  }

  /** @internal */
  async runQuery(spec: QuerySpec): Promise<StoredRecord[]> {
    this.ensureOpen();
    // In a browser the page reads IndexedDB itself (page-reader.ts); in-process there is no hop.
    if (!this.conn.inProcess) {
      const rows = await (this.reader ??= new PageReader(this.name, this.schema)).query(spec);
      if (rows) return rows;
    }
    return unwrap(await this.conn.api.query(spec));
  }

  // ---- writes ---------------------------------------------------------------------------------------

  /**
   * Runs `fn` with a write transaction: every operation is validated on the page and recorded,
   * then all of them are committed in the worker in one IndexedDB transaction, or none (the
   * promise rejects with a typed OutpostError). Resolves with `fn`'s result once committed
   * locally, online or not.
   */
  async write<R>(fn: (tx: WriteTransaction) => R | Promise<R>): Promise<R> {
    this.ensureOpen();
    const tx = new WriteTransaction(this.schema, this.realm);
    const out = await fn(tx);
    if (tx.ops.length > 0) unwrap(await this.conn.api.write(tx.ops));
    return out;
  }

  /**
   * A serialized transaction: `fn` reads with `tx.get` (from the local state; each object read
   * joins the read set) and writes with the calls of `db.write`. The writes go to the server as one
   * TRANSACT, which applies them only if nothing read or written changed concurrently since the
   * first read; nothing is applied locally before that. Resolves `{ serverVersion }` once the
   * server applied it and this client has downloaded it. Rejects with the server's code
   * (`transaction_conflict`, `permission_denied`, ...), with `offline` at once without a
   * connection, or with `connection_lost` (`details.outcome`: 'not_sent' or 'unknown').
   */
  async transact(fn: (tx: SerializedTransaction) => unknown): Promise<{ serverVersion: number }> {
    this.ensureOpen();
    unwrap(await this.conn.api.transactReady());
    const tx = new SerializedTransaction(this.schema, (type, pk) => this.conn.api.transactRead(type, pk), this.realm);
    await fn(tx);
    return unwrap(await this.conn.api.transact({ ops: tx.ops, reads: tx.reads, base: tx.base }));
  }

  // ---- subscriptions (ResultsHost / SubscriptionsHost) -------------------------------------------

  /** @internal */
  updateSubscriptions(mutations: readonly SubscriptionMutation[]): Promise<Result<SubscriptionSetInfo>> {
    this.ensureOpen();
    return this.conn.api.updateSubscriptions(mutations);
  }

  /** @internal */
  holdSubscription(type: string, query: string, args: readonly unknown[], options: SyncOptions): Observable<{ status: SyncStatus; error?: Error }> {
    return this.subscriptions.hold(type, query, args, options);
  }

  /** @internal */
  subscribeQuery(type: string, query: string, args: readonly unknown[], options: { name?: string; timeoutMs?: number }): Promise<void> {
    return this.subscriptions.update((m) => m.add(type, query, args, options.name !== undefined ? { name: options.name } : {}), {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** @internal */
  unsubscribeQuery(type: string, query: string, args: readonly unknown[]): Promise<void> {
    return this.subscriptions.update((m) => m.remove(type, query, args), { wait: false });
  }

  // ---- durability and lifecycle ---------------------------------------------------------------

  /**
   * Asks the browser to keep this origin's storage under pressure (`navigator.storage.persist()`).
   * Resolves with whether storage is persistent; false where the API does not exist.
   */
  async requestPersistence(): Promise<boolean> {
    const storage = (globalThis as { navigator?: { storage?: { persist?: () => Promise<boolean>; persisted?: () => Promise<boolean> } } }).navigator?.storage;
    if (!storage?.persist) return false;
    if (storage.persisted && (await storage.persisted())) return true;
    return storage.persist();
  }

  /** Closes the worker (and its socket, if this tab held it). Live queries complete. */
  async close(): Promise<void> {
    if (this.closed$$.value) return;
    this.closed$$.next(true);
    (globalThis as { removeEventListener?: (t: string, l: () => void) => void }).removeEventListener?.('online', this.onOnline);
    for (const id of this.handlers.keys()) this.handlers.delete(id);
    this.lives.clear();
    this.reader?.close();
    try {
      await this.conn.api.close();
    } catch {
      // already gone
    }
    this.conn.terminate();
    this.sync.connection$$.next('disconnected');
    this.init.onClose?.();
  }
}
