/**
 * Outpost's worker: the local database (IndexedDB through Dexie), live queries and the sync
 * session. In a browser it runs as a dedicated Web Worker (entry.ts); in Node, in-process.
 */
export { WorkerHost, type HostOptions } from './host.ts';
export type {
  AccessToken,
  AuthBridge,
  ClientResetMode,
  CompensatingWriteInfo,
  ConnectionState,
  EventSink,
  OpenRequest,
  OpenResponse,
  ResetFallbackInfo,
  ResetHandler,
  ResetInfo,
  Result,
  LocalSubscription,
  SubscriptionMutation,
  SubscriptionSetInfo,
  SubscriptionState,
  SyncErrorInfo,
  SyncProgress,
  SyncTimings,
  TransactRequest,
  UpdateMode,
  WireError,
  WireOp,
  WirePath,
  WorkerApi,
  WorkerEvent,
} from '../worker-api/api.ts';
export { MemoryLockManager, defaultLocks, type LockManagerLike, type LockOptions } from './locks.ts';
export { defaultChannels, type ChannelFactory, type ChannelLike, type TabMessage } from './channel.ts';
export { headerSockets, subprotocolSockets, syncUrl, type SocketFactory, type SocketLike } from './transport.ts';
export { Backoff } from './backoff.ts';
export { diffKeys, applyIndexChanges, type IndexChanges } from '../worker-api/diff.ts';
export { toStorable, fromStorable, toPlain, storableEqual } from '../worker-api/codec.ts';
export { codePointOrderKey, indexKeyOf, IndexLayout } from './index-keys.ts';
export { lastRunStats, matchQuery } from './query-runner.ts';
export { compileSpec, specKey, specToAst, type QuerySpec } from '../worker-api/query-spec.ts';
export { LocalDatabase } from './local-db.ts';
export { SyncSession, DEFAULT_TIMINGS } from './session.ts';
export type { IndexedDbEnv } from './store.ts';
