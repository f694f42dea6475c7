import { decodeChangeset, encodeChangeset, type Changeset } from '../../changeset/index.ts';
import { pkKey, type ObjectRecord, type PrimaryKey } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import { decodeStorageValue, encodeStorageValue, fromStorageDocument, toStorageJson } from '../../query/index.ts';
import { objectKeyString, type ClientFileRow, type ConflictRow, type NewConflict, type ObjectKey, type StoredSubscription, type ViewChange } from './types.ts';

/*
 * Row encodings shared by the SQL stores (and the memory store, which keeps the same encoded
 * forms so that every implementation normalizes values identically).
 */

export function changesetToJson(c: Changeset): string {
  return JSON.stringify(encodeChangeset(c));
}

/** Decodes a stored changeset (JSON text, or what pg returns for a json column). */
export function changesetFromJson(raw: unknown): Changeset {
  return decodeChangeset(typeof raw === 'string' ? JSON.parse(raw) : raw);
}

export function docToJson(record: ObjectRecord): string {
  return toStorageJson(record);
}

export function docFromJson(raw: string | object): ObjectRecord {
  return fromStorageDocument(raw);
}

export function keyText(key: ObjectKey): string {
  return objectKeyString(key.type, pkKey(key.pk as PrimaryKey));
}

export function subscriptionsToJson(subs: readonly StoredSubscription[]): string {
  return JSON.stringify(subs);
}

export function subscriptionsFromJson(raw: unknown): StoredSubscription[] {
  const parsed = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(parsed)) throw new OutpostError('internal', 'stored subscriptions are not a list');
  return parsed as StoredSubscription[];
}

/** A client file row from SQL columns (PostgreSQL returns BIGINT as text: Number() them). */
export function clientFileFromRow(r: Record<string, unknown>): ClientFileRow {
  return {
    ident: Number(r.ident),
    salt: String(r.salt),
    userId: String(r.user_id),
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    lastIntegrated: Number(r.last_integrated),
    reciprocalBase: Number(r.reciprocal_base),
    queryVersion: Number(r.query_version),
    subscriptions: subscriptionsFromJson(r.subscriptions),
    syncedVersion: Number(r.synced_version ?? 0),
    plannedVersion: Number(r.planned_version ?? 0),
    sessionSeq: Number(r.session_seq ?? 0),
    roleKey: r.role_key === null || r.role_key === undefined ? null : String(r.role_key),
    expiredAt: r.expired_at === null || r.expired_at === undefined ? null : Number(r.expired_at),
    expiredReason: r.expired_reason === null || r.expired_reason === undefined ? null : String(r.expired_reason),
    expiredAction: r.expired_action === 'client_reset' || r.expired_action === 'client_reset_no_recovery' ? r.expired_action : null,
  };
}

export const CLIENT_FILE_COLUMNS: Record<string, string> = {
  lastSeenAt: 'last_seen_at',
  lastIntegrated: 'last_integrated',
  reciprocalBase: 'reciprocal_base',
  queryVersion: 'query_version',
  subscriptions: 'subscriptions',
  syncedVersion: 'synced_version',
  plannedVersion: 'planned_version',
  sessionSeq: 'session_seq',
  roleKey: 'role_key',
};

export function unknownClientFile(ident: number): OutpostError {
  return new OutpostError('bad_client_file', `client file ${ident} is unknown`);
}

/** Compares strings by Unicode code point, which is the byte order of UTF-8 (SQLite BINARY, PostgreSQL "C"). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A primary key value as JSON text (storage-document encoding), so its kind survives. */
export function pkToJson(pk: PrimaryKey): string {
  return JSON.stringify(encodeStorageValue(pk));
}

export function pkFromJson(raw: string): PrimaryKey {
  return decodeStorageValue(JSON.parse(raw)) as PrimaryKey;
}

/**
 * The net effect of logged view changes, in order: per object, the last change wins. Returns
 * the keys to add to the view set and the keys to remove from it.
 */
export function netViewChanges(changes: readonly ViewChange[]): { add: ObjectKey[]; remove: ObjectKey[] } {
  const last = new Map<string, ViewChange>();
  for (const c of changes) {
    const k = keyText(c);
    last.delete(k);
    last.set(k, c);
  }
  const add: ObjectKey[] = [];
  const remove: ObjectKey[] = [];
  for (const c of last.values()) (c.kind === 'add' ? add : remove).push({ type: c.type, pk: c.pk });
  return { add, remove };
}

/** A conflict journal entry as stored (the indexed columns are kept beside it by the SQL stores). */
export function conflictToJson(c: NewConflict): string {
  const { pk, erasedObject, ...rest } = c;
  return JSON.stringify({ ...rest, pk: encodeStorageValue(pk), ...(erasedObject ? { erasedObject: JSON.parse(docToJson(erasedObject)) as unknown } : {}) });
}

export function conflictFromJson(id: number, dismissedAt: number | null, raw: string | object): ConflictRow {
  const o = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
  const { pk, erasedObject, ...rest } = o;
  return {
    ...(rest as unknown as Omit<NewConflict, 'pk' | 'erasedObject'>),
    pk: decodeStorageValue(pk) as PrimaryKey,
    ...(erasedObject ? { erasedObject: docFromJson(erasedObject as object) } : {}),
    id,
    dismissedAt,
  };
}
