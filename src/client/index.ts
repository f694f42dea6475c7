/**
 * Outpost's browser client: App, users and credentials, databases with live queries, writes,
 * flexible-sync subscriptions and the sync session's state. See docs/client.md.
 */
export { App, type AppConfig, type InitialSubscriptions, type OpenConfig, type SyncConfig } from './app.ts';
export { Credentials, type CredentialsPayload } from './credentials.ts';
export { User, type Tokens, type UserProfile, type UserState } from './user.ts';
export { Database, SyncControl } from './database.ts';
export { ObjectQuery, Results, type ResultsChange, type SyncedResults, type SyncOptions, type SyncStatus } from './results.ts';
export { MutableSubscriptionSet, Subscriptions, type SubscriptionInfo } from './subscriptions.ts';
export { SerializedTransaction } from './transact-tx.ts';
export type { ClientResetConfig, ClientResetDetails, ClientResetModeInput, ResetSnapshot } from './reset.ts';
export { ObjectRef, WriteTransaction, type DictionaryOps, type ListOps, type ObjectTarget, type PathLike, type SetOps } from './write-tx.ts';
export { OBJECT_TYPE, sameContent, typeOfSnapshot, type Snapshot } from './snapshot.ts';
// The key of a query (type, filter, arguments, sort): bindings memoize on it.
export { specKey } from '../worker-api/query-spec.ts';
export { SyncError, type CompensatingWrite } from './errors.ts';
export { isRestorable, type Conflict, type ConflictSide, type ConflictValue } from './conflicts.ts';
export { MemoryKeyValueStore, type KeyValueStore } from './kv.ts';
export type { FetchLike } from './http.ts';
export type { InProcessOptions } from './connection.ts';
export type { WorkerSource } from './worker-start.ts';
// Node scripts run the worker in-process and need a WebSocket that sends an Authorization header (docs/client.md §13).
export { headerSockets, type SocketFactory } from '../worker/transport.ts';
export { MemoryLockManager, type LockManagerLike } from '../worker/locks.ts';
export type {
  ClientResetMode,
  ConnectionState,
  SubscriptionSetInfo,
  SubscriptionState,
  SyncProgress,
  SyncTimings,
  UpdateMode,
} from '../worker-api/api.ts';
export { OutpostError, type ErrorCode } from '../protocol/index.ts';
export { Decimal128, ObjectId, UUID, type ObjectSchemaInput } from '../model/index.ts';
