import { OutpostError } from '../protocol/index.ts';
import type { AuthBridge, ClientResetMode, EventSink, OpenRequest, OpenResponse, QuerySpec, ResetHandler, Result, Storable, StoredRecord, SubscriptionMutation, SubscriptionSetInfo, SyncErrorInfo, TransactRequest, WireOp, WorkerApi, WorkerEvent } from '../worker-api/api.ts';
import { defaultChannels, type ChannelFactory, type TabMessage } from './channel.ts';
import { ConflictList } from './conflict-list.ts';
import { Leadership } from './leader.ts';
import { answer, attempt, fail, toWireError } from './results.ts';
import { fromStorable, recordToStorable } from '../worker-api/codec.ts';
import { checkPrimaryKey } from '../model/index.ts';
import { LiveQueries, orderByDescriptors, type ObjectChange } from './live.ts';
import { LocalDatabase, type IntegrationResult } from './local-db.ts';
import { defaultLocks, type LockManagerLike } from './locks.ts';
import { compileSpec, specKey } from '../worker-api/query-spec.ts';
import { linkingSourceTypes, loadResolver, matchQuery, withLinkingObjects } from './query-runner.ts';
import type { SyncSession } from './session.ts';
import type { IndexedDbEnv } from './store.ts';
import { SyncLink } from './sync-link.ts';
import { SyncStatus, withTimeout } from './sync-status.ts';
import { TabBus } from './tab-bus.ts';
import type { SocketFactory } from './transport.ts';

/*
 * The worker: one per tab and database, exposed to the page as the WorkerApi. It owns the tab's
 * view of the local database (writes, queries, live queries). The rest is in parts of its own,
 * which talk to the other tabs' workers over the BroadcastChannel (tab-bus.ts), each handling
 * its own messages: which tab holds the sync lock and what the others forward to it (leader.ts),
 * the sync session or the way to the leader's (sync-link.ts), the connection state, progress and
 * upload waiters (sync-status.ts), and the user's conflicts (conflict-list.ts).
 */

export interface HostOptions {
  /** IndexedDB implementation (fake-indexeddb in Node); the global one by default. */
  readonly indexedDB?: IndexedDbEnv;
  readonly locks?: LockManagerLike;
  readonly channels?: ChannelFactory;
  readonly sockets?: SocketFactory;
  readonly random?: () => number;
  /** The device's wall clock (Unix ms) for timestamps; tests give a device a clock hours off. */
  readonly now?: () => number;
}

export class WorkerHost implements WorkerApi {
  private db: LocalDatabase | undefined;
  private live: LiveQueries | undefined;
  private sink: EventSink | undefined;
  private request: OpenRequest | undefined;
  private closed = false;
  private readonly onlineListener = () => void this.online();
  private readonly bus = new TabBus(
    () => !this.closed && this.db !== undefined,
    (err) => this.emit({ kind: 'error', error: { ...toWireError(err), action: 'none' } satisfies SyncErrorInfo }),
  );
  private readonly tabs: Leadership = new Leadership(this.bus, () =>
    this.session
      ? {
          waitForDownload: () => this.sync.waitForDownload(),
          control: (action) => this.sync.control(action),
          transact: (request) => this.transact(request),
          resetClient: (mode) => this.resetClient(mode),
        }
      : undefined,
  );
  private readonly status = new SyncStatus(this.bus, (e) => this.emit(e), () => this.isLeader, () => (this.closed ? undefined : this.db));
  private readonly conflicts = new ConflictList(this.bus, (e) => this.emit(e), () => this.isLeader, () => this.session);
  private readonly sync: SyncLink = new SyncLink(this.bus, this.tabs, this.status, this.conflicts, {
    emit: (e) => this.emit(e),
    integrated: (result) => this.onIntegrated(result),
    subscriptions: () => void this.publishSubscriptions(true),
  });

  constructor(private readonly options: HostOptions = {}) {
    this.bus.on('changes', async (m) => {
      if (!this.live || this.live.size === 0) return;
      if (m.keys === null) this.live.rerunTypes(new Set(m.types));
      else {
        const watched = this.live.watchedTypes();
        const keys = m.keys.filter(([t]) => watched.has(t));
        if (keys.length) this.live.applyChanges(await this.db!.read(keys));
        else this.live.rerunTypes(new Set()); // link-following queries
      }
    });
    this.bus.on('history', async () => {
      this.session?.localWrite();
      const meta = await this.db!.meta();
      this.status.setProgress(this.db!.progress(meta), false);
    });
    this.bus.on('subscriptions', async (m) => {
      this.emit({ kind: 'subscriptions', sets: m.sets ?? (await this.db!.subscriptionSets()) });
      this.session?.subscriptionsChanged();
    });
    this.bus.on('syncError', (m) => this.emit({ kind: 'error', error: m.error }));
  }

  private get session(): SyncSession | undefined {
    return this.sync.session;
  }

