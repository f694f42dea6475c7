import * as v from 'valibot';

/** UNBIND (client → server) ends the session; the server answers UNBOUND and closes. */
export const unbindSchema = v.strictObject({ t: v.literal('UNBIND') });
export type Unbind = v.InferOutput<typeof unbindSchema>;

/** UNBOUND (server → client): the session ended. */
export const unboundSchema = v.strictObject({ t: v.literal('UNBOUND') });
export type Unbound = v.InferOutput<typeof unboundSchema>;
