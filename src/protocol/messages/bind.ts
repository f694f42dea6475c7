import * as v from 'valibot';
import { name, positiveInt } from './common.ts';

/**
 * BIND (client → server), the first message of a session: the protocol version, and the local
 * database's file ident and salt, or null for both to ask the server to allocate them. `schema`
 * is the client's schema (object schemas as `parseSchema` takes them), checked against the
 * server's.
 */
export const bindSchema = v.strictObject({
  t: v.literal('BIND'),
  protocolVersion: positiveInt,
  fileIdent: v.nullable(positiveInt),
  salt: v.nullable(v.pipe(v.string(), v.maxLength(64))),
  appId: v.optional(name),
  schema: v.optional(v.pipe(v.array(v.looseObject({ name: v.string() })), v.maxLength(1000))),
});
export type Bind = v.InferOutput<typeof bindSchema>;
