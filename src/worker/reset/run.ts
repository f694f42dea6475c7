import { OutpostError, type ClientMessage, type ServerIdent, type StateMessage } from '../../protocol/index.ts';
import type { ClientResetMode, ResetInfo, SyncErrorInfo, WireError } from '../../worker-api/api.ts';
import type { LocalDatabase } from '../local-db.ts';
import { applyReset, clearBackup, type ResetOutcome } from './storage.ts';
import { wireQueries } from '../subscriptions-wire.ts';

/*
 * Client reset, the session's side (docs/client.md "Client reset"). On a new connection:
 *
 *   BIND {fileIdent: null}          → IDENT {new ident, salt}    (the old identity is kept for now)
 *   IDENT {new ident, cursor 0, empty subscription set}
 *   CLIENT_VERSION_REQUEST {old ident, old salt}  (recover only) → CLIENT_VERSION
 *   STATE_REQUEST {the active subscription set}                  → STATE segments … last
 *
 * The segments are held in IndexedDB until the last one; then `onBefore` runs, one IndexedDB
 * transaction swaps the database (storage.ts), live queries get the changes, `onAfter` runs, the
 * backup is cleared, and the same connection goes on as an identified session (uploading the
 * recovered changes, downloading from the STATE's version).
 */

export interface ResolvedReset {
  readonly mode: 'recover' | 'discard';
  /** recoverOrDiscard: discard when recovery fails. */
  readonly orDiscard: boolean;
}

export interface PendingReset extends ResolvedReset {
  /** The server's ERROR that asked for it; absent for `resetClient`. */
  readonly cause?: SyncErrorInfo;
  readonly manual?: { readonly resolve: () => void; readonly reject: (e: WireError) => void; readonly wasStopped: boolean };
}

/** What a mode does for a trigger; null: no reset (manual mode, or recover-only without recovery). */
export function resolveResetMode(mode: ClientResetMode, trigger: 'client_reset' | 'client_reset_no_recovery' | 'app'): ResolvedReset | null {
  const noRecovery = trigger === 'client_reset_no_recovery';
  switch (mode) {
    case 'manual':
      return null;
    case 'discardUnsyncedChanges':
      return { mode: 'discard', orDiscard: false };
    case 'recoverUnsyncedChanges':
      return noRecovery ? null : { mode: 'recover', orDiscard: false };
    case 'recoverOrDiscardUnsyncedChanges':
      return noRecovery ? { mode: 'discard', orDiscard: false } : { mode: 'recover', orDiscard: true };
  }
}

/** A reset attempt that cannot complete: the session falls back (stops and reports). */
export class ResetFailure extends Error {
  constructor(readonly info: SyncErrorInfo) {
    super(info.message);
  }
}

/** One reset attempt on one connection. */
export class ResetRun {
  newIdent: ServerIdent | undefined;
  /** The CLIENT_VERSION answer: the last old client version the server integrated (0 if unknown). */
  clientVersion: number | undefined;
  queryVersion = 0;

  constructor(
    readonly pending: PendingReset,
    readonly gen: number,
  ) {}

  /** After the server's IDENT for the new file: what to send, in one go (the server answers in order). */
  async requests(db: LocalDatabase, ident: ServerIdent): Promise<ClientMessage[]> {
    this.newIdent = ident;
    const meta = await db.meta();
    const set = await db.activeSet();
    this.queryVersion = set.version;
    const out: ClientMessage[] = [
      { t: 'IDENT', fileIdent: ident.fileIdent, salt: ident.salt, cursor: { serverVersion: 0, clientVersion: 0 }, subscriptions: { version: 0, queries: [] } },
    ];
    if (this.pending.mode === 'recover' && meta.fileIdent !== null && meta.salt !== null) {
      out.push({ t: 'CLIENT_VERSION_REQUEST', fileIdent: meta.fileIdent, salt: meta.salt });
    } else if (this.pending.mode === 'recover') {
      this.clientVersion = 0; // never identified: nothing of it reached the server
    }
    out.push({ t: 'STATE_REQUEST', queryVersion: set.version, queries: wireQueries(set) });
    return out;
  }
}

