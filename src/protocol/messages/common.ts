import * as v from 'valibot';
import { decodeChangeset, decodeValue, encodeChangeset, encodeValue } from '../../changeset/encoding.ts';
import type { Changeset } from '../../changeset/instructions.ts';
import { ObjectId, UUID, isRecord, type ObjectRecord, type PrimaryKey, type Value } from '../../model/values.ts';

/*
 * Building blocks of the message schemas. Wire values (changesets, Extended JSON values) are
 * decoded here, at the edge, so handlers only ever see checked, typed data.
 */

export const uint = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
export const positiveInt = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
export const name = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

function decoded<T>(decode: (raw: unknown) => T) {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, T>(({ dataset, addIssue, NEVER }) => {
      try {
        return decode(dataset.value);
      } catch (err) {
        addIssue({ message: (err as Error).message });
        return NEVER;
      }
    }),
  );
}

export const changeset = decoded<Changeset>(decodeChangeset);
export const value = decoded<Value>((raw) => decodeValue(raw));

export const primaryKey = decoded<PrimaryKey>((raw) => {
  const pk = decodeValue(raw);
  if (typeof pk === 'string' || (typeof pk === 'number' && Number.isSafeInteger(pk)) || pk instanceof ObjectId || pk instanceof UUID) return pk;
  throw new Error('a primary key is an objectId, uuid, string or int');
});

export const record = decoded<ObjectRecord>((raw) => {
  const rec = decodeValue(raw);
  if (!isRecord(rec)) throw new Error('expected an object');
  return rec;
});

/**
 * One flexible-sync subscription: a query on one object type, with its arguments. How many a set
 * may hold and how long a query may be are checked by the server (QUERY_ERROR
 * `subscription_limit`, the session continues), not here (a wire error would end the session).
 */
export const subscription = v.strictObject({
  name: v.optional(name),
  objectType: name,
  // The frame limit bounds the text; the query's own limit is checked by the server's validator,
  // which answers QUERY_ERROR and keeps the session.
  query: v.string(),
  args: v.pipe(v.array(value), v.maxLength(100)),
});
export type Subscription = v.InferOutput<typeof subscription>;

export function encodeSubscription(s: Subscription): unknown {
  return { ...(s.name !== undefined ? { name: s.name } : {}), objectType: s.objectType, query: s.query, args: s.args.map(encodeValue) };
}

export { encodeChangeset, encodeValue };
