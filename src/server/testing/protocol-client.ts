import WebSocket from 'ws';
import { applyChangeset, HybridClock, ObjectState, type Changeset, type Instruction } from '../../changeset/index.ts';
import { rebase } from '../../merge/index.ts';
import type { ObjectSchemaInput, Schema } from '../../model/index.ts';
import {
  encodeMessage,
  LIMITS,
  parseServerMessage,
  PROTOCOL_VERSION,
  WS_SUBPROTOCOL,
  type ClientMessage,
  type ConflictEntry,
  type ClientVersionMessage,
  type Download,
  type ErrorMessage,
  type ServerMessage,
  type StateMessage,
  type Subscription,
  type TransactResult,
} from '../../protocol/index.ts';
import { decodeServerFrame } from '../sync/frames.ts';
import { pkKey, type PrimaryKey } from '../../model/index.ts';

/*
 * A protocol-level sync client for server tests: the algorithm of src/sim/client.ts over a real
 * WebSocket, with its state in memory. It is deliberately small and strict so that server tests
 * exercise the wire protocol itself (the product's client lives in src/client and src/worker).
 */

/** The client end of a connection: a `ws` WebSocket, or an in-memory one (loopback.ts). */
export interface ClientSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer | string, isBinary?: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
}

export interface TestClientOptions {
  readonly url?: string;
  readonly token?: string;
  /** Opens connections without a network (loopback.ts); otherwise a WebSocket to `url`. */
  readonly socket?: () => ClientSocket;
  readonly schema: Schema;
  readonly sendSchema?: boolean;
  readonly origin?: string;
  /** The wall clock for this client's timestamps (tests inject skewed, deterministic ones). */
  readonly now?: () => number;
  /** The protocol version BIND announces (default PROTOCOL_VERSION). */
  readonly protocolVersion?: number;
}

interface LocalEntry {
  readonly clientVersion: number;
  changeset: Changeset;
}

export class ProtocolClient {
  fileIdent: number | undefined;
  salt: string | undefined;
  state: ObjectState;
  readonly clock: HybridClock;
  local: LocalEntry[] = [];
  cursor = { serverVersion: 0, clientVersion: 0 };
  /** The version salt of `cursor.serverVersion`, as the server gave it. */
  versionSalt = '';
  readonly transactResults = new Map<number, TransactResult>();
  clientVersionAnswer: ClientVersionMessage | undefined;
  private stateSegments: StateMessage[] = [];
  stateReceived: StateMessage | undefined;
  private requestSeq = 0;
  subscriptions: { version: number; queries: Subscription[] } = { version: 0, queries: [] };
  readonly errors: ErrorMessage[] = [];
  readonly queryErrors: ServerMessage[] = [];
  queryVersionComplete = -1;
  private nextVersion = 1;
  private ws: ClientSocket | undefined;
  private pendingBatches: Download[] = [];
  private markId = 0;
  private readonly markWaiters = new Map<number, () => void>();
  private readonly listeners = new Set<() => void>();
  closedWith: { code: number; reason: string } | undefined;
  /** Every frame the server sent, as text (tests of what a client may learn). */
  readonly received: string[] = [];
  /** The conflicts the server says this user lost, by entry id (CONFLICTS). */
  readonly conflicts = new Map<number, ConflictEntry>();

  constructor(private readonly options: TestClientOptions) {
    this.state = new ObjectState(options.schema);
    this.clock = new HybridClock(options.now ? { now: options.now } : {});
  }

  get connected(): boolean {
    return this.ws !== undefined && this.ws.readyState === this.ws.OPEN;
  }

  /** Opens the socket and runs BIND (and IDENT); resolves when the session is established. */
  async connect(token = this.options.token): Promise<void> {
    await this.open(token);
    if (this.fileIdent === undefined) await this.until(() => this.fileIdent !== undefined || this.closedWith !== undefined);
  }

