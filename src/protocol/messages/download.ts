import * as v from 'valibot';
import { changeset, uint } from './common.ts';

/**
 * DOWNLOAD (server → client): what changed on the server, in server order.
 *
 * Every item is a changeset of another origin (another client, or the server itself), cut to
 * the session's view, at its `serverVersion`. `clientVersion` is the recipient's own last client
 * version the server had integrated before it: the client drops its acknowledged changesets up
 * to there, then transforms the changeset against the rest and applies it. Objects enter and
 * leave a session's view through such changesets too (ones only this client gets): one that
 * creates the object with its state, one that erases it on this client. A removal from view
 * arrives as a download, so it is never uploaded.
 *
 * `cursor` is where the client stands after the message; `versionSalt` fingerprints the history
 * row at `cursor.serverVersion` (the client sends it back in IDENT). `queryVersion` is the subscription set
 * this download reflects; a bootstrap of a new set comes as batches with `batch: 'more'`
 * followed by one with `batch: 'last'`, which the client applies together.
 */
export const downloadItem = v.variant('kind', [
  v.strictObject({ kind: v.literal('changeset'), serverVersion: uint, clientVersion: uint, changeset }),
]);
export type DownloadItem = v.InferOutput<typeof downloadItem>;

export const downloadSchema = v.strictObject({
  t: v.literal('DOWNLOAD'),
  queryVersion: uint,
  cursor: v.strictObject({ serverVersion: uint, clientVersion: uint }),
  versionSalt: v.pipe(v.string(), v.maxLength(64)),
  latestServerVersion: uint,
  items: v.array(downloadItem),
  batch: v.picklist(['more', 'last']),
  progress: v.optional(v.strictObject({ downloaded: uint, downloadable: uint })),
  serverTime: v.pipe(v.number(), v.finite()),
});
export type Download = v.InferOutput<typeof downloadSchema>;
