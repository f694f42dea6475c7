/**
 * `outpost/server`: run the sync server from code (the `outpost-server` command does the same
 * from the command line), or assemble its parts.
 */
export { startServer, type RunningServer, type ServerParts, type StartOptions, type SyncAttach, type SyncAttachment } from './main.ts';
export { attachSyncEngine } from './sync/attach.ts';
export { DataApi, SyncEngine, createSyncEndpoint, type EngineOptions, type RulesSpec, type SessionAuth } from './sync/index.ts';
export { MemoryStore, PostgresStore, SqliteStore, openStore, type ServerStore, type SyncStore } from './store/index.ts';
export { AuthService } from './auth/index.ts';
export { ConfigError, loadConfig, parseConfig, type OutpostConfig } from './config/index.ts';
