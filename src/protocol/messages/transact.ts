import * as v from 'valibot';
import { ERROR_CODES } from '../../errors.ts';
import { LIMITS } from '../version.ts';
import { changeset, name, positiveInt, primaryKey, uint } from './common.ts';

/**
 * TRANSACT (client → server): one serialized transaction. The server applies `changeset` only if
 * no change after server version `base` that this client had not made itself touched an object
 * the transaction read (`reads`) or writes, and every write is allowed; otherwise it rejects it
 * whole. It does not use a client version: an applied transaction is appended as a server
 * change and comes back to every client (its author included) through DOWNLOAD. The client
 * sends nothing else that changes data until the answer arrives, and only once all its earlier
 * uploads have been acknowledged.
 */
export const transactSchema = v.strictObject({
  t: v.literal('TRANSACT'),
  requestId: positiveInt,
  base: uint,
  reads: v.pipe(v.array(v.strictObject({ type: name, pk: primaryKey })), v.maxLength(LIMITS.maxTransactReads)),
  changeset,
});
export type Transact = v.InferOutput<typeof transactSchema>;

/**
 * TRANSACT (server → client): the answer to the TRANSACT with the same `requestId`.
 * `applied` carries the server version of the change (the client has it once its download cursor
 * reaches that version); `rejected` carries a code (`transaction_conflict`, `permission_denied`,
 * `write_outside_view`, `schema_violation`, `bad_cursor`...) and a reason.
 */
export const transactResultSchema = v.variant('status', [
  v.strictObject({ t: v.literal('TRANSACT'), requestId: positiveInt, status: v.literal('applied'), serverVersion: uint }),
  v.strictObject({
    t: v.literal('TRANSACT'),
    requestId: positiveInt,
    status: v.literal('rejected'),
    code: v.picklist(ERROR_CODES),
    reason: v.pipe(v.string(), v.maxLength(4096)),
  }),
]);
export type TransactResult = v.InferOutput<typeof transactResultSchema>;