  /** Opens the socket and sends BIND (and IDENT when it has a file ident), without waiting for answers. */
  async open(token = this.options.token, openTimeoutMs?: number): Promise<void> {
    let ws: ClientSocket;
    if (this.options.socket) ws = this.options.socket();
    else {
      const real = new WebSocket(this.options.url!, [WS_SUBPROTOCOL], {
        headers: { Authorization: `Bearer ${token}`, ...(this.options.origin ? { Origin: this.options.origin } : {}) },
      });
      await new Promise<void>((resolve, reject) => {
        // A partitioned network never answers the handshake: give up, as a real client does.
        const timer = openTimeoutMs === undefined ? undefined : setTimeout(() => {
          real.terminate();
          reject(new Error('the WebSocket handshake timed out'));
        }, openTimeoutMs);
        real.once('open', () => (clearTimeout(timer), resolve()));
        real.once('error', (err) => (clearTimeout(timer), reject(err)));
        real.once('unexpected-response', (_req, res) => (clearTimeout(timer), reject(new Error(`upgrade refused: HTTP ${res.statusCode}`))));
      });
      ws = real;
    }
    this.ws = ws;
    this.identified = false;
    // Batches of a bootstrap the last connection did not finish are never applied: the server
    // sends them again (or their rows, as history) from the cursor.
    this.pendingBatches = [];
    this.closedWith = undefined;
    ws.on('message', (data, isBinary) => {
      if (this.ws === ws) this.onMessage(decodeServerFrame(data, isBinary === true));
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.closedWith = { code, reason: String(reason) };
      this.notify();
    });
    this.send({
      t: 'BIND',
      protocolVersion: this.options.protocolVersion ?? PROTOCOL_VERSION,
      fileIdent: this.fileIdent ?? null,
      salt: this.salt ?? null,
      ...(this.options.sendSchema === false ? {} : { schema: this.options.schema.toJSON() as ObjectSchemaInput[] as never }),
    });
    if (this.fileIdent !== undefined) this.sendIdent();
  }

