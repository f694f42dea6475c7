import * as v from 'valibot';
import { positiveInt, subscription, uint } from './common.ts';

/**
 * IDENT (client → server): identifies the local database and where it stands. `cursor` is the
 * download cursor: the last server version integrated, and the last own client version the
 * server had integrated as of it. `versionSalt` is the fingerprint of that server version as the
 * last DOWNLOAD (or STATE) gave it, so that a server restored from an older copy, whose history
 * went another way, is noticed (absent, or empty, at version 0). `subscriptions` is the active
 * subscription set.
 */
export const clientIdentSchema = v.strictObject({
  t: v.literal('IDENT'),
  fileIdent: positiveInt,
  salt: v.pipe(v.string(), v.maxLength(64)),
  cursor: v.strictObject({ serverVersion: uint, clientVersion: uint }),
  versionSalt: v.optional(v.pipe(v.string(), v.maxLength(64))),
  subscriptions: v.strictObject({
    version: uint,
    queries: v.array(subscription),
  }),
});
export type ClientIdent = v.InferOutput<typeof clientIdentSchema>;
