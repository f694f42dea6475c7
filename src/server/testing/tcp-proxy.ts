import { createServer, connect, type Server, type Socket } from 'node:net';

/*
 * Test support: a TCP proxy on 127.0.0.1 that sits between a client and a server (a sync client
 * and the server process, or a server node and PostgreSQL) and injects network faults.
 *
 * A byte stream cannot lose or reorder single packets without breaking the stream, so the faults
 * are the ones a TCP connection really shows its ends:
 *  - `pass`: bytes flow (optionally each chunk `delay`ed);
 *  - `stall` (a partition that heals before TCP gives up): bytes in the stalled direction(s) are
 *    held, new connections are accepted but get nothing; `pass` releases everything held, in
 *    order. Stalling one direction only delivers the other one first: the reordering a peer sees
 *    between its requests and the answers;
 *  - `drop` (a black hole): bytes in both directions are discarded and new connections are
 *    accepted and starved; when the partition heals, the connections that lost bytes are cut (their
 *    stream cannot be repaired, as a real TCP stack would end them once it gives up);
 *  - `cut()`: every open connection is reset at once (a crashed NAT, a restarted load balancer).
 *    With `refuse`, new connections are refused too until the mode changes.
 * The target can be changed at any time (a restarted server on another port): new connections go
 * to the new target.
 */

export type Direction = 'up' | 'down' | 'both';
export type ProxyMode =
  | { readonly kind: 'pass'; readonly delayMs?: number }
  | { readonly kind: 'stall'; readonly direction?: Direction }
  | { readonly kind: 'drop' }
  | { readonly kind: 'refuse' };

interface Delayed {
  readonly due: number;
  readonly chunks: Buffer[];
  readonly end: boolean;
}

interface Pipe {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Held chunks per direction (`up`: client → target), released in order. */
  readonly held: { up: Buffer[]; down: Buffer[] };
  /** Bytes were discarded: the stream is broken and is cut when the partition heals. */
  broken: boolean;
  /** Batches waiting out a delay, in order, per direction. */
  readonly delayed: { up: Delayed[]; down: Delayed[] };
  /** The sending side ended its stream: end the other side once what is held has gone. */
  readonly ended: { up: boolean; down: boolean };
}

export interface ProxyStats {
  connections: number;
  /** Connections reset by a fault (cut, refuse, a drop healed). */
  cuts: number;
  droppedBytes: number;
}

