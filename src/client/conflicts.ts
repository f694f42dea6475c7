import { OutpostError } from '../protocol/index.ts';
import type { ConflictInfo, ConflictSideInfo } from '../worker-api/api.ts';
import { toPlain } from '../worker-api/codec.ts';

/*
 * Conflicts this user lost, from the server's conflict journal (docs/client.md, "Conflicts"):
 * a value replaced by a concurrent write that won, writes removed by a concurrent delete, writes
 * the server reverted. Only conflicts on objects and fields the user may read arrive.
 */

/** One side of a conflict. */
export interface ConflictSide {
  /** The local database (client file) that wrote it; 1 is the server itself. */
  readonly fileIdent: number;
  /** The writer's user id; null for the server. */
  readonly userId: string | null;
  /** The server version holding its write (null: it never entered the history). */
  readonly serverVersion: number | null;
  readonly clientVersion: number | null;
  /** The server's rules (a reverted write). */
  readonly isServer: boolean;
}

/** A journaled value: the value itself, or only its size in bytes when it was too large to keep. */
export type ConflictValue = { readonly value: unknown } | { readonly size: number };

export interface Conflict {
  readonly id: number;
  readonly at: Date;
  /** overwritten: replaced by a concurrent write; erased: the object was deleted concurrently; reverted: the server undid it. */
  readonly kind: 'overwritten' | 'erased' | 'reverted';
  readonly type: string;
  readonly pk: unknown;
  /** The top-level field, then dictionary keys or embedded fields; empty for the whole object. */
  readonly path: readonly string[];
  /** `path[0]`, or null for the whole object. */
  readonly field: string | null;
  /** What this user wrote and lost (absent when it was not a plain value: an increment, a list change). */
  readonly lost?: ConflictValue;
  /** The value that stands (absent when the object is gone). */
  readonly won?: ConflictValue;
  readonly loser: ConflictSide;
  readonly winner: ConflictSide;
  /** Why the server reverted the write (`reverted`). */
  readonly reason?: string;
}

function side(s: ConflictSideInfo): ConflictSide {
  return { fileIdent: s.origin, userId: s.userId, serverVersion: s.version, clientVersion: s.clientVersion, isServer: s.origin === 1 };
}

function value(j: ConflictInfo['lost']): ConflictValue | undefined {
  if (j === undefined) return undefined;
  if ('value' in j) return { value: toPlain(j.value!) };
  return { size: j.size ?? 0 };
}

export function conflictFromInfo(c: ConflictInfo): Conflict {
  const lost = value(c.lost);
  const won = value(c.won);
  return {
    id: c.id,
    at: new Date(c.at),
    kind: c.kind,
    type: c.type,
    pk: toPlain(c.pk),
    path: c.path,
    field: c.path[0] ?? null,
    ...(lost ? { lost } : {}),
    ...(won ? { won } : {}),
    loser: side(c.loser),
    winner: side(c.winner),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
  };
}

/** Whether `restoreConflict` can write the lost value back: a kept value at a location of an object that still exists. */
export function isRestorable(c: Conflict): boolean {
  return c.kind !== 'erased' && c.path.length > 0 && c.lost !== undefined && 'value' in c.lost;
}

export function notRestorable(c: Conflict): OutpostError {
  const why = c.kind === 'erased' ? 'the object was deleted' : c.path.length === 0 ? 'it was about the whole object' : 'the lost value was not kept (too large, or not a plain value)';
  return new OutpostError('not_found', `conflict ${c.id} cannot be restored: ${why}`);
}
