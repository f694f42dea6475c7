import * as v from 'valibot';
import { positiveInt, subscription, uint } from './common.ts';
import { LIMITS } from '../version.ts';

/**
 * IDENT (client → server): identifies the local database and where it stands. `cursor` is the
 * download cursor: the last server version integrated, and the last own client version the
 * server had integrated as of it. `subscriptions` is the active subscription set.
 */
export const clientIdentSchema = v.strictObject({
  t: v.literal('IDENT'),
  fileIdent: positiveInt,
  salt: v.pipe(v.string(), v.maxLength(64)),
  cursor: v.strictObject({ serverVersion: uint, clientVersion: uint }),
  subscriptions: v.strictObject({
    version: uint,
    queries: v.pipe(v.array(subscription), v.maxLength(LIMITS.maxSubscriptions)),
  }),
});
export type ClientIdent = v.InferOutput<typeof clientIdentSchema>;
