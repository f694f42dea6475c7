import * as v from 'valibot';

/** REFRESH (client → server): a new access token for the running session. */
export const refreshSchema = v.strictObject({
  t: v.literal('REFRESH'),
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)),
});
export type Refresh = v.InferOutput<typeof refreshSchema>;
