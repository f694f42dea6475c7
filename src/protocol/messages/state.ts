import * as v from 'valibot';
import { name, record, subscription, uint } from './common.ts';

/**
 * STATE_REQUEST (client → server): a fresh copy of everything the session may see under the
 * subscription set it carries, as of one server version, instead of a replay of history. Used
 * by client reset (and by a fast first open). Only a new client file may ask: right after
 * IDENT with cursor 0 and an empty subscription set, before any UPLOAD or QUERY. The set it
 * carries becomes the file's active set; an invalid one is answered with QUERY_ERROR.
 */
export const stateRequestSchema = v.strictObject({
  t: v.literal('STATE_REQUEST'),
  queryVersion: uint,
  queries: v.array(subscription),
});
export type StateRequest = v.InferOutput<typeof stateRequestSchema>;

/**
 * STATE (server → client): one segment of the fresh copy. Segments are numbered from 0; the one
 * with `last: true` ends it. Every segment carries the same `serverVersion` (the state is the
 * server's as of it) and `versionSalt` (its fingerprint, see DOWNLOAD). The client stores the
 * segments and replaces its objects with them when the last one arrives; its download cursor
 * is then `{ serverVersion, clientVersion: 0 }` and DOWNLOADs continue from there.
 */
export const stateSchema = v.strictObject({
  t: v.literal('STATE'),
  queryVersion: uint,
  serverVersion: uint,
  versionSalt: v.pipe(v.string(), v.maxLength(64)),
  segment: uint,
  last: v.boolean(),
  objects: v.array(v.strictObject({ type: name, record })),
});
export type StateMessage = v.InferOutput<typeof stateSchema>;
