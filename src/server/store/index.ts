export { MemoryStore } from './memory.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.ts';
export { PostgresStore, type PostgresStoreOptions } from './postgres.ts';
export { openStore, type OpenStoreOptions } from './open.ts';
export { SCHEMA_VERSION } from './ddl.ts';
export * from './types.ts';
