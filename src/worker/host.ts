import { LIMITS, OutpostError } from '../protocol/index.ts';
import type {
  AuthBridge,
  ClientResetMode,
  ConflictInfo,
  ConnectionState,
  EventSink,
  OpenRequest,
  OpenResponse,
  QuerySpec,
  ResetHandler,
  Result,
  Storable,
  StoredRecord,
  SubscriptionMutation,
  SubscriptionSetInfo,
  SyncErrorInfo,
  SyncProgress,
  TransactRequest,
  WireError,
  WireOp,
  WorkerApi,
  WorkerEvent,
} from '../worker-api/api.ts';
import { defaultChannels, type ChannelFactory, type ChannelLike, type TabMessage } from './channel.ts';
import { fromStorable, recordToStorable } from '../worker-api/codec.ts';
import { checkPrimaryKey } from '../model/index.ts';
import { LiveQueries, orderByDescriptors, type ObjectChange } from './live.ts';
import { LocalDatabase, type IntegrationResult } from './local-db.ts';
import { defaultLocks, type LockManagerLike } from './locks.ts';
import { compileSpec, specKey } from '../worker-api/query-spec.ts';
import { loadResolver, matchQuery } from './query-runner.ts';
import { readSnapshot } from './reset/storage.ts';
import { SyncSession } from './session.ts';
import type { IndexedDbEnv, SyncMeta } from './store.ts';
import { subprotocolSockets, type SocketFactory } from './transport.ts';

