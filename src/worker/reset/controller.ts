import { OutpostError, parseServerMessage, type ClientMessage, type ClientVersionMessage, type ErrorMessage, type ServerIdent, type StateMessage } from '../../protocol/index.ts';
import type { ClientResetMode, SyncErrorInfo } from '../../worker-api/api.ts';
import type { LocalDatabase } from '../local-db.ts';
import { finishReset, ResetFailure, ResetRun, resolveResetMode, type PendingReset, type ResetHooks } from './run.ts';
import type { ConnectionControl, ResetEvents } from './control.ts';
import { clearResetGuard } from './storage.ts';
import type { SyncMeta } from '../store.ts';

/*
 * The sync session's client-reset control (the protocol steps and the swap are in run.ts and storage.ts):
 * when to reset (an ERROR with a reset action, or `resetClient`), the attempt on the current
 * connection, the fallback (sync stops, onError and onFallback), and the reset guard: set by a
 * reset, cleared by the first full sync after it (a MARK answered with every upload
 * acknowledged). A reset asked for again while the guard is set stops sync instead of looping.
 */

export class SessionReset {
  private pending: PendingReset | undefined;
  private run: ResetRun | undefined;
  /** A MARK is owed to clear the guard once every upload is acknowledged. */
  private guardMarkOwed = false;

  constructor(
    private readonly db: LocalDatabase,
    private readonly events: ResetEvents,
    private readonly mode: ClientResetMode,
    private readonly connection: ConnectionControl,
  ) {}

  /** A reset is fetching its state on this connection (downloads are ignored meanwhile). */
  get active(): boolean {
    return this.run !== undefined;
  }

  /** A reset the app asked for; the session checked it is open and not paused. */
  request(mode: ClientResetMode): Promise<void> {
    const resolved = resolveResetMode(mode, 'app');
    if (!resolved) return Promise.reject(new OutpostError('internal', `resetClient needs a mode that resets (got ${JSON.stringify(mode)})`));
    if (this.pending?.manual) return Promise.reject(new OutpostError('internal', 'a client reset is already running'));
    return new Promise<void>((resolve, reject) => {
      this.pending = { ...resolved, manual: { resolve, reject: (e) => reject(new OutpostError(e.code, e.message, e.details)), wasStopped: this.connection.stopped } };
      this.connection.stopped = false;
      this.connection.reconnectNow();
    });
  }

  /** A new connection: a pending reset binds as a new client file. Returns whether it does. */
  begin(): boolean {
    if (this.pending) this.run = new ResetRun(this.pending, this.connection.generation);
    return this.run !== undefined;
  }

  /** The connection ended: an attempt in progress starts over on the next one. */
  disconnected(): void {
    this.run = undefined;
  }

  /** A reset the app asked for is online only: a failed or lost connection ends it (nothing changed). */
  abandonManual(opened: boolean): void {
    const p = this.pending;
    if (!p?.manual) return;
    this.pending = undefined;
    if (p.manual.wasStopped) this.connection.stopped = true;
    p.manual.reject(
      opened
        ? { code: 'connection_lost', message: 'the connection dropped before the client reset was applied; nothing was reset' }
        : { code: 'offline', message: 'the client reset needs a connection to the server; nothing was reset' },
    );
  }

  close(): void {
    this.pending?.manual?.reject({ code: 'database_closed', message: 'the database was closed' });
    this.pending = undefined;
    this.run = undefined;
  }

  // ---- messages of a reset attempt ------------------------------------------------------------

  async onIdent(ident: ServerIdent): Promise<void> {
    for (const m of await this.run!.requests(this.db, ident)) this.connection.send(m);
  }

  onClientVersion(m: ClientVersionMessage): void {
    if (this.run) this.run.clientVersion = m.known ? m.clientVersion : 0;
  }

  /** A QUERY_ERROR: true when it was the reset's STATE_REQUEST that was rejected (handled here). */
  async onQueryError(version: number, code: string, message: string): Promise<boolean> {
    if (!this.run || version !== this.run.queryVersion) return false;
    await this.fail({ code: 'client_reset', message: `the client reset could not fetch a fresh copy: the subscription set was rejected (${code}: ${message})`, action: 'client_reset' });
    return true;
  }

