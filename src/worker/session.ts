import type { Changeset } from '../changeset/index.ts';
import type { ObjectSchemaInput } from '../model/index.ts';
import {
  encodeMessage,
  LIMITS,
  OutpostError,
  parseServerMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ConflictEntry,
  type Download,
  type ErrorMessage,
} from '../protocol/index.ts';
import type { AuthBridge, ClientResetMode, ConflictInfo, ConnectionState, ResetFallbackInfo, SyncErrorInfo, SyncProgress, SyncTimings, TransactRequest } from '../worker-api/api.ts';
import { Backoff } from './backoff.ts';
import { toStorable } from '../worker-api/codec.ts';
import type { IntegrationResult, LocalDatabase } from './local-db.ts';
import type { StagedCursor } from './store.ts';
import type { ResetHooks } from './reset/run.ts';
import { SessionReset } from './reset/controller.ts';
import type { ConnectionControl } from './reset/control.ts';
import { wireQueries } from './subscriptions-wire.ts';
import { Transactions } from './transact.ts';
import { frameText, type SocketFactory, type SocketLike } from './transport.ts';

/*
 * The sync session: one WebSocket to the server, held by one worker at a time (the tab that owns
 * the sync lock). It is SimClient (src/sim/client.ts) speaking the wire protocol with its state in
 * IndexedDB: BIND / IDENT, UPLOAD of everything past the acknowledged cursor (each changeset once
 * per connection, with `base` = the download cursor it is rebased on), DOWNLOAD integrated against
 * the unacknowledged local changesets, bootstrap batches staged as they arrive and applied when
 * the bootstrap is complete (see `onDownload`), MARK, PING, and REFRESH before the access token
 * expires. Incoming messages are handled strictly in order on one
 * promise chain; a new connection starts a new generation and drops whatever the old one queued.
 * Client reset (reset/) and serialized transactions (transact.ts) ride on the same connection.
 */

export const DEFAULT_TIMINGS: Required<SyncTimings> = {
  pingIntervalMs: LIMITS.pingIntervalMs,
  pongTimeoutMs: LIMITS.pongTimeoutMs,
  initialBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  refreshBeforeExpiryMs: 60_000,
};

export interface SessionEvents {
  connection(state: ConnectionState): void;
  integrated(result: IntegrationResult): void;
  progress(progress: SyncProgress): void;
  identity(fileIdent: number): void;
  subscriptions(): void;
  error(error: SyncErrorInfo): void;
  /** CONFLICTS from the server: the whole list (`replace`) or entries to add. */
  conflicts(replace: boolean, entries: readonly ConflictInfo[]): void;
  /** Client reset: the page's callbacks, the snapshot's source, and the fallback. */
  reset: Omit<ResetHooks, 'applied' | 'warn'>;
  resetFallback(info: ResetFallbackInfo): void;
}

export interface SessionOptions {
  readonly db: LocalDatabase;
  readonly url: string;
  readonly schema: readonly ObjectSchemaInput[];
  readonly auth: AuthBridge;
  readonly sockets: SocketFactory;
  readonly timings?: SyncTimings;
  readonly random?: () => number;
  readonly events: SessionEvents;
  readonly clientReset?: ClientResetMode;
}

const OPEN = 1;
const STOP_ACTIONS = new Set(['fatal', 'client_reset', 'client_reset_no_recovery', 'log_out']);
const RESET_ACTIONS = new Set(['client_reset', 'client_reset_no_recovery']);
const AUTH_FAILURES = new Set(['unauthorized', 'invalid_credentials', 'refresh_token_reused']);

/**
 * A bootstrap whose downloads are being staged (local-db.ts `stageDownload`): stored as they
 * arrive, out of the objects the app queries, and applied together when it is complete.
 * `fresh`: it started on this connection with a `"more"` DOWNLOAD of set `version`; it is
 * complete at a `"last"` one of that set or a newer one. `resumed`: staged downloads were found
 * when the connection opened (it dropped, or the page reloaded, mid-bootstrap); IDENT continued
 * from their cursor, and what the server sends next (the rest of the history, then the rest of
 * the bootstrap, however it cuts them) is staged too, until the MARK sent after IDENT is
 * answered: the server answers it after everything IDENT started.
 */
