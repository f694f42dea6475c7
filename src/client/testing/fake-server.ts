import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Changeset, Instruction } from '../../changeset/index.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import {
  encodeMessage,
  OutpostError,
  parseClientMessage,
  SYNC_PATH,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
  type ClientMessage,
  type DownloadItem,
  type ErrorMessage,
  type ServerMessage,
  type Subscription,
} from '../../protocol/index.ts';
import { FakeAuth, type FakeAuthOptions } from './fake-auth.ts';
import { FakeHistory, type TransactOutcome } from './fake-history.ts';

/*
 * A small sync server for the client's unit tests: the reference algorithm of src/sim/server.ts
 * (fake-history.ts) speaking the real protocol messages over a `ws` WebSocketServer, plus the
 * HTTP auth API (fake-auth.ts). With `flexible: true` a session sees only the objects its
 * subscriptions match (objects enter and leave through private rows; bootstraps come in
 * batches); otherwise it sees everything. Hooks let tests drop connections, stop answering PINGs,
 * send errors and count connections. Tests against the real engine are in real-engine.test.ts.
 *
 * Client reset and TRANSACT: DOWNLOADs carry version salts and IDENT checks them (a client whose
 * cursor the history does not have, or whose salt differs, gets ERROR client_reset); a new file
 * may ask for STATE_REQUEST right after IDENT; CLIENT_VERSION_REQUEST answers from the file
 * table; TRANSACT is checked against the rows after its base. Tests can take a `snapshot()` and
 * `restore()` it (a restore from backup), `forgetClientFiles()`, or `resetNext()` to answer the
 * next BIND / IDENT / UPLOAD with a client-reset ERROR.
 */

export interface FakeServerOptions {
  readonly schema: readonly ObjectSchemaInput[];
  readonly flexible?: boolean;
  readonly auth?: FakeAuthOptions;
  /** Objects per bootstrap DOWNLOAD batch. */
  readonly bootstrapBatch?: number;
  /** Objects per STATE segment. */
  readonly stateSegment?: number;
  /** Extra HTTP routes (test pages, stats), tried before the auth API. */
  readonly http?: (req: IncomingMessage, res: import('node:http').ServerResponse) => boolean;
  /** Another handler for WebSocket upgrades (e.g. the real sync endpoint); the fake one otherwise. */
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

class FakeSession {
  ident = 0;
  userId: string;
  cursor = { serverVersion: 0, clientVersion: 0 };
  queryVersion = 0;
  active = false;
  /** A new file right after IDENT: it may ask for the state (STATE_REQUEST). */
  stateAllowed = false;
  /** An ERROR that closes the session was sent: later frames are ignored. */
  closing = false;
  readonly received: ClientMessage[] = [];

  constructor(
    readonly server: FakeServer,
    readonly ws: WebSocket,
    userId: string,
  ) {
    this.userId = userId;
  }

  send(m: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeMessage(m));
  }

  error(code: ErrorMessage['code'], message: string, action: ErrorMessage['action'], extra: Partial<ErrorMessage> = {}): void {
    this.send({ t: 'ERROR', code, message, action, tryAgain: action === 'retry', ...extra });
    if (action !== 'none') {
      this.closing = true;
      this.ws.close(4000, code);
    }
  }