  disconnect(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  send(m: ClientMessage): void {
    if (this.connected) this.ws!.send(encodeMessage(m));
  }

  sendRaw(text: string): void {
    this.ws?.send(text);
  }

  /** Whether this connection has sent IDENT: QUERY and UPLOAD are only valid after it. */
  private identified = false;

  private sendIdent(): void {
    this.identified = true;
    this.send({
      t: 'IDENT',
      fileIdent: this.fileIdent!,
      salt: this.salt!,
      cursor: { ...this.cursor },
      ...(this.cursor.serverVersion > 0 ? { versionSalt: this.versionSalt } : {}),
      subscriptions: this.subscriptions,
    });
    this.uploadPending();
  }

  uploadPending(): void {
    if (!this.identified || this.local.length === 0) return;
    for (let i = 0; i < this.local.length; i += LIMITS.maxUploadChangesets) {
      this.send({
        t: 'UPLOAD',
        changesets: this.local
          .slice(i, i + LIMITS.maxUploadChangesets)
          .map((e) => ({ clientVersion: e.clientVersion, base: this.cursor.serverVersion, changeset: e.changeset })),
      });
    }
  }

  /** A local write: applied at once, uploaded when connected. */
  write(instructions: Instruction[]): void {
    const changeset: Changeset = { origin: this.fileIdent ?? 0, timestamp: this.clock.tick(), instructions };
    applyChangeset(this.state, changeset);
    const clientVersion = this.nextVersion++;
    this.local.push({ clientVersion, changeset });
    if (this.identified) {
      this.send({ t: 'UPLOAD', changesets: [{ clientVersion, base: this.cursor.serverVersion, changeset }] });
    }
  }

  /** Sends a new subscription set without waiting; returns its version. */
  requestSubscriptions(queries: Subscription[]): number {
    const version = this.subscriptions.version + 1;
    this.subscriptions = { version, queries };
    // Before IDENT the set goes with IDENT itself.
    if (this.identified) this.send({ t: 'QUERY', version, queries });
    return version;
  }

  /** Replaces the subscription set; resolves when the server has bootstrapped it. */
  async subscribe(queries: Subscription[]): Promise<void> {
    const version = this.requestSubscriptions(queries);
    await this.until(() => this.queryVersionComplete >= version || this.queryErrors.some((e) => e.t === 'QUERY_ERROR' && e.version === version));
    await this.sync();
  }

  /** Resolves when everything local is acknowledged and the download has caught up (MARK). */
  async sync(): Promise<void> {
    await this.until(() => this.local.length === 0 || !this.connected);
    const id = ++this.markId;
    const done = new Promise<void>((resolve) => this.markWaiters.set(id, resolve));
    this.send({ t: 'MARK', requestId: id });
    await Promise.race([done, this.until(() => !this.connected)]);
  }

  /** Waits (polling on every message) until `cond` holds, failing after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('timed out waiting for the sync client'));
      }, timeoutMs);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private onMessage(text: string): void {
    this.received.push(text);
    const m = parseServerMessage(text);
    switch (m.t) {
      case 'IDENT':
        this.fileIdent = m.fileIdent;
        this.salt = m.salt;
        for (const e of this.local) e.changeset = { ...e.changeset, origin: m.fileIdent };
        this.sendIdent();
        break;
      case 'DOWNLOAD':
        if (m.batch === 'more') this.pendingBatches.push(m);
        else {
          const batches = [...this.pendingBatches, m];
          this.pendingBatches = [];
          for (const b of batches) this.integrate(b);
          if (m.queryVersion > this.queryVersionComplete) this.queryVersionComplete = m.queryVersion;
        }
        break;
      case 'MARK':
        this.markWaiters.get(m.requestId)?.();
        this.markWaiters.delete(m.requestId);
        break;
      case 'ERROR':
        this.errors.push(m);
        break;
      case 'STATE':
        this.stateSegments.push(m);
        if (m.last) {
          // The fresh copy replaces everything, at its version.
          this.state = new ObjectState(this.options.schema);
          for (const seg of this.stateSegments) {
            for (const o of seg.objects) {
              const pkField = this.options.schema.require(o.type).primaryKey!;
              this.state.put(o.type, pkKey(o.record[pkField] as PrimaryKey), o.record);
            }
          }
          this.stateSegments = [];
          this.cursor = { serverVersion: m.serverVersion, clientVersion: 0 };
          this.versionSalt = m.versionSalt;
          this.queryVersionComplete = Math.max(this.queryVersionComplete, m.queryVersion);
          this.stateReceived = m;
        }
        break;
      case 'TRANSACT':
        this.transactResults.set(m.requestId, m);
        break;
      case 'CLIENT_VERSION':
        this.clientVersionAnswer = m;
        break;
      case 'QUERY_ERROR':
        this.queryErrors.push(m);
        break;
      case 'CONFLICTS':
        if (m.replace) this.conflicts.clear();
        for (const e of m.entries) this.conflicts.set(e.id, e);
        break;
      default:
        break;
    }
    this.notify();
  }

  private acknowledge(upTo: number): void {
    if (upTo > this.cursor.clientVersion) this.cursor.clientVersion = upTo;
    while (this.local.length > 0 && this.local[0]!.clientVersion <= this.cursor.clientVersion) this.local.shift();
  }

  private integrate(d: Download): void {
    for (const item of d.items) {
      if (item.serverVersion <= this.cursor.serverVersion) continue;
      this.acknowledge(item.clientVersion);
      this.clock.observe(item.changeset.timestamp);
      const r = rebase(item.changeset, this.local.map((l) => l.changeset));
      applyChangeset(this.state, r.changeset);
      r.concurrent.forEach((c, k) => (this.local[k]!.changeset = c));
      this.cursor.serverVersion = item.serverVersion;
    }
    if (d.cursor.serverVersion >= this.cursor.serverVersion) {
      this.cursor.serverVersion = d.cursor.serverVersion;
      this.versionSalt = d.versionSalt;
    }
    this.acknowledge(d.cursor.clientVersion);
  }

  /**
   * A serialized transaction: sends TRANSACT based on the current cursor, with the objects it
   * read, and resolves with the server's answer (nothing is applied locally: an applied one comes
   * back through DOWNLOAD).
   */
  async transact(instructions: Instruction[], reads: { type: string; pk: PrimaryKey }[] = []): Promise<TransactResult> {
    const requestId = ++this.requestSeq;
    const changeset: Changeset = { origin: this.fileIdent!, timestamp: this.clock.tick(), instructions };
    this.send({ t: 'TRANSACT', requestId, base: this.cursor.serverVersion, reads, changeset });
    await this.until(() => this.transactResults.has(requestId) || !this.connected);
    const r = this.transactResults.get(requestId);
    if (!r) throw new Error('the connection closed before the TRANSACT answer');
    return r;
  }

  /** Asks for a fresh copy (a new file right after IDENT) and resolves when it is installed. */
  async requestState(queries: Subscription[], version = 1): Promise<StateMessage> {
    this.stateReceived = undefined;
    this.subscriptions = { version, queries };
    this.send({ t: 'STATE_REQUEST', queryVersion: version, queries });
    await this.until(() => this.stateReceived !== undefined || this.queryErrors.length > 0 || !this.connected);
    if (!this.stateReceived) throw new Error(`no STATE: ${JSON.stringify(this.queryErrors.at(-1) ?? this.errors.at(-1))}`);
    return this.stateReceived;
  }

  /** CLIENT_VERSION_REQUEST for a file ident and salt. */
  async askClientVersion(fileIdent: number, salt: string): Promise<ClientVersionMessage> {
    this.clientVersionAnswer = undefined;
    this.send({ t: 'CLIENT_VERSION_REQUEST', fileIdent, salt });
    await this.until(() => this.clientVersionAnswer !== undefined || !this.connected);
    if (!this.clientVersionAnswer) throw new Error('the connection closed before CLIENT_VERSION');
    return this.clientVersionAnswer;
  }

}
