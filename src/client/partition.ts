import { coercePrimaryKey, type ObjectSchemaInput, type PrimaryKeyType, type PropertyInput } from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import { httpJson, type FetchLike } from './http.ts';
import { readJson, writeJson, type KeyValueStore } from './kv.ts';
import type { MutableSubscriptionSet } from './subscriptions.ts';

/*
 * Realm's partition-based SyncConfiguration (`sync: { user, partitionValue }`) on Outpost's
 * flexible sync. The server names the partition key (`GET /api/sync/config`, from its
 * `partition` setting); the database then holds one subscription per type, `<key> == <value>`,
 * and every object created gets the partition value, as Realm puts an object in the partition of
 * the realm it was created in. What a user may read and write in a partition is the server's
 * rule (server/config/partition.ts): a partition it may not read syncs nothing, and a write it
 * may not make is reverted.
 */

export type PartitionValue = string | number | null | { toHexString(): string } | object;

export interface PartitionInfo {
  readonly key: string;
  readonly type: string;
}

const cacheKey = (appId: string) => `outpost:${appId}:partition`;

/**
 * The server's partition key. Remembered, so that a database opens offline once the key was read;
 * the first open needs the server (as logging in does).
 */
export async function partitionInfo(fetchImpl: FetchLike, baseUrl: string, store: KeyValueStore, appId: string): Promise<PartitionInfo> {
  let info: PartitionInfo | null;
  try {
    info = (await httpJson<{ partition: PartitionInfo | null }>(fetchImpl, baseUrl, '/api/sync/config')).partition;
  } catch (err) {
    const cached = readJson<PartitionInfo>(store, cacheKey(appId));
    if (cached && err instanceof OutpostError && err.code === 'offline') return cached;
    throw err;
  }
  if (!info) throw new OutpostError('schema_mismatch', 'this server is not configured for partition-based sync (its config has no "partition"); open with flexible-sync subscriptions instead');
  writeJson(store, cacheKey(appId), info);
  return info;
}

/**
 * The schema with the partition key on every type that syncs (every type not embedded):
 * added where the app's schema leaves it out (Realm apps often do), and defaulting to this
 * database's partition value, so creates fill it in.
 */
export function partitionSchema(
  input: readonly ObjectSchemaInput[],
  info: PartitionInfo,
  value: PartitionValue,
): { schema: ObjectSchemaInput[]; types: string[]; value: unknown } {
  const types: string[] = [];
  let stored: unknown = value;
  const schema = input.map((t) => {
    if (t.embedded === true) return t;
    // The value as the key's type stores it (an int from a number, an ObjectId from its hex...).
    stored = value === null ? null : coercePrimaryKey(info.type as PrimaryKeyType, value);
    if (stored === undefined) {
      throw new OutpostError('schema_violation', `partitionValue ${String(value)} is not a ${info.type} (the server's partition key "${info.key}" is one)`, { key: info.key });
    }
    const existing = t.properties[info.key];
    const optional = value === null;
    const prop: PropertyInput =
      existing === undefined || typeof existing === 'string'
        ? { type: info.type, optional: optional || (typeof existing === 'string' && existing.endsWith('?')), ...(stored !== null ? { default: stored } : {}) }
        : { ...existing, ...(stored !== null ? { default: stored } : {}) };
    types.push(t.name);
    return { ...t, properties: { ...t.properties, [info.key]: prop } };
  });
  return { schema, types, value: stored };
}

/** The subscriptions of a partition: one per type, named so reopening replaces rather than adds. */
export function partitionSubscriptions(info: PartitionInfo, types: readonly string[], value: unknown): (subs: MutableSubscriptionSet) => void {
  return (subs) => {
    for (const type of types) subs.add(type, `${info.key} == $0`, [value], { name: `partition:${type}` });
  };
}