  /**
   * Sends what this session has not seen yet. A bootstrap goes out in batches tagged with the new
   * set's version ('more' … 'last'); otherwise one DOWNLOAD, when there is anything to say.
   */
  pump(options: { force?: boolean; bootstrap?: number } = {}): void {
    if (!this.active) return;
    const h = this.server.history;
    const d = h.download(this.ident, this.cursor.serverVersion);
    const items: DownloadItem[] = d.entries.map((e) => ({ kind: 'changeset', serverVersion: e.version, clientVersion: e.lastIntegrated, changeset: e.changeset }));
    const start = { ...this.cursor };
    const end = { serverVersion: d.to, clientVersion: d.lastIntegrated };
    if (options.bootstrap !== undefined) {
      const size = this.server.options.bootstrapBatch ?? 1000;
      const chunks: DownloadItem[][] = [];
      for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
      if (chunks.length === 0) chunks.push([]);
      // A test's interruption: only the first batches go out, then the connection drops or goes silent.
      const stall = this.server.bootstrapStall;
      if (stall && chunks.length > stall.after) {
        this.server.bootstrapStall = undefined;
        chunks.length = stall.after;
      }
      chunks.forEach((chunk, i) => {
        const last = !stall && i === chunks.length - 1;
        const tail = chunk[chunk.length - 1];
        this.send({
          t: 'DOWNLOAD',
          queryVersion: options.bootstrap!,
          cursor: last || !tail || this.server.bootstrapCursorAtStart ? (last ? end : start) : { serverVersion: tail.serverVersion, clientVersion: tail.clientVersion },
          versionSalt: h.saltAt(last ? end.serverVersion : !tail || this.server.bootstrapCursorAtStart ? start.serverVersion : tail.serverVersion),
          latestServerVersion: h.version,
          items: chunk,
          batch: last ? 'last' : 'more',
          serverTime: Date.now(),
        });
        this.server.itemsSent += chunk.length;
      });
      if (stall) {
        // Frames the client sent before the drop are not answered either.
        this.closing = true;
        this.active = false;
        if (stall.then === 'drop') this.ws.terminate();
        return;
      }
    } else {
      const moved = d.to > this.cursor.serverVersion || d.lastIntegrated > this.cursor.clientVersion;
      if (items.length || moved || options.force) {
        this.send({
          t: 'DOWNLOAD',
          queryVersion: this.queryVersion,
          cursor: end,
          versionSalt: h.saltAt(end.serverVersion),
          latestServerVersion: h.version,
          items,
          batch: 'last',
          progress: { downloaded: d.to, downloadable: h.version },
          serverTime: Date.now(),
        });
        this.server.itemsSent += items.length;
      }
    }
    this.cursor = end;
  }

  /** A new subscription set: QUERY_ERROR, or the bootstrap. */
  subscribe(version: number, subs: readonly Subscription[]): void {
    try {
      const bad = subs.find((s) => this.server.rejectQueries.test(s.query));
      if (bad) throw new OutpostError('bad_query', `the server refuses "${bad.query}"`);
      this.server.history.subscribe(this.ident, version, subs);
    } catch (err) {
      this.send({ t: 'QUERY_ERROR', version, code: 'bad_query', message: (err as Error).message });
      return;
    }
    this.queryVersion = version;
    this.pump({ bootstrap: version });
    for (const s of this.server.sessions) if (s !== this) s.pump();
  }

  /** STATE_REQUEST: the current state in segments; downloads go on from its version. */
  private sendState(version: number, subs: readonly Subscription[]): void {
    const bad = subs.find((s) => this.server.rejectQueries.test(s.query));
    if (bad) return this.send({ t: 'QUERY_ERROR', version, code: 'bad_query', message: `the server refuses "${bad.query}"` });
    const h = this.server.history;
    const state = h.adoptState(this.ident, version, subs);
    const size = this.server.options.stateSegment ?? 1000;
    const segments = Math.max(1, Math.ceil(state.objects.length / size));
    for (let i = 0; i < segments; i++) {
      this.send({
        t: 'STATE',
        queryVersion: version,
        serverVersion: state.version,
        versionSalt: h.saltAt(state.version),
        segment: i,
        last: i === segments - 1,
        objects: state.objects.slice(i * size, (i + 1) * size),
      });
    }
    this.queryVersion = version;
    this.cursor = { serverVersion: state.version, clientVersion: 0 };
    this.server.statesSent++;
  }