  private get isLeader(): boolean {
    return this.tabs.isLeader;
  }

  private emit(e: WorkerEvent): void {
    try {
      const r = this.sink?.event(e) as unknown;
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => {});
    } catch {
      // the page is gone
    }
  }

  private post(m: TabMessage): void {
    this.bus.post(m);
  }

  private requireDb(): LocalDatabase {
    if (!this.db || this.closed) throw new OutpostError('database_closed', 'the database is closed');
    return this.db;
  }

  // ---- open / close ---------------------------------------------------------------------------

  async open(request: OpenRequest, sink: EventSink, auth: AuthBridge | null, reset: ResetHandler | null = null): Promise<Result<OpenResponse>> {
    try {
      if (this.db) throw new OutpostError('internal', 'this worker already has a database open');
      this.sink = sink;
      this.request = request;
      const { db, meta } = await LocalDatabase.open(request.name, request.schema, this.options.indexedDB, this.options.now);
      this.db = db;
      db.storage.onClosed((reason) => {
        this.emit({ kind: 'closed', error: reason });
        void this.close();
      });
      this.live = new LiveQueries(() => db.dexie, db.layout, db.schema, (e) => this.emit(e));
      this.status.opened(meta.dbId, meta.fileIdent, db.progress(meta));
      let evicted: OpenResponse['evicted'];
      const remembered = request.remembered;
      // The page remembers another database under this name: the browser evicted it (this one is new).
      if (remembered && remembered.dbId !== meta.dbId) {
        evicted = { lostUploads: remembered.pendingUploads, previousFileIdent: remembered.fileIdent };
      }
      this.bus.connect((this.options.channels ?? defaultChannels())(`outpost:${request.name}`));
      if (request.sync) {
        this.post({ kind: 'hello' });
        this.tabs.elect(this.options.locks ?? defaultLocks(), request.name, () => this.closed, () => this.sync.lead(db, request, auth, reset, this.options));
        const g = globalThis as { addEventListener?: (t: string, l: () => void) => void };
        g.addEventListener?.('online', this.onlineListener);
      }
      return {
        ok: true,
        value: {
          dbId: meta.dbId,
          fileIdent: meta.fileIdent,
          progress: this.status.progress!,
          subscriptions: await db.subscriptionSets(),
          ...(evicted ? { evicted } : {}),
        },
      };
    } catch (err) {
      return fail(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync.close();
    this.tabs.resign();
    const g = globalThis as { removeEventListener?: (t: string, l: () => void) => void };
    g.removeEventListener?.('online', this.onlineListener);
    this.bus.close();
    this.db?.close();
    this.status.close();
    this.tabs.closed();
  }

  private onIntegrated(result: IntegrationResult): void {
    if (result.changedTypes) {
      // Too many objects to list (a large bootstrap): the queries on these types run again.
      if (result.changedTypes.length === 0) return;
      this.live?.rerunTypes(new Set(result.changedTypes));
      this.post({ kind: 'changes', keys: null, types: result.changedTypes });
      return;
    }
    if (result.changes.length === 0) return;
    const types = [...new Set(result.changes.map((c) => c.type))];
    this.live?.applyChanges(result.changes);
    this.post({ kind: 'changes', keys: result.large ? null : result.changes.map((c) => [c.type, c.key] as [string, string]), types });
  }

  private async publishSubscriptions(broadcast: boolean): Promise<void> {
    if (!this.db || this.closed) return;
    const sets = await this.db.subscriptionSets();
    this.emit({ kind: 'subscriptions', sets });
    if (broadcast) this.post({ kind: 'subscriptions', sets });
  }

  // ---- data -----------------------------------------------------------------------------------

  async write(ops: readonly WireOp[]): Promise<Result<{ clientVersion: number | null }>> {
    try {
      const db = this.requireDb();
      const r = await db.write(ops);
      if (r.clientVersion === null) return { ok: true, value: { clientVersion: null } };
      this.afterCommit(r.changes);
      this.post({ kind: 'history' });
      this.session?.localWrite();
      if (r.meta) this.status.setProgress(db.progress(r.meta, this.status.progress ?? {}), this.isLeader);
      return { ok: true, value: { clientVersion: r.clientVersion } };
    } catch (err) {
      return fail(err);
    }
  }

  private afterCommit(changes: ObjectChange[]): void {
    this.live?.applyChanges(changes);
    const large = changes.length > 200;
    this.post({
      kind: 'changes',
      keys: large ? null : changes.map((c) => [c.type, c.key] as [string, string]),
      types: [...new Set(changes.map((c) => c.type))],
    });
  }

  async query(spec: QuerySpec): Promise<Result<StoredRecord[]>> {
    try {
      const db = this.requireDb();
      const q = this.compiled(spec);
      const computed = q.objectSchema.linkingObjects.size > 0;
      const reads = new Set([...q.readsTypes, ...linkingSourceTypes(db.schema, q.typeName)]);
      const resolver = q.needsResolver || computed ? await loadResolver(db.dexie, db.schema, q.typeName, reads) : undefined;
      const m = await matchQuery(db.dexie, db.layout, q, resolver);
      if (computed) {
        // linkingObjects properties are computed here, from the links the linking objects hold.
        const records = withLinkingObjects(db.schema, q.typeName, m.records, resolver);
        const byKey = new Map(m.keys.map((k, i) => [k, recordToStorable(records[i]!)]));
        const keys = q.descriptors.length === 0 ? m.keys : orderByDescriptors(q, m.keys, m.records, resolver);
        return { ok: true, value: keys.map((k) => byKey.get(k)!) };
      }
      // The stored rows are already in the form that crosses to the page: sent as read.
      if (q.descriptors.length === 0) return { ok: true, value: m.stored };
      const byKey = new Map(m.keys.map((k, i) => [k, m.stored[i]!]));
      return { ok: true, value: orderByDescriptors(q, m.keys, m.records, resolver).map((k) => byKey.get(k)!) };
    } catch (err) {
      return fail(err);
    }
  }

  /** Compiled queries by spec, so that a query run again is not parsed and bound again. */
  private readonly compiledCache = new Map<string, ReturnType<typeof compileSpec>>();

  private compiled(spec: QuerySpec): ReturnType<typeof compileSpec> {
    const key = specKey(spec);
    let q = this.compiledCache.get(key);
    if (!q) {
      q = compileSpec(this.db!.schema, spec);
      if (this.compiledCache.size >= 200) this.compiledCache.delete(this.compiledCache.keys().next().value!);
      this.compiledCache.set(key, q);
    }
    return q;
  }

  async watch(id: number, spec: QuerySpec): Promise<Result<null>> {
    try {
      this.requireDb();
      await this.live!.watch(id, spec);
      return { ok: true, value: null };
    } catch (err) {
      return fail(err);
    }
  }

  async unwatch(id: number): Promise<void> {
    this.live?.unwatch(id);
  }

  // ---- subscriptions and sync -----------------------------------------------------------------------

  async updateSubscriptions(mutations: readonly SubscriptionMutation[]): Promise<Result<SubscriptionSetInfo>> {
    try {
      const db = this.requireDb();
      const { set, changed } = await db.mutateSubscriptions(mutations);
      if (changed) {
        await this.publishSubscriptions(true);
        this.session?.subscriptionsChanged();
      }
      return { ok: true, value: set };
    } catch (err) {
      return fail(err);
    }
  }

  waitForUpload(timeoutMs: number | null): Promise<Result<null>> {
    return attempt(async () => (await this.status.waitForUpload(this.requireDb(), timeoutMs), null));
  }

  waitForDownload(timeoutMs: number | null): Promise<Result<null>> {
    return attempt(async () => {
      this.requireDb();
      if (this.request?.sync) await withTimeout(this.sync.waitForDownload(), timeoutMs, 'waitForDownload');
      return null;
    });
  }

  async pause(): Promise<void> {
    this.sync.control('pause');
  }

  async resume(): Promise<void> {
    this.sync.control('resume');
  }

  async online(): Promise<void> {
    this.sync.control('online');
  }

  async dismissConflicts(ids: readonly number[]): Promise<void> {
    this.conflicts.dismiss(ids);
  }

  // ---- serialized transactions and client reset ------------------------------------------------

  transactReady(): Promise<Result<null>> {
    return attempt(async () => {
      this.requireDb();
      if (!this.sync.transactReady(!!this.request?.sync)) throw new OutpostError('offline', 'a serialized transaction needs a connection to the server');
      return null;
    });
  }

  async transactRead(type: string, pk: Storable): Promise<Result<{ record: StoredRecord | null; serverVersion: number }>> {
    try {
      const db = this.requireDb();
      const r = await db.readObject(type, checkPrimaryKey(db.schema, type, fromStorable(pk)));
      return { ok: true, value: { record: r.record ? recordToStorable(r.record) : null, serverVersion: r.serverVersion } };
    } catch (err) {
      return fail(err);
    }
  }

  transact(request: TransactRequest): Promise<Result<{ serverVersion: number }>> {
    return answer(() => this.sync.transact(this.requireDb(), request, !!this.request?.sync));
  }

  resetClient(mode: ClientResetMode): Promise<Result<null>> {
    return answer(async () => {
      this.requireDb();
      return this.sync.resetClient(mode, !!this.request?.sync);
    });
  }

  resetSnapshot(resetId: number, type: string, pk?: Storable): Promise<Result<StoredRecord[]>> {
    return attempt(() => this.sync.resetSnapshot(this.requireDb(), resetId, type, pk));
  }

  /** For tests: whether this worker holds the socket. */
  get leader(): boolean {
    return this.isLeader;
  }
}
