import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord, ObjectSchemaInput, PrimaryKey } from '../../model/index.ts';
import type { CompiledQuery } from '../../query/index.ts';

/*
 * The server's storage, one interface for every implementation (embedded SQLite, PostgreSQL, and
 * an in-memory one for fast unit tests). Every implementation runs the same contract suite
 * (src/server/testing/store-contract/). The sync engine is the only writer of the sync tables; auth has its own part
 * (AuthStore).
 */

/** One entry of the linear server history. */
export interface HistoryRow {
  readonly version: number;
  /** The client file ident of the origin; 1 is the server itself. */
  readonly origin: number;
  /** The origin's client version of this changeset (for the server: its own counter). */
  readonly originVersion: number;
  /**
   * Null for ordinary entries. A client file ident for an entry only that client sees: the revert
   * of its own rejected writes (a compensating write). Every other client skips it.
   */
  readonly privateTo: number | null;
  readonly changeset: Changeset;
}

/** A subscription as stored: the query text and its arguments in wire (Extended JSON) form. */
export interface StoredSubscription {
  readonly name?: string;
  readonly objectType: string;
  readonly query: string;
  readonly args: readonly unknown[];
}

/** A client file: one local database on one device. */
export interface ClientFileRow {
  readonly ident: number;
  readonly salt: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** The last client version of this file integrated into the history. */
  readonly lastIntegrated: number;
  /** Reciprocal entries at or below this server version are pruned (the base of its last upload). */
  readonly reciprocalBase: number;
  /** The active (last accepted) subscription set. */
  readonly queryVersion: number;
  readonly subscriptions: readonly StoredSubscription[];
  /**
   * The highest server version the client has shown it holds (its IDENT cursor, the base of an
   * upload). History compaction keeps every version from the lowest of these on (live files).
   */
  readonly syncedVersion: number;
  /**
   * The server version up to which an upload of this file was integrated on the strength of the
   * downloads planned for it: what those downloads sent (which objects' changes, where objects
   * joined or left its view) must be sent the same way again after a reconnect.
   */
  readonly plannedVersion: number;
  /** Counts the sessions that identified this file; only the latest one may change what is stored for it. */
  readonly sessionSeq: number;
  /** A fingerprint of the roles the file's sessions were given; a change means a client reset. */
  readonly roleKey: string | null;
  /**
   * Set when the file can no longer sync (offline longer than the history is kept, a breaking
   * schema change, an administrator's reset): its next session gets a client reset with this
   * reason and action.
   */
  readonly expiredAt: number | null;
  readonly expiredReason: string | null;
  readonly expiredAction: 'client_reset' | 'client_reset_no_recovery' | null;
}

export type ClientFilePatch = Partial<
  Pick<ClientFileRow, 'lastSeenAt' | 'lastIntegrated' | 'reciprocalBase' | 'queryVersion' | 'subscriptions' | 'syncedVersion' | 'plannedVersion' | 'sessionSeq' | 'roleKey'>
>;

/** A page of client files: below `beforeIdent`, optionally one user's. */
export interface ClientFilePage {
  readonly beforeIdent?: number;
  readonly userId?: string;
  readonly limit: number;
}

/** Which client files to retire (`expireClientFiles`); every condition given must hold. */
export interface ClientFileSelector {
  readonly idents?: readonly number[];
  readonly userId?: string;
  /** Files not seen since before this time (ms since the epoch). */
  readonly lastSeenBefore?: number;
}

/** Why and how retired files reset. */
export interface ClientFileExpiry {
  readonly at: number;
  readonly reason: string;
  readonly action: 'client_reset' | 'client_reset_no_recovery';
}

export interface ObjectKey {
  readonly type: string;
  readonly pk: PrimaryKey;
}

/** An object entering (`add`) or leaving (`remove`) a client's view. */
export interface ViewChange {
  readonly kind: 'add' | 'remove';
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly version: number;
}

/** What a session may see of one type: any of the subscriptions, AND the role's read filter. */
export interface ViewFilter {
  readonly subscriptions: readonly CompiledQuery[];
  readonly readFilter: CompiledQuery | null;
}