  handle(text: string): void {
    if (this.closing) return;
    let m: ClientMessage;
    try {
      m = parseClientMessage(text);
    } catch (err) {
      return this.error((err as OutpostError).code, (err as Error).message, 'fatal');
    }
    this.received.push(m);
    this.server.onMessage?.(this, m);
    const h = this.server.history;
    const trap = this.server.resetTraps.findIndex((t) => t.at === m.t);
    if (trap >= 0) {
      const [t] = this.server.resetTraps.splice(trap, 1);
      return this.error(t!.code, `test: ${t!.code} at ${m.t}`, t!.action);
    }
    if (m.t !== 'IDENT' && m.t !== 'STATE_REQUEST' && m.t !== 'CLIENT_VERSION_REQUEST' && m.t !== 'PING' && m.t !== 'MARK') this.stateAllowed = false;
    try {
      switch (m.t) {
        case 'BIND': {
          if (m.fileIdent === null) {
            const f = h.allocateFile(this.userId, randomBytes(6).toString('hex'));
            this.ident = f.ident;
            this.send({ t: 'IDENT', fileIdent: f.ident, salt: f.salt });
          } else {
            const f = h.files.get(m.fileIdent);
            if (!f || f.salt !== m.salt) return this.error('bad_client_file', 'unknown client file', 'client_reset');
            this.ident = m.fileIdent;
          }
          return;
        }
        case 'IDENT': {
          this.server.identCursors.push(m.cursor.serverVersion);
          if (m.cursor.serverVersion > h.version) return this.error('bad_cursor', 'client ahead of server', 'client_reset');
          if ((m.versionSalt ?? '') !== h.saltAt(m.cursor.serverVersion)) {
            return this.error('bad_cursor', `the history at version ${m.cursor.serverVersion} is not the one the client saw`, 'client_reset');
          }
          this.stateAllowed = m.cursor.serverVersion === 0 && m.subscriptions.version === 0;
          this.cursor = { ...m.cursor };
          this.active = true;
          const f = h.file(this.ident);
          this.queryVersion = f.subsVersion;
          if (m.subscriptions.version !== f.subsVersion) this.subscribe(m.subscriptions.version, m.subscriptions.queries);
          else this.pump();
          return;
        }
        case 'UPLOAD': {
          const reject = this.server.compensate;
          h.upload(this.ident, m.changesets);
          if (reject) {
            this.server.compensate = undefined;
            const w = reject(m.changesets);
            if (w.length) this.send({ t: 'ERROR', code: 'compensating_write', message: `${w.length} write(s) were rejected`, action: 'none', tryAgain: false, compensatingWrites: w });
          }
          this.server.uploads += m.changesets.length;
          for (const s of this.server.sessions) s.pump();
          return;
        }
        case 'STATE_REQUEST':
          if (!this.stateAllowed) return this.error('bad_session_state', 'STATE_REQUEST only right after the IDENT of a new file', 'fatal');
          this.stateAllowed = false;
          return this.sendState(m.queryVersion, m.queries);
        case 'CLIENT_VERSION_REQUEST': {
          const f = h.files.get(m.fileIdent);
          const known = !!f && f.salt === m.salt && f.userId === this.userId;
          this.send({ t: 'CLIENT_VERSION', fileIdent: m.fileIdent, known, clientVersion: known ? f.lastIntegrated : 0 });
          return;
        }
        case 'TRANSACT': {
          const answer = () => {
            const r = this.server.history.transact(this.ident, m.base, m.reads, m.changeset);
            this.server.transactions.push(r);
            this.send({ t: 'TRANSACT', requestId: m.requestId, ...r });
            if (r.status === 'applied') for (const s of this.server.sessions) s.pump();
          };
          if (this.server.holdTransactions) this.server.heldTransactions.push(answer);
          else answer();
          return;
        }
        case 'QUERY':
          if (m.version <= this.queryVersion) return this.error('bad_session_state', 'subscription version not newer', 'fatal');
          this.subscribe(m.version, m.queries);
          return;
        case 'MARK':
          this.pump({ force: true });
          this.send({ t: 'MARK', requestId: m.requestId, serverVersion: h.version });
          return;
        case 'PING':
          if (this.server.answerPings) this.send({ t: 'PONG', timestamp: m.timestamp, serverTime: Date.now() });
          return;
        case 'REFRESH':
          this.server.auth.verify(m.token);
          this.server.refreshes++;
          return;
        case 'UNBIND':
          this.send({ t: 'UNBOUND' });
          this.ws.close(1000);
          return;
      }
    } catch (err) {
      const e = err instanceof OutpostError ? err : new OutpostError('internal', String(err));
      this.error(e.code, e.message, e.code === 'token_expired' ? 'refresh_token' : 'fatal');
    }
  }
}

export interface ResetTrap {
  readonly at: 'BIND' | 'IDENT' | 'UPLOAD' | 'TRANSACT';
  readonly action: 'client_reset' | 'client_reset_no_recovery';
  readonly code: ErrorMessage['code'];
}