interface Staging {
  readonly mode: 'fresh' | 'resumed';
  readonly version: number;
  cursor: StagedCursor | undefined;
}

interface MarkWaiter {
  resolve(): void;
  reject(err: OutpostError): void;
}

export class SyncSession {
  private readonly db: LocalDatabase;
  private readonly timings: Required<SyncTimings>;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private socket: SocketLike | undefined;
  private gen = 0;
  private state: ConnectionState = 'disconnected';
  private queue: Promise<void> = Promise.resolve();
  private paused = false;
  private closed = false;
  private stopped = false;
  private identSent = false;
  /** Conflict ids the page dismissed that the server has not been sent yet. */
  private readonly dismissals = new Set<number>();
  private uploadedUpTo = 0;
  private sentSubVersion = 0;
  private markSeq = 0;
  private readonly sentMarks = new Map<number, { subVersion: number; waiters: MarkWaiter[] }>();
  private unsentWaiters: MarkWaiter[] = [];
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenExpiresAt = 0;
  private forceRefresh = false;
  private lastForcedRefresh = 0;
  private lastRtt: number | undefined;
  private downloadProgress: { downloaded?: number; downloadable?: number } = {};
  private opened = false;
  private uploadsHeld = false;
  private staging: Staging | undefined;
  private readonly transactions: Transactions;
  private readonly reset: SessionReset;

