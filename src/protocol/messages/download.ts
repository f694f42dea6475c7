import * as v from 'valibot';
import { changeset, name, primaryKey, record, uint } from './common.ts';

/**
 * DOWNLOAD (server → client): what changed on the server, in server order.
 *
 * `items` are applied in order:
 * - `changeset`: a changeset of another origin, filtered to the session's view.
 *   `clientVersion` is the recipient's own last client version the server had integrated
 *   before it: the client drops its acknowledged changesets up to there, then transforms the
 *   changeset against the rest.
 * - `enter`: objects that entered the session's view (full state, below the client's own
 *   unacknowledged changes).
 * - `leave`: objects that left the view. A removal from view is not a deletion and is never
 *   uploaded.
 *
 * `cursor` is where the client stands after the message. `queryVersion` is the subscription set
 * this download reflects; a bootstrap of a new set comes as batches with `batch: 'more'`
 * followed by one with `batch: 'last'`, which the client applies together.
 */
export const downloadItem = v.variant('kind', [
  v.strictObject({ kind: v.literal('changeset'), serverVersion: uint, clientVersion: uint, changeset }),
  v.strictObject({ kind: v.literal('enter'), objects: v.array(v.strictObject({ type: name, object: record })) }),
  v.strictObject({ kind: v.literal('leave'), objects: v.array(v.strictObject({ type: name, pk: primaryKey })) }),
]);
export type DownloadItem = v.InferOutput<typeof downloadItem>;

export const downloadSchema = v.strictObject({
  t: v.literal('DOWNLOAD'),
  queryVersion: uint,
  cursor: v.strictObject({ serverVersion: uint, clientVersion: uint }),
  latestServerVersion: uint,
  items: v.array(downloadItem),
  batch: v.picklist(['more', 'last']),
  progress: v.optional(v.strictObject({ downloaded: uint, downloadable: uint })),
  serverTime: v.pipe(v.number(), v.finite()),
});
export type Download = v.InferOutput<typeof downloadSchema>;