/*
 * The worker: one per tab and database. It owns the tab's view of the local database (writes,
 * queries, live queries) and, while it holds the database's sync lock, the sync session. The
 * other tabs' workers hear about commits, state and requests over the BroadcastChannel.
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

export function toWireError(err: unknown): WireError {
  if (err instanceof OutpostError) {
    return { code: err.code, message: err.message, ...(err.details ? { details: JSON.parse(JSON.stringify(err.details)) as Record<string, unknown> } : {}) };
  }
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

function fail(err: unknown): { ok: false; error: WireError } {
  return { ok: false, error: toWireError(err) };
}

function withTimeout<T>(p: Promise<T>, timeoutMs: number | null, what: string): Promise<T> {
  if (timeoutMs === null || !Number.isFinite(timeoutMs)) return p;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OutpostError('timeout', `${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

let hostSeq = 0;

export class WorkerHost implements WorkerApi {
  private db: LocalDatabase | undefined;
  private live: LiveQueries | undefined;
  private session: SyncSession | undefined;
  private sink: EventSink | undefined;
  private auth: AuthBridge | null = null;
  private resetHandler: ResetHandler | null = null;
  /** The `before` snapshot of the reset running in this worker, while its callbacks run. */
  private snapshot: { id: number; source: 'objects' | 'backup' } | undefined;
  /** Transactions and resets this tab forwarded to the tab holding the socket, by request id. */
  private readonly remote = new Map<string, { kind: 'transact' | 'reset'; settle: (r: Result<unknown>) => void }>();
  private channel: ChannelLike | undefined;
  private request: OpenRequest | undefined;
  private closed = false;
  private isLeader = false;
  private readonly leaderAbort = new AbortController();
  private releaseLeader: (() => void) | undefined;
  private connection: ConnectionState = 'disconnected';
  private progress: SyncProgress | undefined;
  /** The user's conflicts not dismissed, by id (the leader's from the server; a follower's from the leader). */
  private conflicts = new Map<number, ConflictInfo>();
  /** Dismissed here: kept out of lists that arrive before the server heard of it. */
  private readonly dismissed = new Set<number>();
  private uploadWaiters: { target: number; resolve: () => void }[] = [];
  private fileIdent: number | null = null;
  private readonly markWaiters = new Map<string, () => void>();
  private readonly id = `${Date.now().toString(36)}.${++hostSeq}.${Math.random().toString(36).slice(2, 8)}`;
  private markSeq = 0;
  private dbId = '';
  private readonly onlineListener = () => void this.online();

  constructor(private readonly options: HostOptions = {}) {}

  private emit(e: WorkerEvent): void {
    try {
      const r = this.sink?.event(e) as unknown;
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => {});
    } catch {
      // the page is gone
    }
  }

  private post(m: TabMessage): void {
    try {
      this.channel?.postMessage(m);
    } catch {
      // closed
    }
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
      this.auth = auth;
      this.resetHandler = reset;
      this.request = request;
      const { db, meta } = await LocalDatabase.open(request.name, request.schema, this.options.indexedDB, this.options.now);
      this.db = db;
      this.dbId = meta.dbId;
      this.fileIdent = meta.fileIdent;
      db.storage.onClosed((reason) => {
        this.emit({ kind: 'closed', error: reason });
        void this.close();
      });
      this.live = new LiveQueries(() => db.dexie, db.layout, db.schema, (e) => this.emit(e));
      this.progress = db.progress(meta);
      let evicted: OpenResponse['evicted'];
      const remembered = request.remembered;
      // The page remembers another database under this name: the browser evicted it (this one is new).
      if (remembered && remembered.dbId !== meta.dbId) {
        evicted = { lostUploads: remembered.pendingUploads, previousFileIdent: remembered.fileIdent };
      }
      this.channel = (this.options.channels ?? defaultChannels())(`outpost:${request.name}`);
      this.channel.onmessage = (ev) => void this.onTabMessage(ev.data);
      if (request.sync) {
        this.post({ kind: 'hello' });
        this.electLeader();
        const g = globalThis as { addEventListener?: (t: string, l: () => void) => void };
        g.addEventListener?.('online', this.onlineListener);
      }
      return {
        ok: true,
        value: {
          dbId: meta.dbId,
          fileIdent: meta.fileIdent,
          progress: this.progress,
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
    this.session?.close();
    this.session = undefined;
    this.releaseLeader?.();
    this.leaderAbort.abort();
    const g = globalThis as { removeEventListener?: (t: string, l: () => void) => void };
    g.removeEventListener?.('online', this.onlineListener);
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
    this.db?.close();
    for (const w of this.uploadWaiters) w.resolve();
    this.uploadWaiters = [];
    this.settleRemote(() => true, { code: 'database_closed', message: 'the database was closed' });
  }

  private settleRemote(which: (kind: 'transact' | 'reset') => boolean, error: WireError): void {
    for (const [id, r] of [...this.remote]) {
      if (!which(r.kind)) continue;
      this.remote.delete(id);
      r.settle({ ok: false, error });
    }
  }

  // ---- leadership -------------------------------------------------------------------------------

  private electLeader(): void {
    const locks = this.options.locks ?? defaultLocks();
    locks
      .request(`outpost-sync:${this.request!.name}`, { mode: 'exclusive', signal: this.leaderAbort.signal }, async () => {
        if (this.closed) return;
        this.becomeLeader();
        await new Promise<void>((resolve) => (this.releaseLeader = resolve));
      })
      .catch(() => {});
  }

  private becomeLeader(): void {
    const db = this.db!;
    const sync = this.request!.sync!;
    this.isLeader = true;
    this.emit({ kind: 'leader', isLeader: true });
    const auth: AuthBridge = this.auth ?? {
      getAccessToken: async () => ({ ok: false, error: { code: 'unauthorized', message: 'no user to sync as' } }),
    };
    this.session = new SyncSession({
      db,
      url: sync.url,
      schema: this.request!.schema,
      auth,
      sockets: this.options.sockets ?? subprotocolSockets(),
      ...(sync.timings ? { timings: sync.timings } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(sync.clientReset ? { clientReset: sync.clientReset.mode } : {}),
      events: {
        connection: (state) => {
          this.connection = state;
          this.emit({ kind: 'connection', state });
          this.post({ kind: 'state', connection: state, progress: this.progress ?? null });
        },
        integrated: (result) => this.onIntegrated(result),
        progress: (p) => this.setProgress(p, true),
        identity: (fileIdent) => {
          void this.identityChanged(fileIdent);
          this.emit({ kind: 'identity', dbId: this.dbId, fileIdent });
          this.post({ kind: 'identity', fileIdent });
        },
        subscriptions: () => void this.publishSubscriptions(true),
        conflicts: (replace, entries) => {
          if (replace) this.conflicts = new Map();
          for (const e of entries) if (!this.dismissed.has(e.id)) this.conflicts.set(e.id, e);
          this.publishConflicts(true);
        },
        error: (error) => {
          this.emit({ kind: 'error', error });
          this.post({ kind: 'syncError', error });
        },
        // The callbacks run on this tab's page; the reset waits for them.
        reset: {
          before: async (info) => this.resetHandler?.before(info),
          after: async (info) => this.resetHandler?.after(info),
          phase: (id, source) => {
            this.snapshot = source ? { id, source } : undefined;
          },
        },
        resetFallback: (info) => void this.resetHandler?.fallback(info)?.catch(() => {}),
      },
    });
    this.session.start();
    this.post({ kind: 'leader' });
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

  private setProgress(p: SyncProgress, broadcast: boolean): void {
    this.progress = p;
    this.emit({ kind: 'progress', progress: p });
    if (broadcast) this.post({ kind: 'state', connection: this.connection, progress: p });
    this.resolveUploadWaiters(p.acknowledgedClientVersion);
  }

  private resolveUploadWaiters(acked: number): void {
    const done = this.uploadWaiters.filter((w) => acked >= w.target);
    if (done.length) {
      this.uploadWaiters = this.uploadWaiters.filter((w) => acked < w.target);
      for (const w of done) w.resolve();
    }
  }

  /**
   * A client reset gave the database a new file ident and restarted its client versions (the
   * recovered changes, if any, are version 1): `waitForUpload` callers now wait for those.
   */
  private async identityChanged(fileIdent: number): Promise<void> {
    const before = this.fileIdent;
    this.fileIdent = fileIdent;
    if (before === null || before === fileIdent || !this.db || this.closed) return;
    const meta = await this.db.meta();
    for (const w of this.uploadWaiters) w.target = meta.nextClientVersion - 1;
    this.resolveUploadWaiters(meta.ackedClientVersion);
  }

  private async publishSubscriptions(broadcast: boolean): Promise<void> {
    if (!this.db || this.closed) return;
    const sets = await this.db.subscriptionSets();
    this.emit({ kind: 'subscriptions', sets });
    if (broadcast) this.post({ kind: 'subscriptions', sets });
  }

  private async onTabMessage(m: TabMessage): Promise<void> {
    if (this.closed || !this.db) return;
    try {
      switch (m.kind) {
        case 'changes': {
          if (!this.live || this.live.size === 0) return;
          if (m.keys === null) this.live.rerunTypes(new Set(m.types));
          else {
            const watched = this.live.watchedTypes();
            const keys = m.keys.filter(([t]) => watched.has(t));
            if (keys.length) this.live.applyChanges(await this.db.read(keys));
            else this.live.rerunTypes(new Set()); // link-following queries
          }
          return;
        }
        case 'history': {
          this.session?.localWrite();
          const meta = await this.db.meta();
          this.setProgress(this.db.progress(meta), false);
          return;
        }
        case 'state':
          if (this.isLeader) return;
          if (m.connection !== this.connection) {
            this.connection = m.connection;
            this.emit({ kind: 'connection', state: m.connection });
          }
          if (m.progress) this.setProgress(m.progress, false);
          return;
        case 'subscriptions':
          this.emit({ kind: 'subscriptions', sets: m.sets ?? (await this.db.subscriptionSets()) });
          this.session?.subscriptionsChanged();
          return;
        case 'markRequest':
          if (!this.session) return;
          this.session.waitForDownload().then(
            () => this.post({ kind: 'markDone', id: m.id }),
            () => {},
          );
          return;
        case 'markDone':
          this.markWaiters.get(m.id)?.();
          this.markWaiters.delete(m.id);
          return;
        case 'control':
          if (!this.session) return;
          if (m.action === 'pause') this.session.pause();
          else if (m.action === 'resume') this.session.resume();
          else this.session.online();
          return;
        case 'syncError':
          this.emit({ kind: 'error', error: m.error });
          return;
        case 'conflicts':
          if (this.isLeader) return;
          this.conflicts = new Map(m.entries.filter((e) => !this.dismissed.has(e.id)).map((e) => [e.id, e]));
          this.publishConflicts(false);
          return;
        case 'dismissConflicts':
          if (!this.session) return;
          this.dismissConflicts(m.ids);
          return;
        case 'identity':
          void this.identityChanged(m.fileIdent);
          this.emit({ kind: 'identity', dbId: this.dbId, fileIdent: m.fileIdent });
          return;
        case 'leader':
          // A new leader: ask it again for whatever this tab was waiting on. A forwarded
          // transaction's fate is unknown (the old leader may have sent it); a reset did not finish.
          for (const id of this.markWaiters.keys()) this.post({ kind: 'markRequest', id });
          this.settleRemote((k) => k === 'transact', { code: 'connection_lost', message: 'the tab holding the connection went away before the transaction was answered', details: { outcome: 'unknown' } });
          this.settleRemote((k) => k === 'reset', { code: 'connection_lost', message: 'the tab holding the connection went away before the client reset finished' });
          return;
        case 'hello':
          if (!this.isLeader) return;
          this.post({ kind: 'state', connection: this.connection, progress: this.progress ?? null });
          if (this.conflicts.size > 0) this.post({ kind: 'conflicts', entries: [...this.conflicts.values()] });
          return;
        case 'transact':
          if (!this.session) return;
          void this.transact(m.request).then((result) => this.post({ kind: 'transactDone', id: m.id, result }));
          return;
        case 'resetRequest':
          if (!this.session) return;
          void this.resetClient(m.mode).then((result) => this.post({ kind: 'resetDone', id: m.id, result }));
          return;
        case 'transactDone':
        case 'resetDone': {
          const r = this.remote.get(m.id);
          this.remote.delete(m.id);
          r?.settle(m.result);
          return;
        }
      }
    } catch (err) {
      this.emit({ kind: 'error', error: { ...toWireError(err), action: 'none' } satisfies SyncErrorInfo });
    }
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
      if (r.meta) this.setProgress(db.progress(r.meta, this.progress ?? {}), this.isLeader);
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
      const resolver = q.needsResolver ? await loadResolver(db.dexie, db.schema, q.typeName) : undefined;
      const m = await matchQuery(db.dexie, db.layout, q, resolver);
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

  async waitForUpload(timeoutMs: number | null): Promise<Result<null>> {
    try {
      const db = this.requireDb();
      const meta: SyncMeta = await db.meta();
      const target = meta.nextClientVersion - 1;
      if (meta.ackedClientVersion < target && (this.progress?.acknowledgedClientVersion ?? 0) < target) {
        await withTimeout(new Promise<void>((resolve) => this.uploadWaiters.push({ target, resolve })), timeoutMs, 'waitForUpload');
      }
      return { ok: true, value: null };
    } catch (err) {
      return fail(err);
    }
  }

  async waitForDownload(timeoutMs: number | null): Promise<Result<null>> {
    try {
      this.requireDb();
      if (!this.request?.sync) return { ok: true, value: null };
      let p: Promise<void>;
      if (this.session) p = this.session.waitForDownload();
      else {
        const id = `${this.id}:${++this.markSeq}`;
        p = new Promise<void>((resolve) => this.markWaiters.set(id, resolve));
        this.post({ kind: 'markRequest', id });
      }
      await withTimeout(p, timeoutMs, 'waitForDownload');
      return { ok: true, value: null };
    } catch (err) {
      return fail(err);
    }
  }

  async pause(): Promise<void> {
    if (this.session) this.session.pause();
    else this.post({ kind: 'control', action: 'pause' });
  }

  async resume(): Promise<void> {
    if (this.session) this.session.resume();
    else this.post({ kind: 'control', action: 'resume' });
  }

  async dismissConflicts(ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      this.dismissed.add(id);
      this.conflicts.delete(id);
    }
    this.publishConflicts(this.session !== undefined);
    if (this.session) this.session.dismissConflicts(ids);
    else this.post({ kind: 'dismissConflicts', ids });
  }

  /** Tells this tab's page the current list, and (the leader) the other tabs. */
  private publishConflicts(broadcast: boolean): void {
    const entries = [...this.conflicts.values()].sort((a, b) => a.id - b.id);
    this.emit({ kind: 'conflicts', entries });
    if (broadcast) this.post({ kind: 'conflicts', entries });
  }

  async online(): Promise<void> {
    if (this.session) this.session.online();
    else this.post({ kind: 'control', action: 'online' });
  }

  // ---- serialized transactions and client reset ------------------------------------------------

  /** Runs a request in the tab holding the socket: here, or forwarded over the channel. */
  private forward<T>(kind: 'transact' | 'reset', message: (id: string) => TabMessage): Promise<Result<T>> {
    const id = `${this.id}:${++this.markSeq}`;
    return new Promise<Result<T>>((resolve) => {
      this.remote.set(id, { kind, settle: resolve as (r: Result<unknown>) => void });
      this.post(message(id));
    });
  }

  async transactReady(): Promise<Result<null>> {
    try {
      this.requireDb();
      const ready = this.session ? this.session.canTransact : !!this.request?.sync && this.connection === 'connected';
      if (!ready) throw new OutpostError('offline', 'a serialized transaction needs a connection to the server');
      return { ok: true, value: null };
    } catch (err) {
      return fail(err);
    }
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

  async transact(request: TransactRequest): Promise<Result<{ serverVersion: number }>> {
    try {
      const db = this.requireDb();
      // The page built this request, but the worker API is an edge of its own: a bad read key or
      // base is a typed error here, not a frame the server closes the session over.
      for (const r of request.reads) checkPrimaryKey(db.schema, r.type, fromStorable(r.pk));
      if (request.base !== null && !(Number.isSafeInteger(request.base) && request.base >= 0)) {
        throw new OutpostError('bad_changeset', `a serialized transaction's base version must be a non-negative integer, not ${String(request.base)}`);
      }
      if (request.reads.length > LIMITS.maxTransactReads) {
        throw new OutpostError('bad_changeset', `a serialized transaction may read at most ${LIMITS.maxTransactReads} objects`);
      }
      if (!this.request?.sync) throw new OutpostError('offline', 'a serialized transaction needs a synced database');
      if (this.session) return { ok: true, value: await this.session.transact(request) };
      if (this.connection !== 'connected') throw new OutpostError('offline', 'a serialized transaction needs a connection to the server');
      return await this.forward<{ serverVersion: number }>('transact', (id) => ({ kind: 'transact', id, request }));
    } catch (err) {
      return fail(err);
    }
  }

  async resetClient(mode: ClientResetMode): Promise<Result<null>> {
    try {
      this.requireDb();
      if (!this.request?.sync) throw new OutpostError('offline', 'a client reset needs a synced database');
      if (this.session) {
        await this.session.resetClient(mode);
        return { ok: true, value: null };
      }
      return await this.forward<null>('reset', (id) => ({ kind: 'resetRequest', id, mode }));
    } catch (err) {
      return fail(err);
    }
  }

  async resetSnapshot(resetId: number, type: string, pk?: Storable): Promise<Result<StoredRecord[]>> {
    try {
      const db = this.requireDb();
      db.schema.require(type);
      const snap = this.snapshot;
      if (!snap || snap.id !== resetId) {
        throw new OutpostError('not_found', 'the pre-reset snapshot is only available while the onBefore and onAfter callbacks run');
      }
      return { ok: true, value: await readSnapshot(db, snap.source, type, pk === undefined ? undefined : checkPrimaryKey(db.schema, type, fromStorable(pk))) };
    } catch (err) {
      return fail(err);
    }
  }

  /** For tests: whether this worker holds the socket. */
  get leader(): boolean {
    return this.isLeader;
  }
}
