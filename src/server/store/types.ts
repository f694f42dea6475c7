import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord, ObjectSchemaInput, PrimaryKey } from '../../model/index.ts';
import type { CompiledQuery } from '../../query/index.ts';

/*
 * The server's storage, one interface for every implementation (embedded SQLite, PostgreSQL, and
 * an in-memory one for fast unit tests). Every implementation runs the same contract suite
 * (contract.ts). The sync engine is the only writer of the sync tables; auth has its own part
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
}

export type ClientFilePatch = Partial<Pick<ClientFileRow, 'lastSeenAt' | 'lastIntegrated' | 'reciprocalBase' | 'queryVersion' | 'subscriptions'>>;

export interface ObjectKey {
  readonly type: string;
  readonly pk: PrimaryKey;
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
  /** The server's schema (development mode grows it), or undefined before the first one. */
  getSchema(): Promise<ObjectSchemaInput[] | undefined>;
}

export interface StoreWriter extends StoreReader {
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
  setSchema(schema: readonly ObjectSchemaInput[]): Promise<void>;
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
  /**
   * The doorbell: `listener` is called after a transaction on any node appended to the history
   * (PostgreSQL LISTEN/NOTIFY; in-process for the embedded store). It carries no data: readers
   * fetch the new entries with `history`. Calls may be coalesced.
   */
  onAppend(listener: (latestVersion: number) => void): () => void;
  close(): Promise<void>;
}

/** The map key for an object: type, NUL, the model's primary-key string. */
export function objectKeyString(type: string, pkText: string): string {
  return type + '\u0000' + pkText;
}
