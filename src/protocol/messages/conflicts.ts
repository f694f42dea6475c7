import * as v from 'valibot';
import { name, positiveInt, primaryKey, uint, value } from './common.ts';

/*
 * The conflict journal on the wire (protocol version 2). The server tells a client about the
 * conflicts its user lost: writes the merge rules decided against (a Set replaced by a
 * concurrent one, an update erased by a concurrent delete) and writes the server reverted. Only
 * entries about objects and fields the user may read are sent. A client marks entries read
 * with CONFLICT_DISMISS; the server stops sending them (to every device of the user).
 */

export const CONFLICT_KINDS = ['overwritten', 'erased', 'reverted'] as const;

const side = v.strictObject({
  /** The writer's client file; 1 is the server (its rules). */
  origin: uint,
  userId: v.nullable(v.pipe(v.string(), v.maxLength(256))),
  /** The history version that holds the write; null when it never entered the history. */
  version: v.nullable(uint),
  clientVersion: v.nullable(uint),
});

/** A value, when small enough to journal; else only its size. */
const journaled = v.strictObject({ value: v.optional(value), size: v.optional(uint) });

export const conflictEntrySchema = v.strictObject({
  id: positiveInt,
  /** When the server decided, Unix ms. */
  at: uint,
  kind: v.picklist(CONFLICT_KINDS),
  type: name,
  pk: primaryKey,
  /** A top-level field, then dictionary keys or embedded fields; empty for the whole object. */
  path: v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(64)),
  loser: side,
  winner: side,
  lost: v.optional(journaled),
  won: v.optional(journaled),
  reason: v.optional(v.pipe(v.string(), v.maxLength(1024))),
});
export type ConflictEntry = v.InferOutput<typeof conflictEntrySchema>;

/**
 * CONFLICTS (server → client): entries of the conflict journal this user lost. With `replace`,
 * the whole current list (sent once a session is identified); without it, new entries to add.
 */
export const conflictsSchema = v.strictObject({
  t: v.literal('CONFLICTS'),
  replace: v.boolean(),
  entries: v.pipe(v.array(conflictEntrySchema), v.maxLength(1000)),
});
export type ConflictsMessage = v.InferOutput<typeof conflictsSchema>;

/** CONFLICT_DISMISS (client → server): marks the user's entries read. No answer. */
export const conflictDismissSchema = v.strictObject({
  t: v.literal('CONFLICT_DISMISS'),
  ids: v.pipe(v.array(positiveInt), v.minLength(1), v.maxLength(1000)),
});
export type ConflictDismiss = v.InferOutput<typeof conflictDismissSchema>;
