import { BehaviorSubject, type Observable } from 'rxjs';
import { parseSchema, Schema, type ObjectSchemaInput } from '../model/index.ts';
import { fromRealmSchema, type RealmSchemaEntry } from '../model/realm-schema.ts';
import { OutpostError, SYNC_PATH } from '../protocol/index.ts';
import type { AuthBridge, OpenRequest, SyncTimings } from '../worker-api/api.ts';
import { defaultLocks, type LockManagerLike } from '../worker/locks.ts';
import { syncUrl } from '../worker/transport.ts';
import { connectWorker, type InProcessOptions } from './connection.ts';
import type { WorkerSource } from './worker-start.ts';
import type { Credentials } from './credentials.ts';
import { Database } from './database.ts';
import { normalizeResetMode, type ClientResetConfig } from './reset.ts';
import { fromWire, SyncError } from './errors.ts';
import { defaultFetch, httpJson, type FetchLike } from './http.ts';
import { defaultStore, readJson, writeJson, type KeyValueStore } from './kv.ts';
import type { MutableSubscriptionSet } from './subscriptions.ts';
import { Names, type RealmSurface } from './realm-names.ts';
import { partitionInfo, partitionSchema, partitionSubscriptions, type PartitionValue } from './partition.ts';
import { localizeTokens, User, type PersistedUsers, type Tokens, type UserContext, type UserProfile } from './user.ts';

/*
 * The entry point: an App names a sync server and an application, logs users in (persisting them
 * so a reload stays logged in) and opens databases. A database opens at once from local data,
 * online or not; waiting for the first download is an option.
 */

export interface AppConfig {
  /** The sync server, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  readonly appId: string;
  /** Where users and per-database memory are kept; localStorage by default, memory without it. */
  readonly storage?: KeyValueStore;
  readonly fetch?: FetchLike;
  /**
   * The dedicated worker (browser): a URL of the built worker module (`outpost/dist/worker.js`
   * served by your app), a Worker (one database), or a function creating one per database. The
   * default is the package's worker module, which Vite, webpack 5 and Rollup bundle
   * (docs/bundlers.md).
   */
  readonly worker?: WorkerSource;
  /** How long the worker may take to load and start before `open` rejects with `worker_failed` (default 10 s). */
  readonly workerStartTimeoutMs?: number;
  /** Run the worker in this thread (Node, tests): IndexedDB, WebSocket and so on to use. */
  readonly inProcess?: InProcessOptions | boolean;
  /** Cross-tab locks for token refresh; navigator.locks where it exists. */
  readonly locks?: LockManagerLike;
}

export type InitialSubscriptions = ((subs: MutableSubscriptionSet, db: Database) => void) | { update: (subs: MutableSubscriptionSet, db: Database) => void; rerunOnOpen?: boolean };

export interface SyncConfig {
  /** The user to sync as (default: the current user). */
  readonly user?: User;
  /** Subscriptions to create when the database is first opened (or on every open with `rerunOnOpen`). */
  readonly initialSubscriptions?: InitialSubscriptions;
  readonly rerunOnOpen?: boolean;
  /** Sync errors and warnings: compensating writes, server errors, a lost local database. */
  readonly onError?: (err: SyncError) => void;
  /**
   * Wait for the first download before `open` resolves (default: open at once from local data).
   * `onTimeout: 'openLocal'` (default) opens anyway after `timeoutMs`; 'throw' rejects.
   */
  readonly waitForDownload?: boolean | { readonly timeoutMs?: number; readonly onTimeout?: 'openLocal' | 'throw' };
  readonly timings?: SyncTimings;
  /** What to do when the server asks for a client reset (docs/client.md "Client reset"). */
  readonly clientReset?: ClientResetConfig<Database>;
  /**
   * Realm's partition-based sync: the database syncs the objects whose partition key (named by
   * the server's `partition` setting) has this value, and objects created get it. Not together
   * with `initialSubscriptions`.
   */
  readonly partitionValue?: PartitionValue;
}

