import * as v from 'valibot';
import { subscription, uint } from './common.ts';
import { LIMITS } from '../version.ts';

/**
 * QUERY (client → server): a new subscription set. Versions only go up; the server bootstraps
 * the difference and answers with DOWNLOADs tagged with this `version`, or a QUERY_ERROR.
 */
export const querySchema = v.strictObject({
  t: v.literal('QUERY'),
  version: uint,
  queries: v.pipe(v.array(subscription), v.maxLength(LIMITS.maxSubscriptions)),
});
export type Query = v.InferOutput<typeof querySchema>;