  constructor(private readonly options: SessionOptions) {
    this.db = options.db;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(this.timings.initialBackoffMs, this.timings.maxBackoffMs, this.random);
    this.transactions = new Transactions({
      db: this.db,
      ready: () => this.canTransact,
      generation: () => this.gen,
      send: (m) => this.send(m),
      flushUploads: () => new Promise<void>((resolve) => this.enqueue(this.gen, () => this.uploadPending(), resolve)),
      uploadedUpTo: () => this.uploadedUpTo,
      holdUploads: (hold) => {
        this.uploadsHeld = hold;
      },
    });
    // The reset controller sees the session only through this control (reset/control.ts).
    const session = this;
    const connection: ConnectionControl = {
      get generation() {
        return session.gen;
      },
      get closed() {
        return session.closed;
      },
      get stopped() {
        return session.stopped;
      },
      set stopped(stopped: boolean) {
        session.stopped = stopped;
      },
      send: (m) => this.send(m),
      drop: (cause, hintMs, immediate) => this.drop(cause, hintMs, immediate),
      reconnectNow: () => {
        this.teardown();
        this.backoff.reset();
        void this.connect();
      },
      identified: async (subVersion) => {
        this.backoff.reset();
        await this.identified(subVersion, true);
        await this.sendNewSubscriptions();
      },
      applied: (meta) => this.transactions.onIntegrated(meta),
    };
    this.reset = new SessionReset(this.db, options.events, options.clientReset ?? 'recoverOrDiscardUnsyncedChanges', connection);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  start(): void {
    void this.connect();
  }

  // ---- public controls ------------------------------------------------------------------------

  pause(): void {
    if (this.closed) return;
    this.paused = true;
    const opened = this.opened;
    this.teardown();
    this.reset.abandonManual(opened);
    this.setState('paused');
  }

  resume(): void {
    if (this.closed) return;
    this.paused = false;
    this.stopped = false;
    this.backoff.reset();
    if (!this.socket) {
      clearTimeout(this.reconnectTimer);
      void this.connect();
    }
  }

  /** The network came back: retry at once and restart the backoff. */
  online(): void {
    if (this.closed || this.paused || this.stopped || this.socket) return;
    this.backoff.reset();
    clearTimeout(this.reconnectTimer);
    void this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send({ t: 'UNBIND' });
    this.teardown();
    const err = new OutpostError('database_closed', 'the database was closed');
    for (const w of this.allWaiters()) w.reject(err);
    this.transactions.close();
    this.reset.close();
    this.sentMarks.clear();
    this.unsentWaiters = [];
    this.setState('disconnected');
  }

  /** A local write committed (in this tab or another): upload it. */
  localWrite(): void {
    const gen = this.gen;
    this.enqueue(gen, () => this.uploadPending());
  }

  /** The subscription sets changed: announce a newer one to the server. */
  subscriptionsChanged(): void {
    const gen = this.gen;
    this.enqueue(gen, () => this.sendNewSubscriptions());
  }

  /** Whether a serialized transaction could go out now. */
  get canTransact(): boolean {
    return this.identSent && !this.reset.active && this.socket?.readyState === OPEN;
  }

  /** A serialized transaction (transact.ts). */
  transact(req: TransactRequest): Promise<{ serverVersion: number }> {
    return this.transactions.run(req);
  }

  /**
   * A client reset asked for by the app (online only): reconnects and runs it. Rejects with
   * `offline` when the connection cannot be opened and `connection_lost` when it drops before the
   * reset is applied; sync then goes back to where it was (stopped, if it was).
   */
  resetClient(mode: ClientResetMode): Promise<void> {
    if (this.closed) return Promise.reject(new OutpostError('database_closed', 'the database was closed'));
    if (this.paused) return Promise.reject(new OutpostError('offline', 'sync is paused: resume it before resetting the client'));
    return this.reset.request(mode);
  }

  /** Resolves when everything the server had when the MARK reached it has been integrated. */
  waitForDownload(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w = { resolve, reject };
      if (this.closed) return reject(new OutpostError('database_closed', 'the database was closed'));
      if (this.identSent && this.socket?.readyState === OPEN) this.sendMark([w]);
      else this.unsentWaiters.push(w);
    });
  }

  // ---- connection -----------------------------------------------------------------------------

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    this.options.events.connection(s);
  }

  private send(m: ClientMessage): boolean {
    const ws = this.socket;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(encodeMessage(m));
    return true;
  }

  private enqueue(gen: number, task: () => Promise<void> | void, done?: () => void): void {
    this.queue = this.queue.then(async () => {
      if (gen !== this.gen || this.closed) return done?.();
      try {
        await task();
        done?.();
      } catch (err) {
        done?.();
        if (gen !== this.gen) return;
        const e = err instanceof OutpostError ? err : new OutpostError('internal', (err as Error)?.message ?? String(err));
        this.options.events.error({ code: e.code, message: e.message, action: 'retry' });
        this.drop(`fault:${e.code}`);
      }
    });
  }

  private async connect(): Promise<void> {
    if (this.paused || this.closed || this.stopped || this.socket) return;
    const gen = ++this.gen;
    clearTimeout(this.reconnectTimer);
    this.setState('connecting');
    const force = this.forceRefresh;
    this.forceRefresh = false;
    if (force) this.lastForcedRefresh = Date.now();
    let token: { token: string; expiresAt: number };
    try {
      const r = await this.options.auth.getAccessToken({ minValidityMs: force ? Number.MAX_SAFE_INTEGER : 30_000 });
      if (!r.ok) {
        if (gen !== this.gen) return;
        if (AUTH_FAILURES.has(r.error.code)) {
          this.options.events.error({ ...r.error, action: 'log_out' });
          this.reset.abandonManual(false);
          this.stopped = true;
          this.setState('disconnected');
          return;
        }
        return this.scheduleReconnect(`auth:${r.error.code}`);
      }
      token = r.value;
    } catch (err) {
      if (gen !== this.gen) return;
      return this.scheduleReconnect(`auth:${(err as Error)?.message}`);
    }
    if (gen !== this.gen || this.paused || this.closed || this.stopped) return;
    this.tokenExpiresAt = token.expiresAt;
    let ws: SocketLike;
    try {
      ws = this.options.sockets(this.options.url, token.token);
    } catch (err) {
      this.options.events.error({ code: 'connection_lost', message: (err as Error).message, action: 'retry' });
      return this.scheduleReconnect('socket');
    }
    this.socket = ws;
    let opened = false;
    ws.onopen = () => {
      if (gen !== this.gen) return;
      opened = true;
      this.opened = true;
      this.enqueue(gen, () => this.onOpen());
    };
    if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      if (gen !== this.gen) return;
      // A compressed (binary) frame is inflated inside the queue: frames stay in order.
      this.enqueue(gen, async () => this.onFrame(await frameText(ev.data)));
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (gen !== this.gen) return;
      // A refused upgrade (expired or revoked token) looks like a close before open in browsers:
      // refresh the token before the next attempt, at most every 30 s.
      if (!opened && Date.now() - this.lastForcedRefresh > 30_000) this.forceRefresh = true;
      this.drop(opened ? `closed:${ev.code}` : 'connect_failed');
    };
  }

  /** Ends the current connection (if any) and schedules the next attempt. */
  private drop(cause: string, hintMs = 0, immediate = false): void {
    const opened = this.opened;
    this.teardown();
    this.reset.abandonManual(opened);
    if (this.paused) return this.setState('paused');
    if (this.closed || this.stopped) return this.setState('disconnected');
    this.scheduleReconnect(cause, hintMs, immediate);
  }

  private teardown(): void {
    this.gen++;
    const ws = this.socket;
    this.socket = undefined;
    this.identSent = false;
    this.opened = false;
    this.reset.disconnected();
    this.uploadsHeld = false;
    this.transactions.onDisconnect();
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    this.pongTimer = undefined;
    // Waiters whose MARK went out on this connection ask again on the next one.
    for (const m of this.sentMarks.values()) this.unsentWaiters.push(...m.waiters);
    this.sentMarks.clear();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // Closing a socket still connecting makes some implementations (ws) report an error: ignore it.
      ws.onerror = () => {};
      try {
        ws.close(1000, 'client closing');
      } catch {
        // already closed
      }
    }
  }

  private scheduleReconnect(cause: string, hintMs = 0, immediate = false): void {
    this.reset.abandonManual(false);
    this.setState('disconnected');
    clearTimeout(this.reconnectTimer);
    const delay = immediate ? 0 : this.backoff.next(cause, hintMs);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private async onOpen(): Promise<void> {
    this.uploadedUpTo = 0;
    const meta = await this.db.meta();
    // A client reset binds as a new client file; the old identity stays until the reset is applied.
    const resetting = this.reset.begin();
    // A bootstrap that this connection's predecessor (or the page before a reload) left half
    // staged resumes from what was stored; a client reset replaces everything instead.
    this.staging = undefined;
    if (resetting) await this.db.clearBatches();
    else {
      const cursor = await this.db.stagedCursor();
      if (cursor) this.staging = { mode: 'resumed', version: 0, cursor };
    }
    const fileIdent = resetting ? null : meta.fileIdent;
    this.send({
      t: 'BIND',
      protocolVersion: PROTOCOL_VERSION,
      fileIdent,
      salt: resetting ? null : meta.salt,
      schema: this.options.schema as never,
    });
    this.setState('connected');
    this.schedulePing();
    this.scheduleRefresh();
    if (fileIdent !== null) await this.sendIdent();
  }

  // ---- messages -------------------------------------------------------------------------------

  private async onFrame(text: string): Promise<void> {
    let m;
    try {
      m = parseServerMessage(text);
    } catch (err) {
      const e = err as OutpostError;
      this.options.events.error({ code: e.code ?? 'bad_message', message: `the server sent a frame the client cannot read: ${e.message}`, action: 'retry' });
      return this.drop(`bad_message`);
    }
    switch (m.t) {
      case 'IDENT': {
        if (this.reset.active) return this.reset.onIdent(m);
        const meta = await this.db.identify(m.fileIdent, m.salt);
        this.backoff.reset();
        this.options.events.identity(meta.fileIdent!);
        await this.sendIdent();
        return;
      }
      case 'DOWNLOAD':
        this.db.clock.syncTo(m.serverTime);
        // While a reset fetches the fresh state, downloads describe the empty view of the new
        // file: the STATE replaces them, and downloads continue from its version.
        if (this.reset.active) return;
        this.backoff.reset();
        return this.onDownload(text, m);
      case 'MARK':
        return this.onMark(m.requestId);
      case 'TRANSACT':
        return this.transactions.onAnswer(m);
      case 'CLIENT_VERSION':
        return this.reset.onClientVersion(m);
      case 'STATE':
        return this.reset.onState(text, m);
      case 'QUERY_ERROR':
        if (await this.reset.onQueryError(m.version, m.code, m.message)) return;
        if (await this.db.setSubscriptionState(m.version, 'error', { code: m.code, message: m.message, ...(m.index !== undefined ? { details: { index: m.index } } : {}) })) {
          this.options.events.subscriptions();
        }
        return;
      case 'ERROR':
        return this.onError(m);
      case 'PONG':
        this.db.clock.syncTo(m.serverTime);
        this.lastRtt = Math.max(0, Date.now() - m.timestamp);
        clearTimeout(this.pongTimer);
        this.pongTimer = undefined;
        return;
      case 'UNBOUND':
        return this.drop('unbound');
      case 'CONFLICTS':
        this.options.events.conflicts(m.replace, m.entries.map(conflictInfo));
        return;
    }
  }

  private async sendIdent(): Promise<void> {
    const meta = await this.db.meta();
    const set = await this.db.activeSet();
    // With staged downloads the client stands where they end (it has them, only not applied yet):
    // the server continues from there. Uploads keep their base (the applied cursor): they are
    // concurrent with the staged downloads, on the server as here.
    const staged = this.staging?.cursor;
    const ahead = staged !== undefined && staged.serverVersion > meta.serverVersion;
    const serverVersion = ahead ? staged.serverVersion : meta.serverVersion;
    const versionSalt = ahead ? staged.versionSalt : meta.versionSalt;
    this.send({
      t: 'IDENT',
      fileIdent: meta.fileIdent!,
      salt: meta.salt!,
      cursor: { serverVersion, clientVersion: Math.max(meta.ackedClientVersion, staged?.clientVersion ?? 0) },
      ...(serverVersion > 0 && versionSalt ? { versionSalt } : {}),
      subscriptions: { version: set.version, queries: wireQueries(set) },
    });
    await this.identified(set.version, (set.version > 0 && set.state !== 'complete') || !!meta.resetGuard || this.staging !== undefined);
  }

  /**
   * The session is identified (after IDENT, or after a reset on the same connection): upload,
   * and send a MARK if anyone waits for one. A MARK answered after IDENT means the server has
   * bootstrapped (or rejected) the set it carried; after a reset, it clears the reset guard.
   */
  private async identified(subVersion: number, mark: boolean): Promise<void> {
    this.identSent = true;
    this.sentSubVersion = subVersion;
    this.sendDismissals();
    await this.uploadPending();
    const waiters = this.unsentWaiters;
    this.unsentWaiters = [];
    if (waiters.length > 0 || mark) this.sendMark(waiters);
  }

  /** Marks conflicts read on the server: now if identified, else after the next IDENT. */
  dismissConflicts(ids: readonly number[]): void {
    for (const id of ids) this.dismissals.add(id);
    if (this.identSent) this.sendDismissals();
  }

  private sendDismissals(): void {
    const ids = [...this.dismissals].slice(0, 1000);
    if (ids.length === 0) return;
    if (this.send({ t: 'CONFLICT_DISMISS', ids })) for (const id of ids) this.dismissals.delete(id);
  }

  private async sendNewSubscriptions(): Promise<void> {
    if (!this.identSent) return;
    const set = await this.db.activeSet();
    if (set.version <= this.sentSubVersion) return;
    this.send({ t: 'QUERY', version: set.version, queries: wireQueries(set) });
    this.sentSubVersion = set.version;
    this.sendMark([]);
  }

  private sendMark(waiters: MarkWaiter[]): void {
    const requestId = ++this.markSeq;
    this.sentMarks.set(requestId, { subVersion: this.sentSubVersion, waiters });
    if (!this.send({ t: 'MARK', requestId })) {
      this.sentMarks.delete(requestId);
      this.unsentWaiters.push(...waiters);
    }
  }

  private async onMark(requestId: number): Promise<void> {
    const m = this.sentMarks.get(requestId);
    if (!m) return;
    this.sentMarks.delete(requestId);
    // Every MARK goes out after IDENT: once one is answered, a resumed bootstrap is complete.
    if (this.staging?.mode === 'resumed') await this.applyDownloads(undefined);
    await this.reset.afterMark();
    let changed = false;
    for (const s of await this.db.subscriptionSets()) {
      if (s.version > m.subVersion) continue;
      if (s.state === 'pending' || s.state === 'bootstrapping' || s.state === 'awaiting_mark') {
        changed = (await this.db.setSubscriptionState(s.version, 'complete')) || changed;
      }
    }
    if (changed) this.options.events.subscriptions();
    for (const w of m.waiters) w.resolve();
  }

  /**
   * A DOWNLOAD. The downloads of a bootstrap (`"more"` … `"last"`) are staged as they arrive, each
   * in its own small transaction and out of the objects the app queries, then applied together
   * (one transaction that reads them back one at a time): queries see the state before the
   * bootstrap until it is all there. Everything else is applied at once.
   */
  private async onDownload(text: string, m: Download): Promise<void> {
    if (m.progress) this.downloadProgress = { downloaded: m.progress.downloaded, downloadable: m.progress.downloadable };
    if (!this.staging && m.batch === 'more') this.staging = { mode: 'fresh', version: m.queryVersion, cursor: undefined };
    const staging = this.staging;
    if (!staging) return this.applyDownloads(m);
    const complete = staging.mode === 'fresh' && m.batch === 'last' && m.queryVersion >= staging.version;
    if (complete) return this.applyDownloads(m);
    staging.cursor = await this.db.stageDownload(m, text, staging.cursor);
    if (m.batch === 'more' && (await this.db.setSubscriptionState(m.queryVersion, 'bootstrapping'))) this.options.events.subscriptions();
  }

  /** Applies `m` (if any) after the staged downloads (if any); a completed bootstrap awaits its MARK. */
  private async applyDownloads(m: Download | undefined): Promise<void> {
    const staged = this.staging !== undefined;
    this.staging = undefined;
    const result = await this.db.integrate(m ? [m] : [], m?.latestServerVersion ?? 0, { staged });
    this.transactions.onIntegrated(result.meta);
    this.options.events.integrated(result);
    if (this.reset.markOwed(result.meta)) this.sendMark([]);
    this.options.events.progress(this.db.progress(result.meta, this.downloadProgress));
    // The last batch of a bootstrap: the set waits for a MARK before it is complete.
    const versions = new Set(result.queryVersions);
    let changed = false;
    for (const s of await this.db.subscriptionSets()) {
      if (versions.has(s.version) && (s.state === 'pending' || s.state === 'bootstrapping')) {
        changed = (await this.db.setSubscriptionState(s.version, 'awaiting_mark')) || changed;
      }
    }
    if (changed) {
      this.options.events.subscriptions();
      this.sendMark([]);
    }
  }

  private async onError(m: ErrorMessage): Promise<void> {
    const info: SyncErrorInfo = {
      code: m.code,
      message: m.message,
      action: m.action,
      ...(m.compensatingWrites
        ? {
            compensatingWrites: m.compensatingWrites.map((w) => ({
              type: w.type,
              pk: toStorable(w.pk),
              reason: w.reason,
              ...(w.clientVersion !== undefined ? { clientVersion: w.clientVersion } : {}),
            })),
          }
        : {}),
    };
    if (m.action === 'none') {
      this.options.events.error(info);
      return;
    }
    if (m.code === 'clock_skew' && m.serverTime !== undefined) {
      // This device's clock runs ahead of the server's: correct it, restamp what was refused,
      // and reconnect to upload it again (not an error the app needs to handle).
      await this.db.restamp(m.clientVersion ?? 1, m.serverTime);
      return this.drop(`error:${m.code}`, m.backoffMs ?? 0);
    }
    if (RESET_ACTIONS.has(m.action)) return this.reset.onResetError(m, info);
    if (m.action === 'fatal' || m.action === 'log_out') this.reset.onStopError(info);
    if (m.action === 'refresh_token') {
      this.forceRefresh = true;
      // Reconnect at once the first time; a token that keeps failing backs off like any error.
      const immediate = Date.now() - this.lastForcedRefresh > 10_000;
      return this.drop(`error:${m.code}`, 0, immediate);
    }
    this.options.events.error(info);
    if (STOP_ACTIONS.has(m.action)) {
      this.stopped = true;
      return this.drop(`error:${m.code}`);
    }
    return this.drop(`error:${m.code}`, m.backoffMs ?? 0);
  }

  // ---- uploads ----------------------------------------------------------------------------------

  private async uploadPending(): Promise<void> {
    // Held while a serialized transaction waits for its answer: it must come before them.
    if (!this.identSent || this.uploadsHeld) return;
    for (;;) {
      const batch = await this.db.pendingUploads(this.uploadedUpTo, LIMITS.maxUploadChangesets);
      if (batch.entries.length === 0) return;
      const changesets = batch.entries.map((e) => ({ clientVersion: e.clientVersion, base: batch.base, changeset: e.changeset }));
      if (!this.sendUpload(changesets)) return;
      this.uploadedUpTo = batch.entries[batch.entries.length - 1]!.clientVersion;
      if (batch.entries.length < LIMITS.maxUploadChangesets) return;
    }
  }

  /** Sends an UPLOAD, split so that every frame stays under the size limit. */
  private sendUpload(changesets: { clientVersion: number; base: number; changeset: Changeset }[]): boolean {
    const text = encodeMessage({ t: 'UPLOAD', changesets });
    if (text.length <= LIMITS.maxFrameBytes / 2 || changesets.length === 1) {
      if (text.length > LIMITS.maxFrameBytes) {
        this.options.events.error({
          code: 'frame_too_large',
          message: `local changeset ${changesets[0]!.clientVersion} is too large to upload (${text.length} bytes); split large writes`,
          action: 'fatal',
        });
        return false;
      }
      const ws = this.socket;
      if (!ws || ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    }
    const half = Math.ceil(changesets.length / 2);
    return this.sendUpload(changesets.slice(0, half)) && this.sendUpload(changesets.slice(half));
  }

  // ---- timers -----------------------------------------------------------------------------------

  private schedulePing(): void {
    clearTimeout(this.pingTimer);
    const delay = this.timings.pingIntervalMs * (0.9 + 0.2 * this.random());
    const gen = this.gen;
    this.pingTimer = setTimeout(() => {
      if (gen !== this.gen) return;
      this.send({ t: 'PING', timestamp: Date.now(), ...(this.lastRtt !== undefined ? { rtt: this.lastRtt } : {}) });
      if (this.pongTimer === undefined) {
        this.pongTimer = setTimeout(() => {
          if (gen !== this.gen) return;
          this.options.events.error({ code: 'timeout', message: 'the server did not answer PING in time; reconnecting', action: 'retry' });
          this.drop('pong_timeout');
        }, this.timings.pongTimeoutMs);
      }
      this.schedulePing();
    }, delay);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    if (!this.tokenExpiresAt) return;
    // Refresh `refreshBeforeExpiryMs` before expiry, but never earlier than halfway through the
    // token's remaining life: a server may issue tokens shorter than the lead (accessTokenTtlSeconds
    // goes down to 30 s, the default lead is 60 s), and then every new token would count as
    // "about to expire" at once and the session would refresh (and rotate the refresh token)
    // every second, forever (found by src/client/server-process.test.ts).
    const remaining = this.tokenExpiresAt - Date.now();
    const lead = Math.max(0, Math.min(this.timings.refreshBeforeExpiryMs, remaining / 2));
    const delay = Math.max(1000, remaining - lead);
    const gen = this.gen;
    this.refreshTimer = setTimeout(async () => {
      if (gen !== this.gen) return;
      try {
        const r = await this.options.auth.getAccessToken({ minValidityMs: lead + 5000 });
        if (gen !== this.gen) return;
        if (r.ok) {
          this.tokenExpiresAt = r.value.expiresAt;
          this.send({ t: 'REFRESH', token: r.value.token });
          this.scheduleRefresh();
          return;
        }
        if (AUTH_FAILURES.has(r.error.code)) {
          this.options.events.error({ ...r.error, action: 'log_out' });
          this.stopped = true;
          return this.drop('auth');
        }
      } catch {
        // fall through: try again shortly; the server says token_expired if it runs out
      }
      if (gen === this.gen) this.refreshTimer = setTimeout(() => this.scheduleRefresh(), 30_000);
    }, delay);
  }

  private allWaiters(): MarkWaiter[] {
    const out = [...this.unsentWaiters];
    for (const m of this.sentMarks.values()) out.push(...m.waiters);
    return out;
  }
}

/** A CONFLICTS entry as the page's side of the worker API carries it (storable values). */
function conflictInfo(e: ConflictEntry): ConflictInfo {
  const journaled = (j: ConflictEntry['lost']) => (j === undefined ? undefined : { ...(j.size !== undefined ? { size: j.size } : {}), ...('value' in j ? { value: toStorable(j.value) } : {}) });
  const lost = journaled(e.lost);
  const won = journaled(e.won);
  return {
    id: e.id,
    at: e.at,
    kind: e.kind,
    type: e.type,
    pk: toStorable(e.pk),
    path: e.path,
    loser: e.loser,
    winner: e.winner,
    ...(lost ? { lost } : {}),
    ...(won ? { won } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
}
