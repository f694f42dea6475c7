/*
 * The tables, for SQLite and PostgreSQL. Migrations are numbered; the `meta` row
 * `schema_version` records the last one applied. Each is idempotent (IF NOT EXISTS) and runs in
 * one transaction on open. A database written by a newer server (a higher version) is refused.
 *
 * Layout (both dialects; PostgreSQL qualifies every table with its schema):
 *   meta(key, value)                                   schema_version, schema, settings
 *   history(version, origin, origin_version, private_to, changeset, created_at)
 *   objects(type, pk, doc)                             the src/query/storage-doc.ts contract
 *   client_files(ident, salt, user_id, created_at, last_seen_at, last_integrated,
 *                reciprocal_base, query_version, subscriptions,
 *                synced_version, planned_version, session_seq, role_key, expired_at, expired_reason, expired_action)   (2)
 *   reciprocal(ident, version, changeset)
 *   view_sets(ident, type, pk)
 *   view_log(ident, seq, version, kind, type, pk, pk_value)
 *   users, identities, refresh_families, refresh_tokens, api_keys    (auth)
 *   conflicts(id, at, loser_user, type, dismissed_at, entry)          the conflict journal (3)
 */

export const SCHEMA_VERSION = 3;

type Dialect = 'sqlite' | 'postgres';

/** The statements of migration 1 for a dialect; `t` qualifies and quotes a table name. */
function migration1(d: Dialect, t: (name: string) => string): string[] {
  const int = d === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const json = d === 'sqlite' ? 'TEXT' : 'JSON';
  const jsonb = d === 'sqlite' ? 'TEXT' : 'JSONB';
  // pk order is the keyset-pagination order: byte order in both (SQLite's BINARY is memcmp of UTF-8).
  const textC = d === 'sqlite' ? 'TEXT' : 'TEXT COLLATE "C"';
  const ident =
    d === 'sqlite' ? 'ident INTEGER PRIMARY KEY AUTOINCREMENT' : `ident BIGINT PRIMARY KEY DEFAULT nextval('${t('client_file_ident')}')`;
  return [
    ...(d === 'postgres' ? [`CREATE SEQUENCE IF NOT EXISTS ${t('client_file_ident')} START WITH 2`] : []),
    `CREATE TABLE IF NOT EXISTS ${t('history')} (version ${int} PRIMARY KEY, origin ${int} NOT NULL, origin_version ${int} NOT NULL, private_to ${int}, changeset ${json} NOT NULL, created_at ${int} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t('objects')} (type TEXT NOT NULL, pk ${textC} NOT NULL, doc ${jsonb} NOT NULL, PRIMARY KEY (type, pk))`,
    `CREATE TABLE IF NOT EXISTS ${t('client_files')} (${ident}, salt TEXT NOT NULL, user_id TEXT NOT NULL, created_at ${int} NOT NULL, last_seen_at ${int} NOT NULL, last_integrated ${int} NOT NULL DEFAULT 0, reciprocal_base ${int} NOT NULL DEFAULT 0, query_version ${int} NOT NULL DEFAULT 0, subscriptions ${json} NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS client_files_user ON ${t('client_files')} (user_id)`,
    `CREATE TABLE IF NOT EXISTS ${t('reciprocal')} (ident ${int} NOT NULL, version ${int} NOT NULL, changeset ${json} NOT NULL, PRIMARY KEY (ident, version))`,
    `CREATE TABLE IF NOT EXISTS ${t('view_sets')} (ident ${int} NOT NULL, type TEXT NOT NULL, pk ${textC} NOT NULL, PRIMARY KEY (ident, type, pk))`,
    // View changes sent but not yet acknowledged (see StoreWriter.logViewChanges); seq orders one client's entries.
    `CREATE TABLE IF NOT EXISTS ${t('view_log')} (ident ${int} NOT NULL, seq ${int} NOT NULL, version ${int} NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL, pk ${textC} NOT NULL, pk_value TEXT NOT NULL, PRIMARY KEY (ident, seq))`,
    `CREATE INDEX IF NOT EXISTS view_log_version ON ${t('view_log')} (ident, version)`,
    `CREATE TABLE IF NOT EXISTS ${t('users')} (id TEXT PRIMARY KEY, email TEXT UNIQUE, password_hash TEXT, provider TEXT NOT NULL, custom_data ${json} NOT NULL, created_at ${int} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t('identities')} (provider TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (provider, subject))`,
    `CREATE INDEX IF NOT EXISTS identities_user ON ${t('identities')} (user_id)`,
    `CREATE TABLE IF NOT EXISTS ${t('refresh_families')} (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, provider TEXT NOT NULL, created_at ${int} NOT NULL, revoked_at ${int})`,
    `CREATE INDEX IF NOT EXISTS refresh_families_user ON ${t('refresh_families')} (user_id)`,
    `CREATE TABLE IF NOT EXISTS ${t('refresh_tokens')} (hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, user_id TEXT NOT NULL, provider TEXT NOT NULL, created_at ${int} NOT NULL, expires_at ${int} NOT NULL, spent_at ${int}, successor_hash TEXT, successor_blob TEXT)`,
    `CREATE INDEX IF NOT EXISTS refresh_tokens_family ON ${t('refresh_tokens')} (family_id)`,
    `CREATE INDEX IF NOT EXISTS refresh_tokens_user ON ${t('refresh_tokens')} (user_id)`,
    `CREATE INDEX IF NOT EXISTS refresh_tokens_expiry ON ${t('refresh_tokens')} (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${t('api_keys')} (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, created_at ${int} NOT NULL, revoked_at ${int})`,
  ];
}

