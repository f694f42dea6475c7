import * as v from 'valibot';
import { subscription, uint } from './common.ts';

/**
 * QUERY (client → server): a new subscription set. Versions only go up; the server bootstraps
 * the difference and answers with DOWNLOADs tagged with this `version`, or a QUERY_ERROR.
 */
export const querySchema = v.strictObject({
  t: v.literal('QUERY'),
  version: uint,
  queries: v.array(subscription),
});
export type Query = v.InferOutput<typeof querySchema>;