  async onState(text: string, m: StateMessage): Promise<void> {
    const run = this.run;
    const { db, events } = this;
    if (!run || m.queryVersion !== run.queryVersion || !run.newIdent) return;
    if (!m.last) return db.holdBatch(m.queryVersion, text);
    const segments = (await db.heldBatches()).map((b) => parseServerMessage(b.frame) as StateMessage);
    segments.push(m);
    // The generation of the connection this run started on: the socket may have dropped while
    // the segments were read back, and a stale run must not apply.
    const gen = run.gen;
    const hooks: ResetHooks = {
      ...events.reset,
      applied: (outcome) => {
        this.connection.applied(outcome.meta);
        events.integrated({ changes: outcome.changes, meta: outcome.meta, large: outcome.changes.length > 200 });
        events.identity(outcome.meta.fileIdent!);
        events.progress(db.progress(outcome.meta));
        events.subscriptions();
      },
      warn: (info) => events.error(info),
    };
    let outcome;
    try {
      outcome = await finishReset(db, run, segments, hooks, () => gen === this.connection.generation && !this.connection.closed);
    } catch (err) {
      if (err instanceof ResetFailure) return this.fail(err.info);
      throw err;
    }
    if (!outcome) return; // the connection changed before anything was reset: the next one starts over
    const manual = this.pending === run.pending ? this.pending.manual : undefined;
    if (this.pending === run.pending) this.pending = undefined;
    manual?.resolve();
    if (gen !== this.connection.generation || this.run !== run) return; // applied; the next connection identifies as usual
    this.run = undefined;
    await this.connection.identified(run.queryVersion);
  }

  // ---- when to reset ---------------------------------------------------------------------------

  /** An ERROR whose action is a client reset. */
  async onResetError(m: ErrorMessage, info: SyncErrorInfo): Promise<void> {
    const { db, events } = this;
    if (this.run) return this.fail(info);
    const meta = await db.meta();
    if (meta.resetGuard) {
      // Asked again before a full sync since the last reset: resetting again could loop forever.
      this.connection.stopped = true;
      const loop: SyncErrorInfo = {
        code: 'client_reset',
        message: `the server asked for another client reset (${m.code}: ${m.message}) before the first full sync after the last one; sync stopped to avoid a reset loop`,
        action: m.action,
        details: { serverCode: m.code, repeated: true },
      };
      events.error(loop);
      await this.fallback(loop);
      return this.connection.drop(`error:${m.code}`);
    }
    events.error(info);
    const resolved = resolveResetMode(this.mode, m.action as 'client_reset' | 'client_reset_no_recovery');
    if (!resolved) {
      this.connection.stopped = true;
      await this.fallback(info);
      return this.connection.drop(`error:${m.code}`);
    }
    this.pending = { ...resolved, cause: info };
    return this.connection.drop(`error:${m.code}`, 0, true);
  }

  /** Another stopping ERROR (fatal, log out) while a reset the app asked for runs: it fails. */
  onStopError(info: SyncErrorInfo): void {
    if (!this.run || !this.pending?.manual) return;
    const p = this.pending;
    this.pending = undefined;
    p.manual!.reject(info);
  }

  /** The reset cannot be done: stop, and tell the app (onError, onFallback). */
  private async fail(info: SyncErrorInfo): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    this.run = undefined;
    this.connection.stopped = true;
    this.events.error(info);
    p?.manual?.reject(info);
    await this.fallback(info);
    this.connection.drop(`reset:${info.code}`);
  }

  private async fallback(error: SyncErrorInfo): Promise<void> {
    const meta = await this.db.meta();
    this.events.resetFallback({ error, pendingChanges: Math.max(0, meta.nextClientVersion - 1 - meta.ackedClientVersion) });
  }

  // ---- the guard ---------------------------------------------------------------------------------

  /** A MARK was answered: with every upload acknowledged, the first full sync after a reset is done. */
  async afterMark(): Promise<void> {
    const meta = await this.db.meta();
    if (!meta.resetGuard) return;
    if (meta.ackedClientVersion >= meta.nextClientVersion - 1) {
      this.guardMarkOwed = false;
      await clearResetGuard(this.db);
    } else this.guardMarkOwed = true;
  }

  /** After a download: true when a MARK should go out now to clear the guard. */
  markOwed(meta: SyncMeta): boolean {
    if (!this.guardMarkOwed || meta.ackedClientVersion < meta.nextClientVersion - 1) return false;
    this.guardMarkOwed = false;
    return true;
  }
}