/** Migration 2: client reset (what a file has synced, its roles, its retirement). */
function migration2(d: Dialect, t: (name: string) => string): string[] {
  const int = d === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const add = (column: string) => `ALTER TABLE ${t('client_files')} ADD COLUMN ${column}`;
  return [
    add(`synced_version ${int} NOT NULL DEFAULT 0`),
    add(`planned_version ${int} NOT NULL DEFAULT 0`),
    add(`session_seq ${int} NOT NULL DEFAULT 0`),
    add('role_key TEXT'),
    add(`expired_at ${int}`),
    add('expired_reason TEXT'),
    add('expired_action TEXT'),
    `CREATE INDEX IF NOT EXISTS client_files_seen ON ${t('client_files')} (last_seen_at)`,
  ];
}

/** Migration 3: the conflict journal (src/server/sync/conflicts.ts). */
function migration3(d: Dialect, t: (name: string) => string): string[] {
  const int = d === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const id = d === 'sqlite' ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : 'id BIGSERIAL PRIMARY KEY';
  const json = d === 'sqlite' ? 'TEXT' : 'JSON';
  return [
    `CREATE TABLE IF NOT EXISTS ${t('conflicts')} (${id}, at ${int} NOT NULL, loser_user TEXT, type TEXT NOT NULL, dismissed_at ${int}, entry ${json} NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS conflicts_loser ON ${t('conflicts')} (loser_user, id)`,
    `CREATE INDEX IF NOT EXISTS conflicts_at ON ${t('conflicts')} (at)`,
  ];
}

export function metaTableDdl(t: (name: string) => string): string {
  return `CREATE TABLE IF NOT EXISTS ${t('meta')} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;
}

/** The statements that bring a database from `from` to SCHEMA_VERSION. */
export function migrationsFrom(from: number, d: Dialect, t: (name: string) => string): string[] {
  if (from > SCHEMA_VERSION) {
    throw new Error(`the database has schema version ${from}, newer than this server's ${SCHEMA_VERSION}: upgrade the server`);
  }
  const steps: Array<(d: Dialect, t: (name: string) => string) => string[]> = [migration1, migration2, migration3];
  return steps.slice(from).flatMap((step) => step(d, t));
}
