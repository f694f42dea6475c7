import { hlcWall, maxTimestampAt, type Changeset } from '../../changeset/index.ts';
import { OutpostError } from '../../errors.ts';

/*
 * The clock bound, checked where an UPLOAD or TRANSACT enters a session, before anything is
 * integrated. Timestamps decide which of two concurrent writes wins (merge-rules.md): one stamped
 * far in the future would win every later conflict, and a client that adopted it would stamp
 * every later write past it. So a changeset stamped more than `maxSkewMs` ahead of the server's
 * clock is refused whole, never stored, never relayed. The error carries the server's time so
 * the client can correct its clock and restamp what it has not had acknowledged.
 */

/** Throws `clock_skew` (details: `serverTime`, `clientVersion`) when a changeset is stamped past the bound. */
export function checkClockBound(changesets: readonly { readonly clientVersion?: number; readonly changeset: Changeset }[], serverTime: number, maxSkewMs: number): void {
  const limit = maxTimestampAt(serverTime, maxSkewMs);
  for (const c of changesets) {
    if (c.changeset.timestamp <= limit) continue;
    const ahead = hlcWall(c.changeset.timestamp) - serverTime;
    const which = c.clientVersion !== undefined ? `changeset ${c.clientVersion}` : 'the changeset';
    throw new OutpostError(
      'clock_skew',
      `${which} is stamped ${describe(ahead)} ahead of the server's clock (at most ${describe(maxSkewMs)} is accepted): correct the clock from serverTime and restamp the unacknowledged changesets`,
      { serverTime, ...(c.clientVersion !== undefined ? { clientVersion: c.clientVersion } : {}) },
    );
  }
}

function describe(ms: number): string {
  if (!Number.isFinite(ms) || ms > 1e15) return 'far';
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
