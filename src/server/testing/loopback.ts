import { EventEmitter } from 'node:events';
import type { Random } from '../../sim/random.ts';
import type { SyncEngine } from '../sync/engine.ts';
import { DEFAULT_SESSION_LIMITS, ServerSession, type SessionAuth, type SessionLimits, type SessionSocket } from '../sync/session.ts';
import type { ClientSocket } from './protocol-client.ts';

/*
 * In-memory connections between protocol test clients and real sync sessions, delivered one
 * message at a time in an order a seeded PRNG picks (each direction of a connection stays in
 * order, like TCP). With the in-memory store everything else is promise-based, so a run is
 * deterministic and a failing seed replays exactly.
 */

const OPEN = 1;
const CLOSED = 3;

class Connection {
  readonly up: string[] = [];
  /** Server frames: text, or a compressed message (binary). */
  readonly down: (string | Buffer)[] = [];
  closing = false;
  /** A client that does not read: its downloads stay queued (and count as buffered on the server). */
  held = false;
  readonly client: LoopClientSocket;
  readonly server: LoopServerSocket;
  session: ServerSession | undefined;

  constructor() {
    this.client = new LoopClientSocket(this);
    this.server = new LoopServerSocket(this);
  }

  /** Both ends see the close (the client after its pending downloads, when the server closed). */
  end(): void {
    if (this.client.readyState === CLOSED && this.server.readyState === CLOSED) return;
    this.up.length = 0;
    this.client.readyState = CLOSED;
    this.server.readyState = CLOSED;
    this.server.emit('close');
    this.client.emit('close', 1006, Buffer.from(''));
  }
}

class LoopServerSocket extends EventEmitter implements SessionSocket {
  readyState = OPEN;
  readonly OPEN = OPEN;
  constructor(private readonly conn: Connection) {
    super();
  }
  /** What the client has not read yet, as a socket's unsent bytes. */
  get bufferedAmount(): number {
    let n = 0;
    for (const d of this.conn.down) n += d.length;
    return n;
  }
  send(data: string | Buffer): void {
    if (this.readyState === OPEN) this.conn.down.push(data);
  }
  close(): void {
    // Downloads already sent still arrive; then the connection ends.
    this.readyState = CLOSED;
    this.conn.closing = true;
    if (this.conn.down.length === 0) this.conn.end();
  }
  terminate(): void {
    this.conn.down.length = 0;
    this.conn.end();
  }
}

class LoopClientSocket extends EventEmitter implements ClientSocket {
  readyState = OPEN;
  readonly OPEN = OPEN;
  constructor(private readonly conn: Connection) {
    super();
  }
  send(data: string): void {
    if (this.readyState === OPEN && !this.conn.closing) this.conn.up.push(data);
  }
  terminate(): void {
    this.conn.down.length = 0;
    this.conn.end();
  }
}

export class Loopback {
  private readonly conns = new Set<Connection>();

  constructor(
    private readonly engine: SyncEngine,
    private readonly auth: SessionAuth,
    private readonly limits: Partial<SessionLimits> = {},
  ) {}

  /** A new connection for a user, accepted at once; returns the client's end. */
  connect(userId: string): ClientSocket {
    const conn = new Connection();
    conn.session = new ServerSession(conn.server, this.engine, this.auth, { userId, expiresAt: Date.now() + 3_600_000 }, { ...DEFAULT_SESSION_LIMITS, ...this.limits }, {
      info() {},
      warn() {},
      error(obj, msg) {
        console.error(msg, obj);
      },
    });
    conn.client.on('close', () => this.conns.delete(conn));
    this.conns.add(conn);
    return conn.client;
  }

  /** Stops (or resumes) delivering the server's frames to this client: a client that does not read. */
  hold(client: ClientSocket, held: boolean): void {
    for (const c of this.conns) if (c.client === client) c.held = held;
  }

  get pending(): number {
    let n = 0;
    for (const c of this.conns) n += c.up.length + c.down.length;
    return n;
  }

  /** Delivers one message: a random connection, a random direction, the oldest message there. */
  deliverOne(rng: Random): boolean {
    const choices: { conn: Connection; dir: 'up' | 'down' }[] = [];
    for (const c of this.conns) {
      if (c.up.length) choices.push({ conn: c, dir: 'up' });
      if (c.down.length && !c.held) choices.push({ conn: c, dir: 'down' });
    }
    if (choices.length === 0) return false;
    const { conn, dir } = rng.pick(choices);
    const data = (dir === 'up' ? conn.up : conn.down).shift()!;
    if (dir === 'up') conn.server.emit('message', Buffer.from(data as string), false);
    else {
      conn.client.emit('message', typeof data === 'string' ? Buffer.from(data) : data, typeof data !== 'string');
      if (conn.closing && conn.down.length === 0) conn.end();
    }
    return true;
  }

  /** Waits until every session has handled what it was given. */
  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const c of this.conns) await c.session?.idle();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Delivers everything, in a seeded order, until nothing moves. */
  async drain(rng: Random): Promise<void> {
    for (let guard = 0; guard < 1_000_000; guard++) {
      await this.settle();
      if (this.pending === 0) {
        await this.settle();
        if (this.pending === 0) return;
      }
      while (this.deliverOne(rng)) {
        if (rng.bool(0.3)) await this.settle();
      }
    }
    throw new Error('the loopback did not drain');
  }
}
