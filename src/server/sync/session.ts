import type { PermissionUser } from '../../query/index.ts';
import { OutpostError, type ErrorCode } from '../../errors.ts';
import {
  CLOSE_CODES,
  LIMITS,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  parseClientMessage,
  type Bind,
  type ClientIdent,
  type ClientMessage,
  type ClientVersionRequest,
  type ConflictDismiss,
  type ErrorAction,
  type Query,
  type ServerMessage,
  type StateRequest,
  type Subscription,
  type Transact,
  type Upload,
} from '../../protocol/index.ts';
import { encodeValue } from '../../changeset/index.ts';
import type { ClientFileRow, ConflictRow, StoredSubscription } from '../store/types.ts';
import { conflictEntry, readableConflicts } from './conflict-feed.ts';
import { ClientSchemaFilter } from './downloads.ts';
import type { EngineSession, LiveSessionInfo, SyncEngine } from './engine.ts';
import { keyOf, pkFromText } from './keys.ts';
import { TokenBucket } from './rate-limit.ts';
import { SessionRoles } from './roles.ts';
import { SessionView } from './view.ts';
import { checkClockBound } from './clock-bound.ts';
import { guardSession, isEntryMarker, privateRowChanges, transition, type PlannedMessage, type ViewChangeAt } from './planner.ts';
import { byVersion, withoutMissedEntries } from './entry-markers.ts';
import { ViewTransitions } from './view-transitions.ts';
import { planFreshState } from './state.ts';

/** What a session needs of its socket (the `ws` WebSocket has it; tests use an in-memory one). */
export interface SessionSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  /** A string is a text frame; a Buffer (a compressed message, protocol 2) a binary one. */
  send(data: string | Buffer): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface SessionAuth {
  /** Verifies an access token; throws OutpostError `unauthorized` or `token_expired`. */
  verifyAccessToken(token: string): Promise<{ userId: string; expiresAt: number; sessionId?: string }>;
  /** The user as permission rules see it (id and custom data). */
  loadUser(userId: string): Promise<PermissionUser>;
  /**
   * Why sessions of this user and login must end now (logged out, user deleted), or undefined.
   * Sessions ask about once a minute: a logout on another node reaches them that way.
   */
  endedReason?(userId: string, sessionId: string | undefined): Promise<string | undefined>;
  /** Logins ending on this node, to close their sessions at once. Returns the unsubscribe function. */
  onRevoked?(listener: (r: { readonly userId?: string | undefined; readonly sessionId?: string | undefined }) => void): () => void;
}

export interface SessionLimits {
  readonly maxFrameBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  readonly idleTimeoutMs: number;
  readonly maxSubscriptions: number;
  /** Above this many unsent bytes the session stops sending downloads until the client reads. */
  readonly softBufferBytes: number;
  /** A client that stays above the soft limit this long, or reaches the hard one, is dropped. */
  readonly hardBufferBytes: number;
  readonly slowConsumerMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameBytes: LIMITS.maxFrameBytes,
  messagesPerSecond: 200,
  messageBurst: 400,
  bytesPerSecond: 8 * 1024 * 1024,
  byteBurst: 32 * 1024 * 1024,
  idleTimeoutMs: LIMITS.idleTimeoutMs,
  maxSubscriptions: LIMITS.maxSubscriptions,
  softBufferBytes: 4 * 1024 * 1024,
  hardBufferBytes: 64 * 1024 * 1024,
  slowConsumerMs: 30_000,
};

export interface SessionLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What a client should do about an error it is sent. */
export function actionFor(code: ErrorCode): ErrorAction {
  switch (code) {
    case 'bad_client_file':
    case 'bad_cursor':
    case 'client_reset':
      return 'client_reset';
    case 'token_expired':
      return 'refresh_token';
    case 'unauthorized':
      return 'log_out';
    case 'rate_limited':
    case 'slow_consumer':
    case 'internal':
    case 'session_closed':
    case 'clock_skew':
    case 'storage_full':
      return 'retry';
    case 'compensating_write':
      return 'none';
    default:
      return 'fatal';
  }
}

type State = 'connected' | 'bound' | 'active' | 'closed';

function storedSubscriptions(queries: readonly Subscription[]): StoredSubscription[] {
  return queries.map((q) => ({ ...(q.name !== undefined ? { name: q.name } : {}), objectType: q.objectType, query: q.query, args: q.args.map(encodeValue) }));
}

/**
 * One client's sync session over one WebSocket. Messages are handled one at a time, in order,
 * together with download pushes (a per-session queue), so the session's cursor and view set
 * never see two changes at once.
 */
