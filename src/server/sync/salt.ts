import type { HistoryRow } from '../store/types.ts';

/*
 * Version salts: a fingerprint of the history entry at a server version, sent with every
 * DOWNLOAD and STATE and sent back by the client in IDENT. A server restored from an older copy
 * counts versions again, with other entries at the same numbers: the fingerprint of the client's
 * version no longer matches, and the client is reset instead of continuing from a history that is
 * not the one it followed. The fingerprint is worked out from the entry itself (origin, its
 * version there, the changeset's timestamp and size), so every node computes the same one without
 * storing it.
 */

/** FNV-1a over a string, 32 bits, as 8 hex digits; `seed` varies the basis. */
function fnv1a(text: string, seed: number): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The salt of a history entry (16 hex digits). Version 0, before any entry, has the salt ''. */
export function versionSalt(row: Pick<HistoryRow, 'version' | 'origin' | 'originVersion' | 'privateTo' | 'changeset'>): string {
  const text = `${row.version}|${row.origin}|${row.originVersion}|${row.privateTo ?? ''}|${row.changeset.timestamp}|${row.changeset.origin}|${row.changeset.instructions.length}`;
  return fnv1a(text, 0) + fnv1a(text, 0x5bd1e995);
}