export interface StoreReader {
  latestVersion(): Promise<number>;
  /** History entries with after < version <= upTo, in order, at most `limit` of them. */
  history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]>;
  /** The entries private to one client file with after < version <= upTo, in order (filtered by the store, not decoded first). */
  privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]>;
  /** The materialized objects for these keys; the map is keyed by `objectKeyString`. Missing ones are absent. */
  getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>>;
  /**
   * Objects of `type` matching the view filter exactly (an SQL push-down through src/query's
   * translation, post-filtered with the evaluator when the translation is inexact), in `pk`
   * column order, after `afterPk` (keyset pagination), at most `limit`.
   */
  queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<{ pk: string; record: ObjectRecord }[]>;
  getClientFile(ident: number): Promise<ClientFileRow | undefined>;
  /** The rewritten (reciprocal) forms of foreign changesets for a client file, version > after. */
  reciprocal(ident: number, after: number): Promise<Map<number, Changeset>>;
  /** Which of these keys are in the client file's view set (as `objectKeyString`s). */
  inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>>;
  /** Every primary key of `type` in the client file's view set (as `pk` column text). */
  viewOf(ident: number, type: string): Promise<string[]>;
  /**
   * View changes sent to the client but not yet acknowledged by it, version > after, in
   * (version, insertion) order. See `logViewChanges`.
   */
  viewLog(ident: number, after: number): Promise<ViewChange[]>;
  /** The server's schema (development mode grows it), or undefined before the first one. */
  getSchema(): Promise<ObjectSchemaInput[] | undefined>;
  /** The lowest `syncedVersion` of the client files that are not expired; undefined when there are none. */
  syncHorizon(): Promise<number | undefined>;
  /** The lowest version still in the history (0 when it is empty). */
  firstVersion(): Promise<number>;
  /** Conflict journal entries (see `recordConflicts`), in id order (`newestFirst` reverses it). */
  listConflicts(query: ConflictQuery): Promise<ConflictRow[]>;
}

export interface StoreWriter extends StoreReader {
  /**
   * Runs `fn` inside the transaction so that, when it throws, everything it wrote is undone and
   * the transaction goes on (an SQL SAVEPOINT): one upload of a group commit failing must not
   * take the others with it. The error is rethrown.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Appends the next version (latest + 1) and returns it. */
  appendHistory(row: Omit<HistoryRow, 'version'>): Promise<number>;
  putObjects(objects: readonly { type: string; pk: PrimaryKey; record: ObjectRecord }[]): Promise<void>;
  deleteObjects(keys: readonly ObjectKey[]): Promise<void>;
  putReciprocal(ident: number, version: number, changeset: Changeset): Promise<void>;
  /** Drops reciprocal entries with version <= upTo. */
  pruneReciprocal(ident: number, upTo: number): Promise<void>;
  updateClientFile(ident: number, patch: ClientFilePatch): Promise<void>;
  addToView(ident: number, keys: readonly ObjectKey[]): Promise<void>;
  removeFromView(ident: number, keys: readonly ObjectKey[]): Promise<void>;
  /**
   * Records view changes (objects that entered or left the client's view) sent to the client in
   * a download whose cursor is `version`. They stay in a log until the client acknowledges that
   * version (`settleViewLog`), so that a client that reconnects from an older cursor can be
   * served as it really is: changes after its cursor are dropped (`dropViewLog`) and sent again.
   */
  logViewChanges(ident: number, version: number, changes: readonly ViewChange[]): Promise<void>;
  /** Applies the logged changes with version <= upTo to the view set (in order) and removes them from the log. */
  settleViewLog(ident: number, upTo: number): Promise<void>;
  /** Deletes the logged changes with version > after (the client never received them). */
  dropViewLog(ident: number, after: number): Promise<void>;
  setSchema(schema: readonly ObjectSchemaInput[]): Promise<void>;
  /**
   * Retires the client files the selector picks that are not retired yet (see ClientFileRow's
   * `expiredAt`), and deletes what the server kept for them (reciprocal history, view set and
   * view log). Returns how many it retired.
   */
  expireClientFiles(selector: ClientFileSelector, expiry: ClientFileExpiry): Promise<number>;
  /**
   * History compaction: deletes the entries with version < `below` (which must not exceed the
   * latest version, so the latest entry always stays) and every reciprocal entry at or below it.
   * Returns how many history entries it deleted.
   */
  compactHistory(below: number): Promise<number>;
  /**
   * Appends entries to the conflict journal (ids increase with every entry), then drops entries
   * older than `bound.maxAgeMs` and the oldest ones beyond `bound.maxEntries`.
   */
  recordConflicts(entries: readonly NewConflict[], bound: ConflictBound): Promise<void>;
}

