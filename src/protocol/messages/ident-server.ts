import * as v from 'valibot';
import { positiveInt } from './common.ts';

/** IDENT (server → client): the file ident and salt allocated for a BIND that asked for one. */
export const serverIdentSchema = v.strictObject({
  t: v.literal('IDENT'),
  fileIdent: positiveInt,
  salt: v.pipe(v.string(), v.maxLength(64)),
});
export type ServerIdent = v.InferOutput<typeof serverIdentSchema>;