export class ServerSession implements EngineSession {
  ident = 0;
  readonly viewSet = new Set<string>();
  readonly baseView = new Set<string>();
  epoch = 0;
  replayUpTo = 0;
  readonly commitments: ViewChangeAt[] = [];
  readonly futureAdds = new Map<string, number>();
  readonly futureRemoves = new Map<string, number>();
  readonly transitions = new ViewTransitions();
  view: SessionView;
  roles: SessionRoles;
  clientFilter: ClientSchemaFilter;
  cursor = { serverVersion: 0, clientVersion: 0 };
  /** The cursor of the last DOWNLOAD actually sent (downloads with nothing for the client are not). */
  private sentCursor = { serverVersion: 0, clientVersion: 0 };
  queryVersion = 0;
  /** The user, once the session is active and its client speaks protocol version 2 (CONFLICTS). */
  conflictsFor: string | undefined;
  private protocolVersion = 0;
  /** For the operator's dashboard. */
  private readonly connectedAt = Date.now();
  private bytesIn = 0;
  private bytesOut = 0;
  private messagesIn = 0;

  private state: State = 'connected';
  private queue: Promise<void> = Promise.resolve();
  /** Tasks queued or running: the session is idle (see `readyForShared`) only at 0. */
  private tasks = 0;
  private pumpQueued = false;
  private slowSince = 0;
  private readonly marks: { requestId: number; target: number }[] = [];
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private lastActivity = Date.now();
  /**
   * A new client file that announced no subscriptions gets no downloads until it says what it
   * wants: a client in reset asks for a fresh copy (STATE_REQUEST) first, and nothing may reach
   * it before that copy.
   */
  private holdDownloads = false;
  private idleTimer: ReturnType<typeof setInterval> | undefined;
  private touchTimer: ReturnType<typeof setInterval> | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ws: SessionSocket,
    private readonly engine: SyncEngine,
    private readonly auth: SessionAuth,
    private readonly user: { userId: string; expiresAt: number; sessionId?: string },
    private readonly limits: SessionLimits,
    private readonly log: SessionLog,
  ) {
    const empty = new SessionRoles(engine.schema, { defaultRoles: [] }, { id: user.userId }, engine.queryable);
    this.roles = empty;
    this.view = new SessionView(engine.schema, empty, []);
    this.clientFilter = new ClientSchemaFilter(engine.schema, undefined);
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.bytes = new TokenBucket(limits.bytesPerSecond, limits.byteBurst);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('close', () => this.closed());
    ws.on('error', (err) => this.log.warn({ err: err.message, ident: this.ident }, 'websocket error'));
    this.scheduleExpiry();
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastActivity > this.limits.idleTimeoutMs) this.fail(new OutpostError('session_closed', 'no message for too long'));
      else this.checkLogin();
    }, Math.min(60_000, this.limits.idleTimeoutMs));
    this.idleTimer.unref?.();
  }

  // ---- transport ----------------------------------------------------------------------------

  private send(m: ServerMessage): void {
    if (this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    // DOWNLOADs other sessions need byte for byte too are encoded and compressed once (frames.ts).
    const frame = this.engine.frames.frame(m);
    this.bytesOut += frame.length;
    this.ws.send(frame);
    if (m.t === 'DOWNLOAD' && m.items.length > 0) this.engine.latency.sent(this.ident, m.items, this.engine.rowOrigin);
  }

  /** Sends a typed ERROR; unless its action is `none`, closes the connection after it. */
  private fail(err: unknown): void {
    if (this.state === 'closed') return;
    const e = err instanceof OutpostError ? err : new OutpostError('internal', 'the server failed to handle a message');
    if (!(err instanceof OutpostError)) this.log.error({ err: (err as Error)?.stack ?? String(err), ident: this.ident }, 'session error');
    // The operator must hear of a full disk: clients only see writes refused.
    else if (e.code === 'storage_full') this.log.error({ ident: this.ident }, 'a write was refused: the storage is full');
    const action = (e.details?.action as ErrorAction | undefined) ?? actionFor(e.code);
    const backoffMs = action === 'retry' ? (e.code === 'rate_limited' || e.code === 'storage_full' ? 10_000 : e.code === 'clock_skew' ? 1_000 : 2_000) : undefined;
    const skew = e.code === 'clock_skew' ? { serverTime: e.details?.serverTime, clientVersion: e.details?.clientVersion } : {};
    this.send({
      t: 'ERROR',
      code: e.code,
      message: e.message.slice(0, 4000),
      action,
      tryAgain: action === 'retry' || action === 'refresh_token',
      ...(backoffMs !== undefined ? { backoffMs } : {}),
      ...(typeof skew.serverTime === 'number' ? { serverTime: skew.serverTime } : {}),
      ...(typeof skew.clientVersion === 'number' ? { clientVersion: skew.clientVersion } : {}),
    });
    // The server ending a healthy session (idle, replaced on another node) goes away like a
    // replaced connection or a shutdown: 1001; every other ERROR that ends the session, 4000.
    if (action !== 'none') this.close(e.code === 'session_closed' ? CLOSE_CODES.goingAway : CLOSE_CODES.error, e.code);
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    this.closed();
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.idleTimer);
    clearInterval(this.touchTimer);
    clearTimeout(this.expiryTimer);
    this.engine.detach(this);
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const ms = this.user.expiresAt - Date.now();
    this.expiryTimer = setTimeout(() => this.fail(new OutpostError('token_expired', 'the access token expired; refresh it and reconnect')), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.expiryTimer.unref?.();
  }

  /** Runs tasks one at a time, in order; a failing task ends the session with a typed error. */
  private run(task: () => Promise<void>): void {
    this.tasks++;
    this.queue = this.queue.then(async () => {
      try {
        if (this.state === 'closed') return;
        await task();
      } catch (err) {
        this.fail(err);
      } finally {
        this.tasks--;
      }
    });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    this.bytesIn += data.length;
    this.messagesIn++;
    this.lastActivity = Date.now();
    if (isBinary) return this.fail(new OutpostError('bad_message', 'frames are JSON text'));
    if (data.length > this.limits.maxFrameBytes) {
      return this.fail(new OutpostError('frame_too_large', `a frame is limited to ${this.limits.maxFrameBytes} bytes`));
    }
    if (!this.messages.take(1) || !this.bytes.take(data.length)) {
      return this.fail(new OutpostError('rate_limited', 'too many messages; slow down'));
    }
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(data.toString('utf8'));
    } catch (err) {
      return this.fail(err);
    }
    if (msg.t === 'UPLOAD') this.engine.latency.arrive(msg);
    if (msg.t === 'PING') {
      // Answered at once, outside the queue: a long bootstrap must not look like a dead server.
      this.send({ t: 'PONG', timestamp: msg.timestamp, serverTime: Date.now() });
      return;
    }
    this.run(() => this.handle(msg));
  }

  // ---- messages -----------------------------------------------------------------------------

  private async handle(msg: ClientMessage): Promise<void> {
    const allowed: Record<State, readonly string[]> = {
      connected: ['BIND', 'UNBIND'],
      bound: ['IDENT', 'CLIENT_VERSION_REQUEST', 'REFRESH', 'UNBIND'],
      active: ['QUERY', 'UPLOAD', 'TRANSACT', 'STATE_REQUEST', 'CLIENT_VERSION_REQUEST', 'MARK', 'REFRESH', 'UNBIND', 'CONFLICT_DISMISS'],
      closed: [],
    };
    if (!allowed[this.state].includes(msg.t)) {
      throw new OutpostError('bad_session_state', `${msg.t} is not allowed ${this.state === 'connected' ? 'before BIND' : this.state === 'bound' ? 'before IDENT' : 'now'}`);
    }
    if (msg.t !== 'REFRESH' && msg.t !== 'CLIENT_VERSION_REQUEST' && msg.t !== 'UNBIND' && msg.t !== 'STATE_REQUEST' && msg.t !== 'CONFLICT_DISMISS') this.holdDownloads = false;
    switch (msg.t) {
      case 'BIND':
        return this.bind(msg);
      case 'TRANSACT':
        return this.transact(msg);
      case 'STATE_REQUEST':
        return this.stateRequest(msg);
      case 'CLIENT_VERSION_REQUEST':
        return this.clientVersionRequest(msg);
      case 'IDENT':
        return this.identify(msg);
      case 'QUERY':
        return this.query(msg);
      case 'UPLOAD':
        return this.upload(msg);
      case 'MARK':
        this.marks.push({ requestId: msg.requestId, target: await this.engine.store.latestVersion() });
        return this.pump();
      case 'REFRESH':
        return this.refresh(msg.token);
      case 'CONFLICT_DISMISS':
        return this.dismissConflicts(msg);
      case 'UNBIND':
        this.send({ t: 'UNBOUND' });
        this.close(CLOSE_CODES.normal, 'unbound');
        return;
    }
  }

  describe(): LiveSessionInfo {
    return {
      clientFile: this.ident,
      userId: this.user.userId,
      connectedAt: this.connectedAt,
      queryVersion: this.queryVersion,
      subscriptions: this.view.types().reduce((n, t) => n + (this.view.filterFor(t)?.subscriptions.length ?? 0), 0),
      serverVersion: this.cursor.serverVersion,
      clientVersion: this.cursor.clientVersion,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      messagesIn: this.messagesIn,
    };
  }

  endByAdmin(): void {
    this.fail(new OutpostError('session_closed', 'an administrator ended this session'));
  }

  // ---- the conflict journal -----------------------------------------------------------------

  /** New entries this user lost (from the engine): sent in order with the session's other messages. */
  conflictsRecorded(rows: readonly ConflictRow[]): void {
    this.run(() => this.sendConflicts(rows, false));
  }

  conflictsDismissed(): void {
    this.run(() => this.sendConflictList());
  }

  /** The whole list: the user's newest undismissed entries it may read. */
  private async sendConflictList(): Promise<void> {
    const rows = await this.engine.store.listConflicts({ loserUserId: this.user.userId, limit: 100, newestFirst: true });
    await this.sendConflicts(rows.reverse(), true);
  }

  private async sendConflicts(rows: readonly ConflictRow[], replace: boolean): Promise<void> {
    const readable = await readableConflicts(rows, { userId: this.user.userId, roles: this.roles }, this.engine.store);
    if (readable.length === 0 && !replace) return;
    this.send({ t: 'CONFLICTS', replace, entries: readable.map(conflictEntry) });
  }

  private async dismissConflicts(msg: ConflictDismiss): Promise<void> {
    if ((await this.engine.store.dismissConflicts(this.user.userId, msg.ids, Date.now())) > 0) this.engine.conflictsDismissed(this, this.user.userId);
  }

  private async bind(msg: Bind): Promise<void> {
    if (msg.protocolVersion < MIN_PROTOCOL_VERSION || msg.protocolVersion > PROTOCOL_VERSION) {
      throw new OutpostError('protocol_version', `protocol version ${msg.protocolVersion} is not supported (${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION})`);
    }
    this.protocolVersion = msg.protocolVersion;
    this.clientFilter = await this.engine.checkClientSchema(msg.schema as never);
    let file: ClientFileRow | undefined;
    if (msg.fileIdent === null) {
      file = await this.engine.store.createClientFile(this.user.userId);
      this.send({ t: 'IDENT', fileIdent: file.ident, salt: file.salt });
    } else {
      file = await this.engine.store.getClientFile(msg.fileIdent);
      if (!file || file.salt !== msg.salt) {
        throw new OutpostError('bad_client_file', `client file ${msg.fileIdent} is not known to this server (restored from a backup?)`);
      }
      if (file.userId !== this.user.userId) throw new OutpostError('bad_client_file', 'this local database belongs to another user');
      if (file.expiredAt !== null) {
        throw new OutpostError('bad_client_file', `this local database was retired by the server: ${file.expiredReason ?? 'no reason given'}`, {
          action: file.expiredAction ?? 'client_reset',
        });
      }
    }
    this.ident = file.ident;
    const user = await this.auth.loadUser(this.user.userId);
    this.roles = new SessionRoles(this.engine.schema, this.engine.rules, user, this.engine.queryable);
    // Fields the role may not read are cut from everything this session sends.
    this.clientFilter = this.clientFilter.hiding(this.roles.hiddenFields());
    if (file.roleKey !== null && file.roleKey !== this.roles.signature()) {
      throw new OutpostError('client_reset', 'the permissions of this user changed since this local database last synced; it must be reset');
    }
    this.state = 'bound';
  }

  private async identify(msg: ClientIdent): Promise<void> {
    const file = (await this.engine.store.getClientFile(this.ident))!;
    if (msg.fileIdent !== file.ident || msg.salt !== file.salt) throw new OutpostError('bad_client_file', 'IDENT does not match BIND');
    const latest = await this.engine.store.latestVersion();
    const at = msg.cursor.serverVersion;
    if (at > latest || msg.cursor.clientVersion > file.lastIntegrated) {
      throw new OutpostError('bad_cursor', `the client is ahead of the server (version ${at} of ${latest}, client version ${msg.cursor.clientVersion} of ${file.lastIntegrated}): the server was restored from an older copy`);
    }
    if (at > 0) {
      const salt = await this.engine.saltAt(at);
      if (salt === undefined) {
        throw new OutpostError('bad_cursor', `this local database last synced at version ${at}, and the server no longer keeps the history after it (it starts at ${await this.engine.store.firstVersion()})`);
      }
      if (msg.versionSalt !== salt) {
        throw new OutpostError('bad_cursor', `the server's history at version ${at} is not the one this local database followed (the server was restored from a backup)`);
      }
    }
    this.cursor = { ...msg.cursor };
    this.sentCursor = { ...msg.cursor };
    const future = await this.engine.store.transaction(async (tx) => {
      // The file as of this transaction, not as read above: a session this one replaces may have
      // integrated an upload since (its transactions are refused only from the epoch bump below
      // on), and that upload's view changes and `plannedVersion` must be seen here, or the
      // objects it created would be dropped from the view while the client still has them.
      const current = (await tx.getClientFile(this.ident))!;
      // This session is now the file's only one that may change what is stored for it.
      this.epoch = current.sessionSeq + 1;
      await tx.updateClientFile(this.ident, {
        lastSeenAt: Date.now(),
        syncedVersion: Math.max(current.syncedVersion, at),
        roleKey: this.roles.signature(),
        sessionSeq: this.epoch,
      });
      // The view set as of the client's cursor: view changes it received are settled, up to the
      // base of its last upload; those after it stay in the log (the session knows them as
      // changes, `received`), as uploads it made before them may still come and are transformed
      // as it received the rows (an object entered at a marker among them is corrected,
      // integrate.ts). Those it did not receive, up to where an upload relied on them
      // (`plannedVersion`), are commitments: the rows up to there are cut again exactly as they
      // were. Later ones are worked out again, except leave rows, which are history and come
      // again by themselves.
      const replayUpTo = Math.max(current.plannedVersion, at);
      const settleTo = Math.min(at, current.reciprocalBase);
      await tx.settleViewLog(this.ident, settleTo);
      await tx.dropViewLog(this.ident, replayUpTo);
      // Only this file's private entries (filtered in the store: a new file at cursor 0 must not
      // read and decode the whole history to find none).
      const latest = await tx.latestVersion();
      const rows = await tx.privateHistory(this.ident, at, latest);
      // Objects entered at a marker the client did not get: their state is not in the history to
      // be sent again (planner.ts, `appendViewRows`), so they are not in its view; a view that
      // still has them enters them again, as they are now.
      const logged = withoutMissedEntries(await tx.viewLog(this.ident, at), rows);
      if (logged.dropped) {
        await tx.dropViewLog(this.ident, at);
        for (const group of byVersion(logged.kept)) await tx.logViewChanges(this.ident, group[0]!.version, group);
      }
      const received = settleTo < at ? (await tx.viewLog(this.ident, settleTo)).filter((c) => c.version <= at) : [];
      for (const type of this.engine.schema.types.keys()) {
        for (const pkText of await tx.viewOf(this.ident, type)) this.viewSet.add(keyOf(type, pkFromText(pkText)));
      }
      // Markers after the cursor entered objects the client did not get (their view log
      // entries are dropped above or here): the view is entered again.
      return { logged: logged.kept, reenter: rows.some(isEntryMarker), rows, file: current, replayUpTo, latest, received };
    });
    const { file: current, latest: latestNow } = future;
    for (const k of this.viewSet) this.baseView.add(k);
    // Changes the client received after its last upload's base: in the view set, and known by version.
    for (const c of future.received) {
      const k = keyOf(c.type, c.pk);
      if (c.kind === 'add') this.viewSet.add(k);
      else this.viewSet.delete(k);
      transition(this, k, c.kind === 'add' ? c.version : c.version + 1, c.kind === 'add');
    }
    this.replayUpTo = future.replayUpTo;
    // Every change ahead of the cursor, in version order (a logged one, then a private row's).
    const ahead: ViewChangeAt[] = future.logged.map((c) => ({ key: keyOf(c.type, c.pk), version: c.version, in: c.kind === 'add' }));
    this.commitments.push(...ahead);
    for (const row of future.rows) {
      const { added, removed } = privateRowChanges(row);
      for (const k of removed) ahead.push({ key: k, version: row.version, in: false });
      for (const k of added) ahead.push({ key: k, version: row.version, in: true });
    }
    ahead.sort((a, b) => a.version - b.version);
    for (const c of ahead) {
      (c.in ? this.futureAdds : this.futureRemoves).set(c.key, c.version);
      (c.in ? this.futureRemoves : this.futureAdds).delete(c.key);
      transition(this, c.key, c.in ? c.version : c.version + 1, c.in);
    }
    this.state = 'active';
    this.engine.attach(this);
    if (this.protocolVersion >= 2) {
      // Entries recorded from here on reach the session as they are recorded (conflictsRecorded).
      this.conflictsFor = this.user.userId;
      await this.sendConflictList();
    }
    this.touchTimer = setInterval(() => this.touch(), this.engine.touchIntervalMs);
    this.touchTimer.unref?.();
    const wanted = msg.subscriptions;
    const stored = { version: current.queryVersion, queries: current.subscriptions };
    const fresh = at === 0 && current.lastIntegrated === 0 && stored.version === 0 && this.viewSet.size === 0 && this.futureAdds.size === 0 && this.futureRemoves.size === 0;
    if (fresh) {
      // A new file has nothing the history before now could bring it (objects enter its view as
      // state): it starts at the latest version instead of reading the whole history through.
      this.cursor = { serverVersion: latestNow, clientVersion: 0 };
      if (wanted.version === 0) {
        this.holdDownloads = true;
        return;
      }
    }
    const behind = () => this.futureAdds.size > 0 || this.futureRemoves.size > 0 || this.cursor.serverVersion < this.replayUpTo;
    if (behind()) {
      // Deliver what the client was already sent (under the set it had) before anything else.
      this.queryVersion = stored.version;
      this.view = new SessionView(this.engine.schema, this.roles, this.compile(stored.queries));
      while (behind()) {
        const d = await this.engine.nextDownload(this);
        if (!d) break;
        await this.sendDownload(d);
        this.cursor = d.cursor;
      }
    }
    // Objects entered at markers the client did not get enter again: the set is bootstrapped anew,
    // which enters what the client's view lacks.
    if (future.reenter || wanted.version !== stored.version || JSON.stringify(storedSubscriptions(wanted.queries)) !== JSON.stringify(stored.queries)) {
      // The client changed its subscriptions while offline (or this is its first session).
      const ok = await this.changeSubscriptions(wanted.version, wanted.queries);
      if (ok) return;
    }
    this.queryVersion = stored.version;
    try {
      this.view = new SessionView(this.engine.schema, this.roles, this.compile(stored.queries));
    } catch (err) {
      this.send({ t: 'QUERY_ERROR', version: stored.version, code: 'bad_query', message: (err as Error).message });
    }
    await this.pump();
  }

  /** Compiles a subscription set for this user: a query on a field its role hides is a `bad_query`. */
  private compile(queries: readonly StoredSubscription[]) {
    const compiled = this.engine.compileSubscriptions(queries);
    compiled.forEach((q, index) => this.roles.checkQuery(q, index));
    return compiled;
  }

  /** Bootstraps a subscription set; false (after a QUERY_ERROR) when it is rejected. */
  private async changeSubscriptions(version: number, queries: readonly Subscription[]): Promise<boolean> {
    const reject = (code: ErrorCode, message: string, index?: number) => {
      this.send({ t: 'QUERY_ERROR', version, code, message, ...(index !== undefined ? { index } : {}) });
      return false;
    };
    const limited = this.overLimit(queries);
    if (limited) return reject('subscription_limit', limited.message, limited.index);
    const stored = storedSubscriptions(queries);
    let compiled;
    try {
      compiled = this.compile(stored);
    } catch (err) {
      const e = err as OutpostError;
      return reject('bad_query', e.message, (e.details?.index as number | undefined) ?? undefined);
    }
    const view = new SessionView(this.engine.schema, this.roles, compiled);
    await this.engine.bootstrap(this, view, version, { send: (d) => this.sendDownload(d), room: () => this.room() });
    await this.engine.store.transaction(async (tx) => {
      await guardSession(tx, this);
      await tx.updateClientFile(this.ident, { queryVersion: version, subscriptions: stored });
    });
    await this.pump();
    return true;
  }

  /** Why a subscription set is over the limits (too many queries, a query text too long), or undefined. */
  private overLimit(queries: readonly Subscription[]): { message: string; index?: number } | undefined {
    if (queries.length > this.limits.maxSubscriptions) return { message: `a subscription set is limited to ${this.limits.maxSubscriptions} queries (this one has ${queries.length})` };
    const max = this.engine.maxQueryBytes;
    const index = queries.findIndex((q) => q.query.length > max || Buffer.byteLength(q.query, 'utf8') > max);
    return index < 0 ? undefined : { message: `subscription ${index}: a query is limited to ${max} bytes of text`, index };
  }

  private async query(msg: Query): Promise<void> {
    if (msg.version <= this.queryVersion) {
      // A stale or repeated set: refused like any bad set, and the active one stays.
      this.send({ t: 'QUERY_ERROR', version: msg.version, code: 'bad_session_state', message: `subscription set version ${msg.version} is not newer than the active one (${this.queryVersion})` });
      return;
    }
    await this.changeSubscriptions(msg.version, msg.queries);
  }

  private async upload(msg: Upload): Promise<void> {
    // Refused whole before anything is integrated: the client restamps and sends it again.
    checkClockBound(msg.changesets, Date.now(), this.engine.maxClockAheadMs);
    this.engine.latency.received(this.ident, msg, msg.changesets);
    const result = await this.engine.integrate(this, msg.changesets);
    // The downloads planned under the upload's lock go first, in order.
    for (const d of result.downloads) {
      if (this.worthSending(d)) await this.sendDownload(d);
    }
    if (result.compensating.length > 0) {
      this.send({
        t: 'ERROR',
        code: 'compensating_write',
        message: `${result.compensating.length} write(s) were rejected and reverted`,
        action: 'none',
        tryAgain: false,
        compensatingWrites: result.compensating.map((c) => ({ type: c.type, pk: c.pk, reason: `${c.code}: ${c.reason}`, clientVersion: c.clientVersion })),
      });
    }
    await this.pump();
  }

  private async transact(msg: Transact): Promise<void> {
    try {
      checkClockBound([msg], Date.now(), this.engine.maxClockAheadMs);
    } catch (err) {
      // A rejected transaction changes nothing, like any other; the session continues.
      this.send({ t: 'TRANSACT', requestId: msg.requestId, status: 'rejected', code: 'clock_skew', reason: (err as Error).message.slice(0, 4000) });
      return;
    }
    const outcome = await this.engine.transact(this, msg);
    for (const d of outcome.downloads) {
      if (this.worthSending(d)) await this.sendDownload(d);
    }
    if (outcome.status === 'applied') this.send({ t: 'TRANSACT', requestId: msg.requestId, status: 'applied', serverVersion: outcome.serverVersion });
    else this.send({ t: 'TRANSACT', requestId: msg.requestId, status: 'rejected', code: outcome.code, reason: outcome.reason.slice(0, 4000) });
    // The applied change comes back through the download, like any other client's.
    await this.pump();
  }

  /** A fresh copy for a new client file (client reset, fast first open). */
  private async stateRequest(msg: StateRequest): Promise<void> {
    const file = (await this.engine.store.getClientFile(this.ident))!;
    if (file.lastIntegrated !== 0 || this.queryVersion !== 0 || file.queryVersion !== 0 || this.viewSet.size !== 0 || this.futureAdds.size !== 0) {
      throw new OutpostError('bad_session_state', 'STATE_REQUEST is only for a new client file, right after IDENT with no subscriptions');
    }
    const reject = (code: ErrorCode, message: string, index?: number) =>
      this.send({ t: 'QUERY_ERROR', version: msg.queryVersion, code, message, ...(index !== undefined ? { index } : {}) });
    const limited = this.overLimit(msg.queries);
    if (limited) return reject('subscription_limit', limited.message, limited.index);
    const stored = storedSubscriptions(msg.queries);
    let compiled;
    try {
      compiled = this.compile(stored);
    } catch (err) {
      const e = err as OutpostError;
      return reject('bad_query', e.message, (e.details?.index as number | undefined) ?? undefined);
    }
    const started = performance.now();
    const view = new SessionView(this.engine.schema, this.roles, compiled);
    const copy = await planFreshState(this.engine.plannerContext(), this, view, { version: msg.queryVersion, queries: stored }, 500);
    const versionSalt = (await this.engine.saltAt(copy.version))!;
    // The session now stands where the copy does: the objects are its view, from that version on.
    this.viewSet.clear();
    this.baseView.clear();
    this.transitions.clear();
    for (const o of copy.objects) {
      this.viewSet.add(o.key);
      this.baseView.add(o.key);
    }
    this.view = view;
    this.queryVersion = msg.queryVersion;
    this.cursor = { serverVersion: copy.version, clientVersion: 0 };
    this.sentCursor = { ...this.cursor };
    this.holdDownloads = false;
    let segment = 0;
    let batch: { type: string; record: (typeof copy.objects)[number]['record'] }[] = [];
    let bytes = 0;
    const flush = (last: boolean) => {
      this.send({ t: 'STATE', queryVersion: msg.queryVersion, serverVersion: copy.version, versionSalt, segment: segment++, last, objects: batch });
      batch = [];
      bytes = 0;
    };
    for (const o of copy.objects) {
      const size = JSON.stringify(o.record, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).length + o.type.length + 32;
      if (batch.length > 0 && bytes + size > this.engine.downloadBytesPerMessage) flush(false);
      batch.push({ type: o.type, record: o.record });
      bytes += size;
    }
    flush(true);
    this.engine.metrics.bootstrapSeconds?.((performance.now() - started) / 1000);
    await this.pump();
  }

  private async clientVersionRequest(msg: ClientVersionRequest): Promise<void> {
    const r = await this.engine.clientVersionOf(this.user.userId, msg.fileIdent, msg.salt);
    this.send({ t: 'CLIENT_VERSION', fileIdent: msg.fileIdent, known: r.known, clientVersion: r.clientVersion });
  }

  /** Records that the client is still there (files not seen for too long are retired). */
  private touch(): void {
    if (this.state !== 'active') return;
    this.run(async () => {
      await this.engine.store.transaction((tx) => tx.updateClientFile(this.ident, { lastSeenAt: Date.now() }));
    });
  }

  replaced(): void {
    if (this.state === 'closed') return;
    this.send({ t: 'ERROR', code: 'session_closed', message: 'a newer connection of this local database replaced this one', action: 'retry', tryAgain: true, backoffMs: 2_000 });
    this.close(CLOSE_CODES.goingAway, 'replaced');
  }

  retire(reason: string, action: 'client_reset' | 'client_reset_no_recovery'): void {
    this.fail(new OutpostError('bad_client_file', `this local database was retired by the server: ${reason}`, { action }));
  }

  private async refresh(token: string): Promise<void> {
    const verified = await this.auth.verifyAccessToken(token);
    if (verified.userId !== this.user.userId) throw new OutpostError('unauthorized', 'REFRESH carries another user\u2019s token');
    this.user.expiresAt = verified.expiresAt;
    // The session now belongs to the login of the new token (a new login of the same user).
    if (verified.sessionId !== undefined) this.user.sessionId = verified.sessionId;
    else delete this.user.sessionId;
    this.scheduleExpiry();
  }

  /**
   * The token's login ended (logout, a reused refresh token, a revoked API key) or its user was
   * deleted: the session ends at once, not when the access token expires.
   */
  loginEnded(r: { readonly userId?: string | undefined; readonly sessionId?: string | undefined }): void {
    const mine = r.sessionId !== undefined ? r.sessionId === this.user.sessionId : r.userId === this.user.userId;
    if (mine) this.fail(new OutpostError('unauthorized', r.sessionId !== undefined ? 'the user logged out (or the login was revoked)' : 'the user was removed or its access revoked'));
  }

  /** Asks the auth store whether the login still stands (catches logouts on other nodes). */
  private checkLogin(): void {
    if (!this.auth.endedReason || this.state === 'closed') return;
    this.auth.endedReason(this.user.userId, this.user.sessionId).then(
      (why) => {
        if (why) this.fail(new OutpostError('unauthorized', why));
      },
      (err: Error) => this.log.warn({ err: err.message, ident: this.ident }, 'checking the login failed'),
    );
  }

  // ---- downloads ----------------------------------------------------------------------------

  wake(): void {
    if (this.state !== 'active' || this.pumpQueued) return;
    this.pumpQueued = true;
    this.run(async () => {
      this.pumpQueued = false;
      await this.pump();
    });
  }

  get readyForShared(): boolean {
    return (
      this.state === 'active' &&
      this.tasks === 0 &&
      !this.holdDownloads &&
      this.marks.length === 0 &&
      this.ws.readyState === this.ws.OPEN &&
      this.ws.bufferedAmount <= this.limits.softBufferBytes
    );
  }

  /**
   * A download the engine's fan-out planned for this idle session (fanout.ts): handled as `pump`
   * handles one it planned itself, synchronously, so nothing of the session's runs in between.
   */
  deliverShared(d: PlannedMessage, versionSalt: string): void {
    if (this.worthSending(d) || d.cursor.serverVersion - this.sentCursor.serverVersion > 1000) {
      this.send({ ...d, versionSalt });
      this.sentCursor = { ...d.cursor };
    }
    this.cursor = d.cursor;
    this.slowSince = 0;
    if (this.cursor.serverVersion < this.engine.latestVersion) this.wake();
  }

  /** Whether a planned DOWNLOAD carries something: items, an acknowledgement, or an answer a MARK waits for. */
  private worthSending(d: PlannedMessage): boolean {
    return d.items.length > 0 || d.cursor.clientVersion > this.sentCursor.clientVersion || this.marks.length > 0;
  }

  /** Sends downloads until the session is up to date, then answers the MARKs it has reached. */
  private async pump(): Promise<void> {
    if (this.holdDownloads) return;
    for (;;) {
      if (this.state !== 'active') return;
      const buffered = this.ws.bufferedAmount;
      if (buffered > this.limits.softBufferBytes) {
        // A slow consumer: stop producing; drop it if it stays slow, or falls far behind.
        const now = Date.now();
        if (this.slowSince === 0) this.slowSince = now;
        if (buffered > this.limits.hardBufferBytes || now - this.slowSince > this.limits.slowConsumerMs) {
          throw new OutpostError('slow_consumer', 'the client does not read its downloads fast enough');
        }
        setTimeout(() => this.wake(), 100).unref?.();
        return;
      }
      this.slowSince = 0;
      const d = await this.engine.nextDownload(this);
      if (!d) break;
      // Nothing for this client (changes to objects it does not have): only move the cursor,
      // unless it acknowledges an upload, a MARK waits for it, or the client lags far behind.
      if (this.worthSending(d) || d.cursor.serverVersion - this.sentCursor.serverVersion > 1000) await this.sendDownload(d);
      this.cursor = d.cursor;
    }
    while (this.marks.length > 0 && this.marks[0]!.target <= this.cursor.serverVersion) {
      if (this.sentCursor.serverVersion < this.cursor.serverVersion) {
        await this.sendDownload({ t: 'DOWNLOAD', queryVersion: this.queryVersion, cursor: { ...this.cursor }, latestServerVersion: this.engine.latestVersion, items: [], batch: 'last', serverTime: Date.now() });
      }
      const m = this.marks.shift()!;
      this.send({ t: 'MARK', requestId: m.requestId, serverVersion: m.target });
    }
    if (this.marks.length > 0 && this.cursor.serverVersion < this.engine.latestVersion) this.wake();
    else if (this.marks.length > 0) {
      // The target was read from the store ahead of this node's doorbell: look again shortly.
      this.engine.advance(await this.engine.store.latestVersion());
      setTimeout(() => this.wake(), 20).unref?.();
    }
  }

  /**
   * Resolves once the socket buffers at most the soft limit (a bootstrap waits here before each
   * page); a client that stays above it too long, or reaches the hard limit, is dropped with
   * `slow_consumer` (it resumes from its cursor when it reconnects).
   */
  private async room(): Promise<void> {
    let since = 0;
    for (;;) {
      if (this.state === 'closed') throw new OutpostError('session_closed', 'the session ended');
      const buffered = this.ws.bufferedAmount;
      if (buffered <= this.limits.softBufferBytes) return;
      const now = Date.now();
      if (since === 0) since = now;
      if (buffered > this.limits.hardBufferBytes || now - since > this.limits.slowConsumerMs) {
        throw new OutpostError('slow_consumer', 'the client does not read its downloads fast enough');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, this.limits.slowConsumerMs)));
    }
  }

  /** Sends a planned DOWNLOAD with the version salt of its cursor. */
  private async sendDownload(d: PlannedMessage): Promise<void> {
    const versionSalt = await this.engine.saltAt(d.cursor.serverVersion);
    if (versionSalt === undefined) {
      throw new OutpostError('bad_cursor', `the history at version ${d.cursor.serverVersion} was compacted away; this local database must be reset`, { action: 'client_reset' });
    }
    this.send({ ...d, versionSalt });
    this.sentCursor = { ...d.cursor };
  }

  /** Resolves when the session has handled everything queued so far (tests). */
  async idle(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.queue) {
      last = this.queue;
      await last;
    }
  }

  /** Ends the session from outside (server shutdown): ERROR `session_closed`, then close code 1001 like a replaced connection. */
  shutdown(): void {
    if (this.state === 'closed') return;
    this.send({ t: 'ERROR', code: 'session_closed', message: 'the server is shutting down', action: 'retry', tryAgain: true, backoffMs: 2_000 });
    this.close(CLOSE_CODES.goingAway, 'shutting down');
  }
}
