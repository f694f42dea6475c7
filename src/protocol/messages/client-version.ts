import * as v from 'valibot';
import { positiveInt, uint } from './common.ts';

/**
 * CLIENT_VERSION_REQUEST (client → server): the last client version the server integrated from
 * a client file, named by its ident and salt. A client in reset asks about its old file to learn
 * which of its local changesets never reached the server's history (those after the answer).
 * Only the file's own user may ask.
 */
export const clientVersionRequestSchema = v.strictObject({
  t: v.literal('CLIENT_VERSION_REQUEST'),
  fileIdent: positiveInt,
  salt: v.pipe(v.string(), v.maxLength(64)),
});
export type ClientVersionRequest = v.InferOutput<typeof clientVersionRequestSchema>;

/**
 * CLIENT_VERSION (server → client): the answer. `clientVersion` is 0 and `known` false when the
 * server does not know the file (a restore from a backup older than it, or another user's).
 */
export const clientVersionSchema = v.strictObject({
  t: v.literal('CLIENT_VERSION'),
  fileIdent: positiveInt,
  known: v.boolean(),
  clientVersion: uint,
});
export type ClientVersionMessage = v.InferOutput<typeof clientVersionSchema>;