export interface OpenConfig {
  /**
   * The object types: Outpost's schema, or a Realm JS schema as it is (`Realm.ObjectSchema`
   * objects and classes with a `static schema`, with `mapTo`, function defaults...; `asymmetric`
   * types are refused).
   */
  readonly schema: readonly (ObjectSchemaInput | RealmSchemaEntry)[] | Schema;
  /** Sync with the server; without it the database is local only. */
  readonly sync?: SyncConfig;
  /** The IndexedDB database name (default `outpost:<appId>:<userId>`, or `outpost:<appId>:local`). */
  readonly name?: string;
}

interface RememberedDb {
  readonly dbId: string;
  readonly fileIdent: number | null;
  readonly pendingUploads: number;
}

export class App {
  readonly baseUrl: string;
  readonly id: string;
  private readonly store: KeyValueStore;
  private readonly fetchImpl: FetchLike;
  private readonly users = new Map<string, User>();
  private readonly current$$ = new BehaviorSubject<User | null>(null);
  private readonly storageKey: string;
  private readonly databases = new Set<{ db: Database; userId: string | null }>();
  private readonly usedWorkers = new WeakSet<Worker>();

  constructor(private readonly config: AppConfig) {
    if (!config.baseUrl || !config.appId) throw new OutpostError('internal', 'App needs a baseUrl and an appId');
    this.baseUrl = config.baseUrl.replace(/\/$/, '');
    this.id = config.appId;
    this.store = config.storage ?? defaultStore();
    this.fetchImpl = config.fetch ?? defaultFetch();
    this.storageKey = `outpost:${this.id}:users`;
    const persisted = readJson<PersistedUsers>(this.store, this.storageKey);
    if (persisted) {
      for (const [id, p] of Object.entries(persisted.users)) this.users.set(id, new User(this.userContext(), p));
      if (persisted.current && this.users.has(persisted.current)) this.current$$.next(this.users.get(persisted.current)!);
    }
  }

  private userContext(): UserContext {
    return {
      appId: this.id,
      baseUrl: this.baseUrl,
      fetch: this.fetchImpl,
      store: this.store,
      storageKey: this.storageKey,
      locks: this.config.locks ?? (typeof (globalThis as { navigator?: { locks?: unknown } }).navigator?.locks === 'object' ? defaultLocks() : undefined),
      save: () => this.persist(),
      loggedOut: (u) => this.onLoggedOut(u),
    };
  }

  private persist(): void {
    const users: PersistedUsers['users'] = {};
    for (const [id, u] of this.users) if (u.isLoggedIn) users[id] = u.toPersisted();
    writeJson(this.store, this.storageKey, { current: this.current$$.value?.id ?? null, users } satisfies PersistedUsers);
  }

  private onLoggedOut(user: User): void {
    this.users.delete(user.id);
    if (this.current$$.value === user) {
      const next = [...this.users.values()].find((u) => u.isLoggedIn) ?? null;
      this.current$$.next(next);
    }
    this.persist();
    for (const d of [...this.databases]) if (d.userId === user.id) void d.db.close();
  }

  /** The user logged in last (or switched to), or null. */
  get currentUser(): User | null {
    return this.current$$.value;
  }

  get currentUser$(): Observable<User | null> {
    return this.current$$.asObservable();
  }

  get allUsers(): Readonly<Record<string, User>> {
    return Object.fromEntries(this.users);
  }

  switchUser(user: User): void {
    if (!this.users.has(user.id)) throw new OutpostError('not_found', `user ${user.id} is not logged in on this app`);
    this.current$$.next(user);
    this.persist();
  }

  async logIn(credentials: Credentials): Promise<User> {
    if (credentials.provider === 'anonymous' && credentials.reuse) {
      const existing = [...this.users.values()].find((u) => u.provider === 'anonymous' && u.isLoggedIn);
      if (existing) {
        this.switchUser(existing);
        return existing;
      }
    }
    const askedAt = Date.now();
    const tokens = localizeTokens(await httpJson<Tokens>(this.fetchImpl, this.baseUrl, '/api/auth/login', { body: credentials.payload }), askedAt);
    let profile: UserProfile;
    try {
      profile = await httpJson<UserProfile>(this.fetchImpl, this.baseUrl, '/api/auth/profile', { token: tokens.accessToken });
    } catch {
      profile = { userId: tokens.userId, provider: tokens.provider, customData: {} };
    }
    let user = this.users.get(tokens.userId);
    if (user) user.setTokens(tokens, profile);
    else {
      user = new User(this.userContext(), { tokens, profile });
      this.users.set(user.id, user);
    }
    this.current$$.next(user);
    this.persist();
    return user;
  }