export interface ResetHooks {
  before(info: ResetInfo): Promise<void>;
  after(info: ResetInfo): Promise<void>;
  /** Where the `before` snapshot of reset `id` reads from (null: it is no longer valid). */
  phase(id: number, source: 'objects' | 'backup' | null): void;
  /** The reset was applied: live queries, identity, progress, subscriptions. */
  applied(outcome: ResetOutcome): void;
  /** A callback failed after the reset was applied (reported, the reset stands). */
  warn(info: SyncErrorInfo): void;
}

let resetSeq = 0;

/**
 * Completes a reset from its STATE segments: onBefore, the swap, onAfter. Returns undefined when
 * the connection changed before the swap (nothing happened; the next connection starts over).
 * Throws ResetFailure when the reset cannot be done.
 */
export async function finishReset(
  db: LocalDatabase,
  run: ResetRun,
  segments: readonly StateMessage[],
  hooks: ResetHooks,
  current: () => boolean,
): Promise<ResetOutcome | undefined> {
  const last = segments[segments.length - 1]!;
  const ident = run.newIdent!;
  const resetId = ++resetSeq;
  let mode = run.pending.mode;
  if (mode === 'recover' && run.clientVersion === undefined) {
    if (!run.pending.orDiscard) throw new ResetFailure({ code: 'client_reset', message: 'the server did not say which local changes it had integrated; nothing can be recovered', action: 'client_reset' });
    mode = 'discard';
  }
  const info: ResetInfo = { resetId, mode, ...(run.pending.cause ? { error: run.pending.cause } : {}) };
  hooks.phase(resetId, 'objects');
  try {
    await hooks.before(info);
  } catch (err) {
    hooks.phase(resetId, null);
    throw new ResetFailure({ code: 'client_reset', message: `the client reset was abandoned: onBefore threw: ${(err as Error)?.message ?? String(err)}`, action: 'client_reset' });
  }
  if (!current()) {
    hooks.phase(resetId, null);
    return undefined;
  }
  const input = (recoverAfter: number | null) => ({
    fileIdent: ident.fileIdent,
    salt: ident.salt,
    serverVersion: last.serverVersion,
    versionSalt: last.versionSalt,
    queryVersion: run.queryVersion,
    objects: segments.flatMap((s) => s.objects),
    recoverAfter,
  });
  const failed = (err: unknown): ResetFailure => {
    hooks.phase(resetId, null);
    const e = err instanceof OutpostError ? err : new OutpostError('internal', String(err));
    return new ResetFailure({ code: 'client_reset', message: `the client reset failed (${e.code}): ${e.message}`, action: 'client_reset' });
  };
  let outcome: ResetOutcome;
  try {
    outcome = await applyReset(db, input(mode === 'recover' ? run.clientVersion! : null));
  } catch (err) {
    if (mode !== 'recover' || !run.pending.orDiscard) throw failed(err);
    mode = 'discard';
    try {
      outcome = await applyReset(db, input(null));
    } catch (err2) {
      throw failed(err2);
    }
  }
  hooks.phase(resetId, 'backup');
  hooks.applied(outcome);
  if (outcome.unrecoverable > 0) {
    hooks.warn({
      code: 'client_reset',
      message: `${outcome.unrecoverable} local change(s) the server had acknowledged before it was restored were no longer kept on this device and could not be recovered`,
      action: 'none',
    });
  }
  try {
    await hooks.after({ ...info, mode, recovered: outcome.recovered.length, unsynced: outcome.unsynced });
  } catch (err) {
    hooks.warn({ code: 'client_reset', message: `onAfter threw after the client reset: ${(err as Error)?.message ?? String(err)}`, action: 'none' });
  }
  hooks.phase(resetId, null);
  await clearBackup(db);
  return outcome;
}