export interface SyncStore extends StoreReader {
  readonly dialect: 'sqlite' | 'postgres' | 'memory';
  /**
   * Runs `fn` in one database transaction that holds the history append lock: at most one runs
   * at a time across every server node sharing the database, and it commits completely or not
   * at all. Reads inside see the latest committed state.
   */
  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  createClientFile(userId: string): Promise<ClientFileRow>;
  /** Client files, newest first (highest ident), for the operator's dashboard. */
  listClientFiles(page: ClientFilePage): Promise<ClientFileRow[]>;
  /**
   * The doorbell: `listener` is called after a transaction on any node appended to the history
   * (PostgreSQL LISTEN/NOTIFY; in-process for the embedded store). It carries no data: readers
   * fetch the new entries with `history`. Calls may be coalesced.
   */
  onAppend(listener: (latestVersion: number) => void): () => void;
  /** Marks the user's own losses with these ids read (others' entries are left alone). Returns how many it marked. */
  dismissConflicts(loserUserId: string, ids: readonly number[], at: number): Promise<number>;
  close(): Promise<void>;
}

// ---- The conflict journal (src/server/sync/conflicts.ts decides what goes in it). ----

/** One side of a decided conflict. */
export interface ConflictSide {
  /** The client file ident of the writer; 1 (SERVER_ORIGIN) is the server itself (its rules). */
  readonly origin: number;
  /** The writer's user; null for the server. */
  readonly userId: string | null;
  /** The history version that holds this side's write; null when it never entered the history. */
  readonly version: number | null;
  /** The writer's client version of the changeset, when it came from a client. */
  readonly clientVersion: number | null;
}

/** A value in the journal: the value (Extended JSON, as on the wire) when small, else only its size in bytes. */
export type ConflictValue = { readonly value: unknown } | { readonly size: number };

export type ConflictKind = 'overwritten' | 'erased' | 'reverted';

export interface NewConflict {
  readonly at: number;
  /**
   * overwritten: a Set replaced by a concurrent Set that wins; erased: an update of an object a
   * concurrent delete removed (or the delete removing it); reverted: a write the server undid
   * (a compensating write).
   */
  readonly kind: ConflictKind;
  readonly type: string;
  readonly pk: PrimaryKey;
  /** The location: a top-level field, then dictionary keys or embedded fields; empty for the whole object. */
  readonly path: readonly string[];
  readonly loser: ConflictSide;
  readonly winner: ConflictSide;
  /** The value the loser wrote (absent when its write was not a Set: an increment, a list change, an erase). */
  readonly lost?: ConflictValue;
  /** The value that prevails (absent when the object was erased). */
  readonly won?: ConflictValue;
  /** Why the server undid the write (`reverted`): `<code>: <why>`. */
  readonly reason?: string;
  /**
   * The object as it was just before an erase removed it: read permission is judged on it once
   * the object is gone. Never leaves the server.
   */
  readonly erasedObject?: ObjectRecord;
  /**
   * The loser had the object in its view (so its role could read it) when it wrote, and the
   * object is gone since: its user may read the entry, whose object state was not kept.
   */
  readonly loserSaw?: true;
}

export interface ConflictRow extends NewConflict {
  readonly id: number;
  /** When the loser marked it read; null while it is not. */
  readonly dismissedAt: number | null;
}

export interface ConflictQuery {
  readonly loserUserId?: string;
  readonly type?: string;
  /** Entries with id > afterId. */
  readonly afterId?: number;
  /** Entries with id < beforeId (paging newest first). */
  readonly beforeId?: number;
  readonly includeDismissed?: boolean;
  readonly newestFirst?: boolean;
  readonly limit: number;
}

export interface ConflictBound {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly now: number;
}

/** The map key for an object: type, NUL, the model's primary-key string. */
export function objectKeyString(type: string, pkText: string): string {
  return type + '\u0000' + pkText;
}

