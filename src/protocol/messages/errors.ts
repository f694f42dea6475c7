import * as v from 'valibot';
import { ERROR_CODES } from '../../errors.ts';
import { name, primaryKey, uint } from './common.ts';

/** What the client should do about an ERROR. */
export const ERROR_ACTIONS = [
  'none', // a warning: the session continues (a compensating write, for one)
  'retry', // reconnect after the backoff
  'fatal', // stop syncing; a bug or a configuration problem
  'client_reset', // the local history cannot continue: reset, recovering local changes
  'client_reset_no_recovery', // reset, discarding local changes (recovery is not safe)
  'refresh_token', // get a new access token, then reconnect (or send REFRESH)
  'log_out', // the user's session is over
] as const;
export type ErrorAction = (typeof ERROR_ACTIONS)[number];

/**
 * ERROR (server → client): a typed error. Unless `action` is `none`, the server closes the
 * socket after it. `compensatingWrites` names each rejected write of a `compensating_write`.
 */
export const errorSchema = v.strictObject({
  t: v.literal('ERROR'),
  code: v.picklist(ERROR_CODES),
  message: v.pipe(v.string(), v.maxLength(4096)),
  action: v.picklist(ERROR_ACTIONS),
  tryAgain: v.boolean(),
  backoffMs: v.optional(uint),
  /** With `clock_skew`: the server's clock (Unix ms), to correct the client's from. */
  serverTime: v.optional(v.pipe(v.number(), v.finite())),
  /** With `clock_skew`: the first refused client version (none from it on was integrated). */
  clientVersion: v.optional(uint),
  compensatingWrites: v.optional(
    v.array(v.strictObject({ type: name, pk: primaryKey, reason: v.pipe(v.string(), v.maxLength(1024)), clientVersion: v.optional(uint) })),
  ),
});
export type ErrorMessage = v.InferOutput<typeof errorSchema>;

/** QUERY_ERROR (server → client): subscription set `version` was rejected. */
export const queryErrorSchema = v.strictObject({
  t: v.literal('QUERY_ERROR'),
  version: uint,
  code: v.picklist(ERROR_CODES),
  message: v.pipe(v.string(), v.maxLength(4096)),
  index: v.optional(uint),
});
export type QueryErrorMessage = v.InferOutput<typeof queryErrorSchema>;