  /** Email/password accounts. */
  readonly emailPasswordAuth = {
    registerUser: async (details: { email: string; password: string }): Promise<void> => {
      await httpJson<{ userId: string }>(this.fetchImpl, this.baseUrl, '/api/auth/register', { body: { email: details.email, password: details.password } });
    },
  };

  private rememberKey(name: string): string {
    return `outpost:${this.id}:db:${name}`;
  }

  /**
   * Opens a database. It opens from local data at once (online or not) unless
   * `sync.waitForDownload` asks to wait for the first download.
   */
  async open(config: OpenConfig): Promise<Database> {
    const sync = config.sync;
    const { schema, realm, partitionSubs } = await this.openSchema(config);
    const user = sync ? (sync.user ?? this.currentUser) : null;
    if (sync && !user) throw new OutpostError('unauthorized', 'log in before opening a synced database');
    if (user && !user.isLoggedIn) throw new OutpostError('unauthorized', `user ${user.id} is logged out`);
    const name = config.name ?? (user ? `outpost:${this.id}:${user.id}` : `outpost:${this.id}:local`);
    const conn = await connectWorker({
      ...(this.config.worker ? { worker: this.config.worker } : {}),
      ...(this.config.inProcess !== undefined ? { inProcess: this.config.inProcess } : {}),
      ...(this.config.workerStartTimeoutMs !== undefined ? { workerStartTimeoutMs: this.config.workerStartTimeoutMs } : {}),
      usedWorkers: this.usedWorkers,
    });
    const remembered = readJson<RememberedDb>(this.store, this.rememberKey(name)) ?? null;
    let memory: RememberedDb | null = remembered;
    const remember = (patch: Partial<RememberedDb>) => {
      if (!memory && patch.dbId === undefined) return;
      memory = { ...(memory ?? { dbId: '', fileIdent: null, pendingUploads: 0 }), ...patch };
      writeJson(this.store, this.rememberKey(name), memory);
    };
    const request: OpenRequest = {
      name,
      schema: schema.toJSON(),
      sync:
        sync && user
          ? {
              url: syncUrl(this.baseUrl, SYNC_PATH),
              appId: this.id,
              userId: user.id,
              ...(sync.timings ? { timings: sync.timings } : {}),
              clientReset: { mode: normalizeResetMode(sync.clientReset?.mode) },
            }
          : null,
      remembered,
    };
    const auth: AuthBridge | null = user
      ? {
          getAccessToken: async ({ minValidityMs }) => {
            try {
              return { ok: true, value: await user.getAccessToken({ minValidityMs }) };
            } catch (err) {
              const e = err instanceof OutpostError ? err : new OutpostError('internal', String(err));
              return { ok: false, error: { code: e.code, message: e.message } };
            }
          },
        }
      : null;
    let db!: Database;
    const entry = { db: undefined as unknown as Database, userId: user?.id ?? null };
    db = new Database({
      conn,
      schema,
      name,
      syncEnabled: request.sync !== null,
      subscriptions: [],
      onClose: () => this.databases.delete(entry),
      ...(realm ? { realm } : {}),
      ...(sync?.clientReset ? { clientReset: sync.clientReset } : {}),
      onEvent: (e) => {
        if (e.kind === 'identity') remember({ fileIdent: e.fileIdent });
        else if (e.kind === 'progress') {
          if (memory && memory.pendingUploads !== e.progress.pendingUploads) remember({ pendingUploads: e.progress.pendingUploads });
        }
      },
    });
    entry.db = db;
    if (sync?.onError) db.onError(sync.onError);
    const opened = await conn.api.open(request, conn.proxy(db.sink()), auth ? conn.proxy(auth) : null, request.sync ? conn.proxy(db.resetHandler()) : null);
    if (!opened.ok) {
      conn.terminate();
      throw fromWire(opened.error);
    }
    const info = opened.value;
    this.databases.add(entry);
    db.subscriptions.setSets(info.subscriptions);
    db.sync.progress$$.next(info.progress);
    db.sync.fileIdent$$.next(info.fileIdent);
    remember({ dbId: info.dbId, fileIdent: info.fileIdent, pendingUploads: info.progress.pendingUploads });
    if (info.evicted) {
      // Reported after the caller could subscribe to errors too.
      const lost = info.evicted;
      queueMicrotask(() =>
        db.reportError(
          new SyncError(
            'client_reset',
            `the browser deleted this app's local database (storage eviction)${lost.lostUploads > 0 ? `; ${lost.lostUploads} change(s) not yet uploaded were lost` : ''}; the data is downloaded again`,
            'client_reset',
            [],
            { lostUploads: lost.lostUploads, previousFileIdent: lost.previousFileIdent },
          ),
        ),
      );
    }
    if (partitionSubs) {
      // Named per type: running them on every open replaces them, never duplicates them.
      await db.subscriptions.update(partitionSubs, { wait: false });
    } else if (sync?.initialSubscriptions) {
      const init = sync.initialSubscriptions;
      const update = typeof init === 'function' ? init : init.update;
      const rerun = sync.rerunOnOpen ?? (typeof init === 'function' ? false : init.rerunOnOpen ?? false);
      if (rerun || info.subscriptions.length === 0) {
        await db.subscriptions.update((m) => update(m, db), { wait: false });
      }
    }
    if (sync?.waitForDownload) {
      const w = sync.waitForDownload === true ? {} : sync.waitForDownload;
      try {
        await db.sync.waitForDownload(w.timeoutMs !== undefined ? { timeoutMs: w.timeoutMs } : {});
        if ((sync.initialSubscriptions || partitionSubs) && db.subscriptions.version > 0) {
          await db.subscriptions.waitForSynchronization(w.timeoutMs);
        }
      } catch (err) {
        if (w.onTimeout === 'throw' || !(err instanceof OutpostError && err.code === 'timeout')) {
          await db.close();
          throw err;
        }
      }
    }
    return db;
  }

