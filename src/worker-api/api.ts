import type { ObjectSchemaInput } from '../model/index.ts';
import type { ErrorCode } from '../protocol/index.ts';
import type { Storable, StoredRecord } from './codec.ts';
import type { IndexChanges } from './diff.ts';
import type { QuerySpec } from './query-spec.ts';

/*
 * The interface between the page and its worker. The browser implements it across a Comlink
 * channel (src/worker/entry.ts); Node and tests call the same WorkerHost in-process. Everything
 * that crosses is structured-clonable (values in storable form, see codec.ts), and failures come
 * back as values rather than thrown errors: Comlink keeps only an error's message, and the page
 * needs the code and details to rethrow a typed OutpostError.
 */

export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** A path inside an object: a field, then list indices, dictionary keys, embedded fields. */
export type WirePath = readonly (string | number)[];

/**
 * One recorded write operation. `instr` carries an instruction the page could fully determine
 * (and already validated); the others depend on the current state, which only the worker sees
 * inside its transaction.
 */
export type WireOp =
  | { readonly op: 'create'; readonly type: string; readonly values: StoredRecord; readonly explicit: readonly string[]; readonly mode: UpdateMode }
  | { readonly op: 'update'; readonly type: string; readonly pk: Storable; readonly values: StoredRecord }
  | { readonly op: 'delete'; readonly type: string; readonly pk: Storable }
  | { readonly op: 'push'; readonly type: string; readonly pk: Storable; readonly path: WirePath; readonly values: readonly Storable[] }
  | { readonly op: 'instr'; readonly instr: Storable };

export type UpdateMode = 'never' | 'modified' | 'all';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'paused';

export interface SyncProgress {
  /** Local changesets not yet acknowledged by the server. */
  readonly pendingUploads: number;
  /** The last client version written locally, and the last one the server acknowledged. */
  readonly lastClientVersion: number;
  readonly acknowledgedClientVersion: number;
  /** The last server version integrated, and the latest the server reported. */
  readonly serverVersion: number;
  readonly latestServerVersion: number;
  /** From the server's DOWNLOAD progress, when it sends one. */
  readonly downloaded: number;
  readonly downloadable: number;
}

export type SubscriptionState = 'pending' | 'bootstrapping' | 'awaiting_mark' | 'complete' | 'error' | 'superseded';

/** A subscription as the worker stores it (args in storable form). */
export interface LocalSubscription {
  readonly name?: string;
  readonly objectType: string;
  readonly query: string;
  readonly args: readonly Storable[];
  readonly createdAt: number;
}

export interface SubscriptionSetInfo {
  readonly version: number;
  readonly state: SubscriptionState;
  readonly queries: readonly LocalSubscription[];
  readonly error?: WireError;
}

export type SubscriptionMutation =
  | { readonly op: 'add'; readonly sub: Omit<LocalSubscription, 'createdAt'>; readonly updateExisting: boolean }
  | { readonly op: 'removeByName'; readonly name: string }
  | { readonly op: 'remove'; readonly objectType: string; readonly query: string; readonly args: readonly Storable[] }
  | { readonly op: 'removeByType'; readonly objectType: string }
  | { readonly op: 'removeAll' };

export interface CompensatingWriteInfo {
  readonly type: string;
  readonly pk: Storable;
  readonly reason: string;
  readonly clientVersion?: number;
}

export interface SyncErrorInfo extends WireError {
  /** What the client does about it (the server's ERROR action, or the client's own decision). */
  readonly action?: string;
  readonly compensatingWrites?: readonly CompensatingWriteInfo[];
}

/** One side of a conflict the server decided (see ConflictInfo). */
export interface ConflictSideInfo {
  readonly origin: number;
  readonly userId: string | null;
  readonly version: number | null;
  readonly clientVersion: number | null;
}

/** A conflict this user lost, from the server's conflict journal (docs/protocol.md, CONFLICTS); values in storable form. */
export interface ConflictInfo {
  readonly id: number;
  readonly at: number;
  readonly kind: 'overwritten' | 'erased' | 'reverted';
  readonly type: string;
  readonly pk: Storable;
  readonly path: readonly string[];
  readonly loser: ConflictSideInfo;
  readonly winner: ConflictSideInfo;
  readonly lost?: { readonly value?: Storable; readonly size?: number };
  readonly won?: { readonly value?: Storable; readonly size?: number };
  readonly reason?: string;
}

export type WorkerEvent =
  | {
      readonly kind: 'query';
      readonly id: number;
      readonly initial: boolean;
      readonly changes: IndexChanges;
      readonly inserted: readonly StoredRecord[];
      readonly modified: readonly StoredRecord[];
    }
  | { readonly kind: 'queryError'; readonly id: number; readonly error: WireError }
  | { readonly kind: 'connection'; readonly state: ConnectionState }
  | { readonly kind: 'progress'; readonly progress: SyncProgress }
  | { readonly kind: 'subscriptions'; readonly sets: readonly SubscriptionSetInfo[] }
  | { readonly kind: 'error'; readonly error: SyncErrorInfo }
  | { readonly kind: 'identity'; readonly dbId: string; readonly fileIdent: number | null }
  | { readonly kind: 'leader'; readonly isLeader: boolean }
  /** The conflicts this user lost that are not dismissed: the whole current list. */
  | { readonly kind: 'conflicts'; readonly entries: readonly ConflictInfo[] }
  | { readonly kind: 'closed'; readonly error: WireError };

