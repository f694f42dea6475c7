import * as v from 'valibot';
import { uint } from './common.ts';

/**
 * MARK (both ways). The client asks to be told when its download has caught up with the server
 * as of now; the server answers with the same `requestId` and the version it had, after every
 * DOWNLOAD up to that version.
 */
export const clientMarkSchema = v.strictObject({ t: v.literal('MARK'), requestId: uint });
export type ClientMark = v.InferOutput<typeof clientMarkSchema>;

export const serverMarkSchema = v.strictObject({ t: v.literal('MARK'), requestId: uint, serverVersion: uint });
export type ServerMark = v.InferOutput<typeof serverMarkSchema>;
