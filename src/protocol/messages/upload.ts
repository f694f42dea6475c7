import * as v from 'valibot';
import { changeset, positiveInt, uint } from './common.ts';
import { LIMITS } from '../version.ts';

/**
 * UPLOAD (client → server): local changesets in client-version order. `base` is the last server
 * version the client had integrated when it (re)based the changeset. Versions the server already
 * integrated are skipped (a re-send after a lost acknowledgement); a gap is an error.
 */
export const uploadSchema = v.strictObject({
  t: v.literal('UPLOAD'),
  changesets: v.pipe(
    v.array(v.strictObject({ clientVersion: positiveInt, base: uint, changeset })),
    v.maxLength(LIMITS.maxUploadChangesets),
  ),
});
export type Upload = v.InferOutput<typeof uploadSchema>;