// ---- Added for the server (auth, settings, health). Everything above is the sync engine's part. ----

/** A user account. `id` is a random string; `email` is normalized (trimmed, lower case) and unique. */
export interface UserRow {
  readonly id: string;
  readonly email: string | null;
  /** `scrypt$N$r$p$<salt b64>$<key b64>` for email/password users, else null. */
  readonly passwordHash: string | null;
  /** The provider that created the user: 'anonymous', 'email', 'jwt' or 'api-key'. */
  readonly provider: string;
  /** Free-form JSON the rules can read as `%%user.custom_data`. */
  readonly customData: Record<string, unknown>;
  readonly createdAt: number;
}

export type UserPatch = Partial<Pick<UserRow, 'customData' | 'passwordHash' | 'email'>>;

/** A refresh-token family: every token rotated from one login. Revoking it ends them all. */
export interface RefreshFamilyRow {
  readonly id: string;
  readonly userId: string;
  readonly provider: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** One refresh token, stored by its SHA-256 hash (the token itself is never stored). */
export interface RefreshTokenRow {
  readonly hash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly provider: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When it was exchanged for its successor; null while it is the family's live token. */
  readonly spentAt: number | null;
  readonly successorHash: string | null;
  /** The token pair issued for it, encrypted with a key only this token's holder can derive (grace retry). */
  readonly successorBlob: string | null;
}

/** A server API key, stored by its SHA-256 hash. Each key logs in as its own user. */
export interface ApiKeyRow {
  readonly id: string;
  readonly name: string;
  readonly hash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** The auth tables. Every method is atomic on its own. */
export interface AuthStore {
  /** Throws OutpostError `user_exists` when the email is taken. */
  createUser(user: UserRow): Promise<void>;
  getUser(id: string): Promise<UserRow | undefined>;
  getUserByEmail(email: string): Promise<UserRow | undefined>;
  /** Users ordered by id, after `afterId`, at most `limit`. */
  listUsers(page: { afterId?: string; limit: number }): Promise<UserRow[]>;
  /** False when there is no such user. `user_exists` when a new email is taken. */
  updateUser(id: string, patch: UserPatch): Promise<boolean>;
  /** Deletes the user with its identities, token families, tokens and API keys. */
  deleteUser(id: string): Promise<boolean>;
  /**
   * The user linked to an external identity (custom JWT `sub`); when there is none, creates
   * `candidate` and links it, atomically (two concurrent first logins get one user).
   */
  ensureIdentityUser(provider: string, subject: string, candidate: UserRow): Promise<{ user: UserRow; created: boolean }>;
  createRefreshFamily(family: RefreshFamilyRow, first: RefreshTokenRow): Promise<void>;
  getRefreshFamily(id: string): Promise<RefreshFamilyRow | undefined>;
  getRefreshToken(hash: string): Promise<RefreshTokenRow | undefined>;
  /**
   * Marks `spent.hash` spent and inserts `next`, atomically, only if the token was still live.
   * False (and no change) when it was already spent: someone else rotated it first.
   */
  rotateRefreshToken(spent: { hash: string; spentAt: number; successorBlob: string }, next: RefreshTokenRow): Promise<boolean>;
  revokeRefreshFamily(id: string, at: number): Promise<void>;
  revokeUserRefreshFamilies(userId: string, at: number): Promise<void>;
  /** Deletes tokens that expired before `now`; returns how many. */
  pruneRefreshTokens(now: number): Promise<number>;
  createApiKey(key: ApiKeyRow): Promise<void>;
  getApiKeyByHash(hash: string): Promise<ApiKeyRow | undefined>;
  getApiKey(id: string): Promise<ApiKeyRow | undefined>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  revokeApiKey(id: string, at: number): Promise<boolean>;
}

/** The whole server store: the sync part, the auth part, settings and health. */
export interface ServerStore extends SyncStore {
  readonly auth: AuthStore;
  /** Where the data lives, for logs and health (no credentials): a path or host/database/schema. */
  readonly location: string;
  /** Throws when the database cannot be reached (health checks). */
  ping(): Promise<void>;
  /** A JSON setting (the admin API's rules, a generated development secret...). */
  getSetting(key: string): Promise<unknown>;
  setSetting(key: string, value: unknown): Promise<void>;
}