export class TcpProxy {
  private readonly pipes = new Set<Pipe>();
  private mode: ProxyMode = { kind: 'pass' };
  readonly stats: ProxyStats = { connections: 0, cuts: 0, droppedBytes: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: { host: string; port: number },
  ) {
    server.on('connection', (s) => this.accept(s));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy has no port');
    return new TcpProxy(server, address.port, { host: target.host ?? '127.0.0.1', port: target.port });
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  get open(): number {
    return this.pipes.size;
  }

  retarget(target: { host?: string; port: number }): void {
    this.target = { host: target.host ?? '127.0.0.1', port: target.port };
  }

  /** Changes the fault; `pass` heals a partition (held bytes flow, broken connections are cut). */
  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind === 'drop') {
      for (const p of this.pipes) {
        this.stats.droppedBytes += p.held.up.reduce((n, b) => n + b.length, 0) + p.held.down.reduce((n, b) => n + b.length, 0);
        if (p.held.up.length + p.held.down.length > 0) p.broken = true;
        p.held.up.length = 0;
        p.held.down.length = 0;
      }
      return;
    }
    if (mode.kind === 'refuse') {
      this.cut();
      return;
    }
    for (const p of [...this.pipes]) {
      if (p.broken && mode.kind === 'pass') {
        this.reset(p);
        continue;
      }
      this.connectUpstream(p);
      this.flush(p, 'up');
      this.flush(p, 'down');
    }
  }

  /** Resets every open connection (both ends see the connection end). */
  cut(): void {
    for (const p of [...this.pipes]) this.reset(p);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    client.setNoDelay(true);
    const pipe: Pipe = { client, upstream: undefined, held: { up: [], down: [] }, broken: false, delayed: { up: [], down: [] }, ended: { up: false, down: false } };
    this.pipes.add(pipe);
    client.on('data', (chunk: Buffer) => this.carry(pipe, 'up', chunk));
    client.on('end', () => this.end(pipe, 'up'));
    client.on('error', () => this.reset(pipe, false));
    client.on('close', () => this.closeLater(pipe));
    // Under a partition the connection is accepted (the SYN reached the local proxy) but the
    // target is not reached until it heals.
    if (this.mode.kind === 'pass') this.connectUpstream(pipe);
  }

  private connectUpstream(p: Pipe): void {
    if (p.upstream || !this.pipes.has(p)) return;
    const up = connect({ host: this.target.host, port: this.target.port, noDelay: true, allowHalfOpen: true });
    p.upstream = up;
    up.on('connect', () => this.flush(p, 'up'));
    up.on('data', (chunk: Buffer) => this.carry(p, 'down', chunk));
    up.on('end', () => this.end(p, 'down'));
    up.on('error', () => this.reset(p, false));
    up.on('close', () => this.closeLater(p));
  }

  private stalled(direction: 'up' | 'down'): boolean {
    if (this.mode.kind === 'stall') return this.mode.direction === undefined || this.mode.direction === 'both' || this.mode.direction === direction;
    return false;
  }

  private carry(p: Pipe, direction: 'up' | 'down', chunk: Buffer): void {
    if (this.mode.kind === 'drop' || p.broken) {
      p.broken = true;
      this.stats.droppedBytes += chunk.length;
      return;
    }
    p.held[direction].push(chunk);
    this.flush(p, direction);
  }

  private flush(p: Pipe, direction: 'up' | 'down'): void {
    if (this.stalled(direction) || this.mode.kind === 'drop') return;
    const to = direction === 'up' ? p.upstream : p.client;
    if (!to || to.connecting || to.destroyed) return;
    const chunks = p.held[direction].splice(0);
    const end = p.ended[direction];
    const delayMs = this.mode.kind === 'pass' ? (this.mode.delayMs ?? 0) : 0;
    const q = p.delayed[direction];
    if (delayMs <= 0 && q.length === 0) {
      for (const c of chunks) to.write(c);
      if (end && !to.writableEnded) to.end();
      return;
    }
    // Each batch leaves `delayMs` after it arrived and never before the batches ahead of it.
    q.push({ due: Date.now() + delayMs, chunks, end });
    if (q.length === 1) this.release(p, direction, to);
  }

  private release(p: Pipe, direction: 'up' | 'down', to: Socket): void {
    const q = p.delayed[direction];
    const head = q[0];
    if (!head) return;
    setTimeout(() => {
      q.shift();
      if (!to.destroyed) {
        for (const c of head.chunks) to.write(c);
        if (head.end && !to.writableEnded) to.end();
      }
      this.release(p, direction, to);
    }, Math.max(0, head.due - Date.now()));
  }

  private end(p: Pipe, direction: 'up' | 'down'): void {
    p.ended[direction] = true;
    this.flush(p, direction);
  }

  /** One side closed: the pipe goes once the other side has closed too (or soon after, by force). */
  private closeLater(p: Pipe): void {
    const gone = (s: Socket | undefined) => s === undefined || s.destroyed;
    if (gone(p.client) && gone(p.upstream)) {
      this.pipes.delete(p);
      return;
    }
    setTimeout(() => this.reset(p, false), 2_000).unref();
  }

  private reset(p: Pipe, fault = true): void {
    if (!this.pipes.delete(p)) return;
    if (fault) this.stats.cuts++;
    if (!p.client.destroyed) p.client.resetAndDestroy();
    if (p.upstream && !p.upstream.destroyed) p.upstream.resetAndDestroy();
  }
}