export class FakeServer {
  history: FakeHistory;
  readonly schema;
  readonly auth: FakeAuth;
  readonly sessions = new Set<FakeSession>();
  /** Counters and switches for tests. */
  connections = 0;
  /** Upgrade requests, refused ones included. */
  attempts = 0;
  uploads = 0;
  refreshes = 0;
  statesSent = 0;
  /** DOWNLOAD items sent, and the cursor of every IDENT received, in order. */
  itemsSent = 0;
  readonly identCursors: number[] = [];
  /**
   * The next bootstrap sends only its first `after` batches (all 'more'); then its connection is
   * cut (`drop`) or the session ignores everything from then on (`hold`: the test drops it later).
   */
  bootstrapStall: { after: number; then: 'drop' | 'hold' } | undefined;
  /**
   * A bootstrap's 'more' DOWNLOADs carry the cursor the bootstrap started from (as servers did
   * before resumable bootstraps), instead of the version of their last item.
   */
  bootstrapCursorAtStart = false;
  readonly transactions: TransactOutcome[] = [];
  /** While set, TRANSACTs wait (in `heldTransactions`) until `releaseTransactions()`. */
  holdTransactions = false;
  readonly heldTransactions: (() => void)[] = [];
  /** Client-reset ERRORs to answer the next message of a type with, in order. */
  readonly resetTraps: ResetTrap[] = [];
  answerPings = true;
  refuseConnections = false;
  rejectQueries = /^\0never$/;
  compensate: ((entries: readonly { clientVersion: number; changeset: Changeset }[]) => NonNullable<ErrorMessage['compensatingWrites']>) | undefined;
  onMessage: ((session: FakeSession, m: ClientMessage) => void) | undefined;
  private http!: Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false) });
  baseUrl = '';

  constructor(readonly options: FakeServerOptions) {
    this.schema = parseSchema(options.schema);
    this.history = new FakeHistory(this.schema, options.flexible === true);
    this.auth = new FakeAuth(options.auth);
  }

  async start(): Promise<this> {
    this.http = createServer((req, res) => {
      if (this.options.http?.(req, res)) return;
      if (!this.auth.handle(req, res)) {
        res.statusCode = 404;
        res.end();
      }
    });
    this.http.on('upgrade', (req, socket, head) => {
      if (this.options.upgrade) {
        if (!this.options.upgrade(req, socket as Duplex, head)) socket.destroy();
        return;
      }
      this.upgrade(req, socket as Duplex, head);
    });
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (status: number, code: string) => {
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: { code, message: code } })}`);
    };
    this.attempts++;
    if (new URL(req.url ?? '/', 'http://x').pathname !== SYNC_PATH) return reject(404, 'not_found');
    if (this.refuseConnections) return reject(503, 'session_closed');
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const bearer = req.headers.authorization?.replace(/^Bearer /i, '') ?? protocols.find((p) => p.startsWith(WS_BEARER_PREFIX))?.slice(WS_BEARER_PREFIX.length);
    let user: { userId: string };
    try {
      user = this.auth.verify(bearer ?? '');
    } catch (err) {
      return reject(401, (err as OutpostError).code);
    }
    this.connections++;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new FakeSession(this, ws, user.userId);
      this.sessions.add(s);
      ws.on('message', (data) => s.handle(String(data)));
      ws.on('close', () => this.sessions.delete(s));
    });
  }

  /** A change made on the server itself (like the data API): reaches every session. */
  serverWrite(instructions: Instruction[]): void {
    this.history.write(instructions);
    for (const s of this.sessions) s.pump();
  }

  /** Answers the next BIND / IDENT / UPLOAD / TRANSACT (of any session) with a client-reset ERROR. */
  resetNext(at: ResetTrap['at'], action: ResetTrap['action'] = 'client_reset', code: ResetTrap['code'] = 'bad_client_file'): void {
    this.resetTraps.push({ at, action, code });
  }

  releaseTransactions(): void {
    this.holdTransactions = false;
    for (const answer of this.heldTransactions.splice(0)) answer();
  }

  /** A copy of the server's history, state and client files (a backup). */
  snapshot(): FakeHistory {
    return this.history.clone();
  }

  /** Replaces everything with a copy taken earlier (a restore from backup) and drops every connection. */
  restore(backup: FakeHistory): void {
    this.history = backup.clone();
    this.dropConnections();
  }

  /** Forgets every client file (their BIND then gets a client reset). */
  forgetClientFiles(): void {
    this.history.files.clear();
  }

  /** Sends an ERROR to every session (closing them unless the action is 'none'). */
  sendError(code: ErrorMessage['code'], action: ErrorMessage['action'], extra: Partial<ErrorMessage> = {}): void {
    for (const s of this.sessions) s.error(code, `test: ${code}`, action, extra);
  }

  /** Cuts every connection without a close handshake. */
  dropConnections(): void {
    for (const s of this.sessions) s.ws.terminate();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  return new FakeServer(options).start();
}