  /**
   * The schema to open with: Outpost's, or a Realm JS schema translated (model/realm-schema.ts),
   * with the partition key added for partition-based sync.
   */
  private async openSchema(config: OpenConfig): Promise<{ schema: Schema; realm: RealmSurface | null; partitionSubs: ((subs: MutableSubscriptionSet) => void) | null }> {
    let input: ObjectSchemaInput[];
    let translated: ReturnType<typeof fromRealmSchema> | null = null;
    if (config.schema instanceof Schema) input = config.schema.toJSON();
    else {
      translated = fromRealmSchema(config.schema);
      input = translated.schema;
    }
    if (translated && translated.asymmetric.length > 0) {
      // Realm's asymmetric sync exempts these inserts from the subscription check and never
      // downloads them; Outpost's server has no such exemption yet, so they would be reverted.
      throw new OutpostError(
        'schema_invalid',
        `asymmetric (Data Ingest) types are not supported: ${translated.asymmetric.join(', ')}. Make the type an ordinary synced type (drop "asymmetric: true"), subscribe to the objects the device writes (e.g. by a device or owner field) and give it a role that lets the writer read them (docs/migrating-from-realm.md)`,
        { types: translated.asymmetric },
      );
    }
    let partitionSubs: ((subs: MutableSubscriptionSet) => void) | null = null;
    const sync = config.sync;
    if (sync && sync.partitionValue !== undefined) {
      if (sync.initialSubscriptions) {
        throw new OutpostError('bad_query', 'partitionValue and initialSubscriptions do not go together: a partition-based database holds the subscriptions of its partition');
      }
      const info = await partitionInfo(this.fetchImpl, this.baseUrl, this.store, this.id);
      const p = partitionSchema(input, info, sync.partitionValue);
      input = p.schema;
      partitionSubs = partitionSubscriptions(info, p.types, p.value);
    }
    const schema = config.schema instanceof Schema && !partitionSubs ? config.schema : parseSchema(input);
    const names = translated ? Names.of(schema, translated.names) : null;
    const realm =
      translated && (names || Object.keys(translated.defaults).length > 0)
        ? { names, defaults: translated.defaults }
        : null;
    return { schema, realm, partitionSubs };
  }
}