export interface EventSink {
  event(e: WorkerEvent): void;
}

export interface AccessToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** How the worker gets access tokens: the page owns the user and refreshes over HTTP. */
export interface AuthBridge {
  getAccessToken(options: { minValidityMs: number }): Promise<Result<AccessToken>>;
}

export interface SyncTimings {
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Refresh the access token this long before it expires (REFRESH on the open session). */
  readonly refreshBeforeExpiryMs?: number;
}

/**
 * What a client reset does (docs/protocol.md, client reset). `manual`: stop sync and report (the app may
 * call `resetClient` later); `discardUnsyncedChanges`: replace the local data with the server's;
 * `recoverUnsyncedChanges`: also replay the local changes the server never integrated;
 * `recoverOrDiscardUnsyncedChanges` (default): recover, or discard where recovery is not allowed
 * or fails.
 */
export type ClientResetMode = 'manual' | 'discardUnsyncedChanges' | 'recoverUnsyncedChanges' | 'recoverOrDiscardUnsyncedChanges';

/** A client reset as the reset callbacks see it. */
export interface ResetInfo {
  /** Names the `before` snapshot (`resetSnapshot`) while the callbacks run. */
  readonly resetId: number;
  /** What the reset does: keep the unsynced local changes, or drop them. */
  readonly mode: 'recover' | 'discard';
  /** The server's error that asked for the reset; absent when the app asked (`resetClient`). */
  readonly error?: SyncErrorInfo;
  /** After the reset: instructions recovered, and local changesets the server had not integrated. */
  readonly recovered?: number;
  readonly unsynced?: number;
}

export interface ResetFallbackInfo {
  readonly error: SyncErrorInfo;
  /** Local changesets not yet acknowledged by the server (kept: nothing was reset). */
  readonly pendingChanges: number;
}

/** The page's reset callbacks, called by the worker that holds the socket; the reset waits for them. */
export interface ResetHandler {
  before(info: ResetInfo): Promise<void>;
  after(info: ResetInfo): Promise<void>;
  fallback(info: ResetFallbackInfo): Promise<void>;
}

/** A serialized transaction as the page recorded it. */
export interface TransactRequest {
  readonly ops: readonly WireOp[];
  /** The objects the transaction read (`tx.get`), primary keys in storable form. */
  readonly reads: readonly { readonly type: string; readonly pk: Storable }[];
  /** The local server version at the first read; null: the one at commit. */
  readonly base: number | null;
}

export interface OpenRequest {
  /** The IndexedDB database name, `outpost:<appId>:<userId>`. */
  readonly name: string;
  readonly schema: readonly ObjectSchemaInput[];
  readonly sync: null | {
    /** The WebSocket URL of the sync endpoint. */
    readonly url: string;
    readonly appId: string;
    readonly userId: string;
    readonly timings?: SyncTimings;
    readonly clientReset?: { readonly mode: ClientResetMode };
  };
  /** What the page remembers of this database (to detect one the browser evicted). */
  readonly remembered: { readonly dbId: string; readonly fileIdent: number | null; readonly pendingUploads: number } | null;
}

export interface OpenResponse {
  readonly dbId: string;
  readonly fileIdent: number | null;
  readonly progress: SyncProgress;
  readonly subscriptions: readonly SubscriptionSetInfo[];
  /** Set when the database the page remembered is gone and a fresh one was created. */
  readonly evicted?: { readonly lostUploads: number; readonly previousFileIdent: number | null };
}

export interface WorkerApi {
  open(request: OpenRequest, sink: EventSink, auth: AuthBridge | null, reset?: ResetHandler | null): Promise<Result<OpenResponse>>;
  write(ops: readonly WireOp[]): Promise<Result<{ clientVersion: number | null }>>;
  query(spec: QuerySpec): Promise<Result<StoredRecord[]>>;
  watch(id: number, spec: QuerySpec): Promise<Result<null>>;
  unwatch(id: number): Promise<void>;
  updateSubscriptions(mutations: readonly SubscriptionMutation[]): Promise<Result<SubscriptionSetInfo>>;
  waitForUpload(timeoutMs: number | null): Promise<Result<null>>;
  waitForDownload(timeoutMs: number | null): Promise<Result<null>>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Tells the session the network is back (resets the backoff). */
  online(): Promise<void>;
  /** Marks conflicts read: gone from the list at once, and from the server's (every device) once sent. */
  dismissConflicts(ids: readonly number[]): Promise<void>;
  /** Whether a serialized transaction could be sent now (an identified connection); `offline` otherwise. */
  transactReady(): Promise<Result<null>>;
  /** A serialized transaction's read: the object's current local record and the download cursor. */
  transactRead(type: string, pk: Storable): Promise<Result<{ record: StoredRecord | null; serverVersion: number }>>;
  /** Sends a serialized transaction (TRANSACT); resolves once applied and downloaded. */
  transact(request: TransactRequest): Promise<Result<{ serverVersion: number }>>;
  /** Resets the client by hand (online only): resolves when the reset is done. */
  resetClient(mode: ClientResetMode): Promise<Result<null>>;
  /** The `before` snapshot of a running reset: objects of a type, or one of them. */
  resetSnapshot(resetId: number, type: string, pk?: Storable): Promise<Result<StoredRecord[]>>;
  close(): Promise<void>;
}

export type { QuerySpec, StoredRecord, Storable, IndexChanges };
